#include "engine/planner.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/diff.h"
#include "engine/first_by_key.h"
#include "engine/graph.h"
#include "engine/observed_index.h"
#include "engine/plan_index.h"

namespace keyward::engine {
namespace {

// Orders `changes` so that each comes after its in-list depends_on, ties keeping the given order:
// the order of engine/graph.h (Kahn's algorithm, the earliest ready position first), computed on
// positions rather than on a string-keyed Graph, since a fleet's plan holds 100,000 changes.
// Positions, not addresses, are the nodes, so that equal addresses (which validation rejects)
// cannot merge two changes. On a cycle the given order is kept and `cycle` is set.
std::vector<size_t> StableOrder(const std::vector<Change>& changes, std::string* cycle) {
  const size_t n = changes.size();
  FirstByKey<> index(n);
  for (size_t i = 0; i < n; ++i) index.Insert(changes[i].address, i);
  std::vector<std::vector<size_t>> dependents(n);
  std::vector<size_t> waiting(n, 0);
  std::vector<size_t> deps;
  for (size_t i = 0; i < n; ++i) {
    deps.clear();
    for (const std::string& dep : changes[i].depends_on) {
      const size_t found = index.Find(dep);
      if (found == FirstByKey<>::kNone) continue;
      if (std::find(deps.begin(), deps.end(), found) == deps.end())
        deps.push_back(found);  // an edge counts once, as in Graph::AddEdge
    }
    waiting[i] = deps.size();
    for (size_t dep : deps) dependents[dep].push_back(i);
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (waiting[i] == 0) ready.push(i);
  std::vector<size_t> out;
  out.reserve(n);
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    out.push_back(i);
    for (size_t next : dependents[i])
      if (--waiting[next] == 0) ready.push(next);
  }
  if (out.size() == n) return out;

  // A cycle: name it with addresses, through the graph (rare, so its cost does not matter).
  std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> named_deps;
    for (const std::string& dep : changes[i].depends_on) {
      const size_t found = index.Find(dep);
      if (found != FirstByKey<>::kNone) named_deps.push_back(std::to_string(found));
    }
    nodes.emplace_back(std::to_string(i), std::move(named_deps));
  }
  std::vector<std::string> named;
  for (const std::string& id : Graph::FromDependencies(nodes).FindCycle())
    named.push_back(changes[std::stoul(id)].address);
  *cycle = Graph::DescribeCycle(named);
  out.clear();
  for (size_t i = 0; i < n; ++i) out.push_back(i);
  return out;
}

// Rearranges `changes` so that position k holds what was at order[k] (a permutation), following
// its cycles: a fleet's plan would otherwise need a second vector of 100,000 changes.
void Permute(std::vector<Change>& changes, std::vector<size_t> order) {
  for (size_t start = 0; start < order.size(); ++start) {
    if (order[start] == start) continue;
    Change held = std::move(changes[start]);
    size_t k = start;
    while (order[k] != start) {
      const size_t from = order[k];
      changes[k] = std::move(changes[from]);
      order[k] = k;
      k = from;
    }
    changes[k] = std::move(held);
    order[k] = k;
  }
}

const std::string* FindUnavailable(const ObservedSet& observed, const DesiredResource& d) {
  if (observed.unavailable_names.empty()) return nullptr;  // the usual case: no key to build
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

namespace {

// What one MakePlan reads, shared by its phases.
struct Planning {
  const DesiredSet& desired;
  const ObservedSet& observed;
  const HandlerRegistry& handlers;
  const PlanOptions& options;
  const PlanIndex& index;
  Plan& plan;
};

// The engine's part of a desired resource's change: what PlanChange leaves to it.
void FillDesiredChange(const DesiredResource& d, const PlanChangeRequest& request, Change& change) {
  change.address = d.address;
  change.kind = d.kind;
  if (change.arm_id.empty())
    change.arm_id = !d.arm_id.empty() || !request.observed ? d.arm_id : request.observed->arm_id;
  change.depends_on = d.depends_on;
  change.policy = d.policy;
  if (d.policy == ReconcilePolicy::kObserve) change.report_only = true;
}

// Desired resources, in load order.
std::vector<Change> PlanDesired(const Planning& p) {
  const ObservedIndex matches(p.observed);
  std::vector<Change> forward;
  forward.reserve(p.desired.resources.size());
  for (const DesiredResource& d : p.desired.resources) {
    if (d.policy == ReconcilePolicy::kSkip) continue;
    const ResourceHandler* handler = p.handlers.Find(d.kind);
    if (!handler) {
      p.plan.diagnostics.Error(d.location,
                               "no handler for kind '" + d.kind + "' (" + d.address + ")");
      continue;
    }
    PlanChangeRequest request;
    request.desired = &d;
    request.observed = matches.Match(d);
    // A soft-deleted resource only matters when the name is free in the live set.
    if (!request.observed)
      request.soft_deleted = p.observed.FindSoftDeleted(d.kind, d.name, d.subscription);
    request.name_unavailable = FindUnavailable(p.observed, d);
    request.options = &p.options;
    request.desired_set = &p.desired;
    request.observed_set = &p.observed;
    request.index = &p.index;

    std::optional<Change> planned = PlanChangeContained(*handler, request, d.address, &p.plan);
    if (!planned) continue;
    FillDesiredChange(d, request, *planned);
    forward.push_back(std::move(*planned));
  }
  return forward;
}

// Whether a live resource has a desired counterpart: one with its ARM id (ignoring case), or
// with its address. Every desired resource claims, skipped ones too, so that "skip" never turns
// into "prune".
class ClaimedByDesired {
 public:
  explicit ClaimedByDesired(const DesiredSet& desired)
      : ids_(desired.resources.size()), addresses_(desired.resources.size()) {
    for (size_t i = 0; i < desired.resources.size(); ++i) {
      const DesiredResource& d = desired.resources[i];
      if (!d.arm_id.empty()) ids_.Insert(d.arm_id, i);
      addresses_.Insert(d.address, i);
    }
  }
  bool Claims(const ObservedResource& o) const {
    return ids_.Find(o.arm_id) != FirstByKey<>::kNone ||
           addresses_.Find(o.address) != FirstByKey<>::kNone;
  }

 private:
  FirstByKey<ArmIdHash, ArmIdEqual> ids_;
  FirstByKey<> addresses_;
};

// Live resources claimed by no desired resource that may be pruned: with prune on, those owned
// by this stack; always, those the handler marked remove_if_undeclared (exclusive access
// policies). In address order (then id), so refresh order never leaks into the plan.
std::vector<const ObservedResource*> PruneCandidates(const Planning& p) {
  const ClaimedByDesired claimed(p.desired);
  std::vector<const ObservedResource*> candidates;
  for (const ObservedResource& o : p.observed.resources) {
    if (claimed.Claims(o)) continue;
    const bool pruned = p.options.prune && IsOwnedByStack(o.live, p.options.stack);
    if (!pruned && !o.remove_if_undeclared) continue;
    candidates.push_back(&o);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](auto* a, auto* b) {
    if (a->address != b->address) return a->address < b->address;
    return CanonicalArmId(a->arm_id) < CanonicalArmId(b->arm_id);
  });
  return candidates;
}

// The prune change of one candidate, under the stack's default reconcile policy.
std::optional<Change> PlanPruneOne(const Planning& p, const ObservedResource& o,
                                   ReconcilePolicy prune_policy) {
  const std::string address = o.address.empty() ? o.arm_id : o.address;
  const ResourceHandler* handler = p.handlers.Find(o.kind);
  if (!handler) {
    p.plan.diagnostics.Warning({}, "no handler for kind '" + o.kind + "'; not pruning " + o.arm_id);
    return std::nullopt;
  }
  PlanChangeRequest request;
  request.observed = &o;
  request.options = &p.options;
  request.desired_set = &p.desired;
  request.observed_set = &p.observed;
  request.index = &p.index;
  std::optional<Change> change = PlanChangeContained(*handler, request, address, &p.plan);
  if (!change) return std::nullopt;
  change->address = address;
  change->kind = o.kind;
  if (change->arm_id.empty()) change->arm_id = o.arm_id;
  change->depends_on.clear();
  change->policy = prune_policy;
  if (prune_policy == ReconcilePolicy::kObserve ||
      prune_policy == ReconcilePolicy::kDetachOnDelete) {
    change->report_only = true;
    if (change->action == Action::kDelete)
      change->reason += std::string(change->reason.empty() ? "" : "; ") +
                        "not deleted: default reconcile policy is " +
                        ReconcilePolicyName(prune_policy);
  }
  return change;
}

// A pruned live resource whose id lies under another pruned resource's id is its child: the
// parent's change depends on it. Each child looks its ancestors up by the prefixes of its id,
// instead of every pair being compared.
void LinkPrunedChildren(std::vector<Change>& prune) {
  std::vector<std::string> ids;
  ids.reserve(prune.size());
  std::unordered_map<std::string_view, std::vector<size_t>> by_id;
  for (const Change& c : prune) ids.push_back(CanonicalArmId(c.arm_id));
  for (size_t i = 0; i < prune.size(); ++i)
    if (!ids[i].empty()) by_id[ids[i]].push_back(i);
  // Parents collect their children in prune order, as the pairwise comparison did.
  for (size_t child = 0; child < prune.size(); ++child) {
    const std::string& id = ids[child];
    for (size_t slash = id.find('/'); slash != std::string::npos; slash = id.find('/', slash + 1)) {
      auto it = by_id.find(std::string_view(id).substr(0, slash));
      if (it == by_id.end()) continue;
      for (size_t parent : it->second)
        if (parent != child) prune[parent].depends_on.push_back(prune[child].address);
    }
  }
}

std::vector<Change> PlanPrune(const Planning& p) {
  std::vector<Change> prune;
  const ReconcilePolicy prune_policy = p.desired.config.default_policy;
  if (prune_policy == ReconcilePolicy::kSkip) return prune;
  for (const ObservedResource* o : PruneCandidates(p))
    if (std::optional<Change> change = PlanPruneOne(p, *o, prune_policy))
      prune.push_back(std::move(*change));
  LinkPrunedChildren(prune);
  return prune;
}

}  // namespace

Plan MakePlan(const DesiredSet& desired, const ObservedSet& observed,
              const HandlerRegistry& handlers, const PlanOptions& options) {
  Plan plan;
  const PlanIndex index(desired, observed);
  const Planning p{desired, observed, handlers, options, index, plan};
  std::vector<Change> forward = PlanDesired(p);
  std::vector<Change> prune = PlanPrune(p);

  // Desired changes: dependencies first, reordered in place. Never copied: each change holds two
  // JSON bodies, and a copy would double the plan's peak memory at fleet scale.
  std::string cycle;
  Permute(forward, StableOrder(forward, &cycle));
  if (!cycle.empty()) plan.diagnostics.Error({}, cycle);
  plan.changes = std::move(forward);
  // Prune changes: depends_on points from parent to child here, so the forward order is
  // children first.
  std::string prune_cycle;  // impossible with a strict prefix relation
  Permute(prune, StableOrder(prune, &prune_cycle));
  plan.changes.insert(plan.changes.end(), std::make_move_iterator(prune.begin()),
                      std::make_move_iterator(prune.end()));
  return plan;
}

}  // namespace keyward::engine
