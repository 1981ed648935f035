#include "engine/planner.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/diff.h"
#include "engine/graph.h"
#include "engine/observed_index.h"

namespace keyward::engine {
namespace {

// Orders `changes` so that each comes after its in-list depends_on, with engine/graph.h (ties keep
// the given order). Nodes are keyed by position so that equal addresses (which validation
// rejects) cannot merge two changes. On a cycle the given order is kept and `cycle` is set.
std::vector<size_t> StableOrder(const std::vector<Change>& changes, std::string* cycle) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < changes.size(); ++i) index.emplace(changes[i].address, i);
  std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
  for (size_t i = 0; i < changes.size(); ++i) {
    std::vector<std::string> deps;
    for (const std::string& dep : changes[i].depends_on) {
      auto it = index.find(dep);
      if (it != index.end()) deps.push_back(std::to_string(it->second));
    }
    nodes.emplace_back(std::to_string(i), std::move(deps));
  }
  const Graph graph = Graph::FromDependencies(nodes);
  auto order = graph.TopologicalOrder();
  std::vector<size_t> out;
  if (!order) {
    // Say it with addresses, not positions.
    std::vector<std::string> named;
    for (const std::string& id : graph.FindCycle())
      named.push_back(changes[std::stoul(id)].address);
    *cycle = Graph::DescribeCycle(named);
    for (size_t i = 0; i < changes.size(); ++i) out.push_back(i);
    return out;
  }
  for (const std::string& id : *order) out.push_back(std::stoul(id));
  return out;
}

const std::string* FindUnavailable(const ObservedSet& observed, const DesiredResource& d) {
  // The key is "Kind/name" with the name lowercased; accept a fully lowercased key too, so
  // handlers cannot get this subtly wrong.
  for (const std::string& key :
       {d.kind + "/" + AsciiLower(d.name), AsciiLower(d.kind + "/" + d.name)}) {
    auto it = observed.unavailable_names.find(key);
    if (it != observed.unavailable_names.end()) return &it->second;
  }
  return nullptr;
}

// handler.PlanChange, with an exception (a live resource shaped in a way the handler did not
// expect) turned into an error diagnostic naming the resource: the plan becomes unappliable
// instead of the process dying.
std::optional<Change> PlanChangeContained(const ResourceHandler& handler,
                                          const PlanChangeRequest& request,
                                          const std::string& address, Plan* plan) {
  const SourceLocation where = request.desired ? request.desired->location : SourceLocation{};
  try {
    return handler.PlanChange(request);
  } catch (const std::exception& e) {
    plan->diagnostics.Error(where, address + ": cannot plan: " + e.what());
  } catch (...) {
    plan->diagnostics.Error(where, address + ": cannot plan: unexpected non-standard exception");
  }
  return std::nullopt;
}

}  // namespace

bool IsOwnedByStack(const Json& live, const std::string& stack) {
  if (stack.empty() || !live.is_object()) return false;
  auto tags = live.find("tags");
  if (tags == live.end() || !tags->is_object()) return false;
  for (const auto& [name, value] : tags->items())
    if (EqualsIgnoreCase(name, kStackTag) && value.is_string() && value.get<std::string>() == stack)
      return true;
  return false;
}

Plan MakePlan(const DesiredSet& desired, const ObservedSet& observed,
              const HandlerRegistry& handlers, const PlanOptions& options) {
  Plan plan;

  // --- Desired resources, in load order. Skipped ones still claim their live counterpart, so
  // that "skip" never turns into "prune".
  const ObservedIndex index(observed);
  std::set<std::string> claimed_ids;
  std::set<std::string> claimed_addresses;
  std::vector<Change> forward;
  for (const DesiredResource& d : desired.resources) {
    if (!d.arm_id.empty()) claimed_ids.insert(CanonicalArmId(d.arm_id));
    claimed_addresses.insert(d.address);
    if (d.policy == ReconcilePolicy::kSkip) continue;
    const ResourceHandler* handler = handlers.Find(d.kind);
    if (!handler) {
      plan.diagnostics.Error(d.location,
                             "no handler for kind '" + d.kind + "' (" + d.address + ")");
      continue;
    }
    PlanChangeRequest request;
    request.desired = &d;
    request.observed = index.Match(d);
    // A soft-deleted resource only matters when the name is free in the live set.
    if (!request.observed)
      request.soft_deleted = observed.FindSoftDeleted(d.kind, d.name, d.subscription);
    request.name_unavailable = FindUnavailable(observed, d);
    request.options = &options;
    request.desired_set = &desired;
    request.observed_set = &observed;

    std::optional<Change> planned = PlanChangeContained(*handler, request, d.address, &plan);
    if (!planned) continue;
    Change change = std::move(*planned);
    change.address = d.address;
    change.kind = d.kind;
    if (change.arm_id.empty())
      change.arm_id = !d.arm_id.empty() || !request.observed ? d.arm_id : request.observed->arm_id;
    change.depends_on = d.depends_on;
    change.policy = d.policy;
    if (d.policy == ReconcilePolicy::kObserve) change.report_only = true;
    forward.push_back(std::move(change));
  }

  // --- Prune candidates, claimed by no desired resource: with prune on, those owned by this
  // stack; always, those the handler marked remove_if_undeclared (exclusive access policies).
  std::vector<Change> prune;
  const ReconcilePolicy prune_policy = desired.config.default_policy;
  if (prune_policy != ReconcilePolicy::kSkip) {
    std::vector<const ObservedResource*> candidates;
    for (const ObservedResource& o : observed.resources) {
      if (claimed_ids.count(CanonicalArmId(o.arm_id)) || claimed_addresses.count(o.address))
        continue;
      const bool pruned = options.prune && IsOwnedByStack(o.live, options.stack);
      if (!pruned && !o.remove_if_undeclared) continue;
      candidates.push_back(&o);
    }
    // Address order (then id), so refresh order never leaks into the plan.
    std::stable_sort(candidates.begin(), candidates.end(), [](auto* a, auto* b) {
      if (a->address != b->address) return a->address < b->address;
      return CanonicalArmId(a->arm_id) < CanonicalArmId(b->arm_id);
    });
    for (const ObservedResource* o : candidates) {
      const ResourceHandler* handler = handlers.Find(o->kind);
      if (!handler) {
        plan.diagnostics.Warning({},
                                 "no handler for kind '" + o->kind + "'; not pruning " + o->arm_id);
        continue;
      }
      PlanChangeRequest request;
      request.observed = o;
      request.options = &options;
      request.desired_set = &desired;
      request.observed_set = &observed;
      std::optional<Change> planned = PlanChangeContained(
          *handler, request, o->address.empty() ? o->arm_id : o->address, &plan);
      if (!planned) continue;
      Change change = std::move(*planned);
      change.address = o->address.empty() ? o->arm_id : o->address;
      change.kind = o->kind;
      if (change.arm_id.empty()) change.arm_id = o->arm_id;
      change.depends_on.clear();
      change.policy = prune_policy;
      if (prune_policy == ReconcilePolicy::kObserve ||
          prune_policy == ReconcilePolicy::kDetachOnDelete) {
        change.report_only = true;
        if (change.action == Action::kDelete)
          change.reason += std::string(change.reason.empty() ? "" : "; ") +
                           "not deleted: default reconcile policy is " +
                           ReconcilePolicyName(prune_policy);
      }
      prune.push_back(std::move(change));
    }
  }

  // --- Desired changes: dependencies first.
  std::string cycle;
  for (size_t i : StableOrder(forward, &cycle)) plan.changes.push_back(forward[i]);
  if (!cycle.empty()) plan.diagnostics.Error({}, cycle);

  // --- Prune changes: children first. A live resource whose id lies under another pruned
  // resource's id is its child; the parent's change depends on it.
  std::vector<std::string> ids;
  for (const Change& c : prune) ids.push_back(CanonicalArmId(c.arm_id));
  for (size_t parent = 0; parent < prune.size(); ++parent) {
    if (ids[parent].empty()) continue;
    const std::string prefix = ids[parent] + "/";
    for (size_t child = 0; child < prune.size(); ++child)
      if (child != parent && ids[child].compare(0, prefix.size(), prefix) == 0)
        prune[parent].depends_on.push_back(prune[child].address);
  }
  // depends_on points from parent to child here, so the forward order is children first.
  std::string prune_cycle;  // impossible with a strict prefix relation
  for (size_t i : StableOrder(prune, &prune_cycle)) plan.changes.push_back(prune[i]);

  return plan;
}

}  // namespace keyward::engine
