#include "providers/azure/kinds/key_handler.h"

#include <map>
#include <set>

#include "engine/parallel.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

// At most this many ARM calls of one refresh phase in flight (DESIGN.md §2).
constexpr size_t kRefreshParallelism = 8;

std::string KeysListPath(const std::string& parent_id) {
  return WithApiVersion(parent_id + "/keys", kKeyVaultApiVersion);
}

std::string KeyPath(const std::string& key_id) {
  return WithApiVersion(key_id, kKeyVaultApiVersion);
}

}  // namespace

engine::ResolveResponse KeyHandler::Resolve(const engine::ResolveRequest& request) const {
  return ResolveKey(kind_, request);
}

Change KeyHandler::PlanChange(const engine::PlanChangeRequest& request) const {
  return PlanKeyChange(kind_, request);
}

Result<engine::RefreshResponse> KeyHandler::Refresh(const engine::RefreshRequest& request,
                                                    const Context& ctx) {
  const std::string stack = request.desired_set ? request.desired_set->config.stack : "";
  std::map<std::string, const engine::ObservedResource*> live_parents;  // lower id -> parent
  std::set<std::string> failed_parents;  // lower ids: provisioningState Failed
  if (request.parents) {
    for (const engine::ObservedResource& o : request.parents->resources) {
      if (o.kind != kind_.parent_kind) continue;
      live_parents.emplace(Lower(o.arm_id), &o);
      if (ProvisioningFailed(o.live)) failed_parents.insert(Lower(o.arm_id));
    }
  }

  // Parents to list, deduplicated case-insensitively; `external` ones may not exist.
  std::map<std::string, std::string> to_list;  // lower id -> id
  std::set<std::string> external;              // lower ids
  std::set<std::string> desired_ids;           // lower key ids
  for (const engine::DesiredResource* d : request.desired) {
    const KeyParent parent = KeyParentOf(kind_, *d);
    if (parent.arm_id.empty()) continue;
    desired_ids.insert(Lower(parent.arm_id + "/keys/" + d->name));
    const std::string lower = Lower(parent.arm_id);
    if (auto it = live_parents.find(lower); it != live_parents.end()) {
      to_list.emplace(lower, it->second->arm_id);
    } else if (parent.by_id &&
               !(request.desired_set && request.desired_set->Find(parent.address))) {
      // A parent keyward does not manage is not among the observed parents: list it anyway, so
      // an existing key there is not planned as a create.
      to_list.emplace(lower, parent.arm_id);
      external.insert(lower);
    }
    // Else the parent is declared but not live yet: it has no keys.
  }
  if (request.all_in_scope) {
    for (const auto& [lower, parent] : live_parents) to_list.emplace(lower, parent->arm_id);
  }
  if (!request.scopes.empty() && !stack.empty()) {
    for (const auto& [lower, parent] : live_parents)
      if (StackTagOf(parent->live) == stack) to_list.emplace(lower, parent->arm_id);
  }

  // Phase 1: one keys list per parent.
  std::vector<std::pair<std::string, std::string>> parents(to_list.begin(), to_list.end());
  std::vector<Result<std::vector<Json>>> lists(parents.size());
  engine::ForEachBounded(parents.size(), kRefreshParallelism, [&](size_t i) {
    lists[i] = client_->ListAll(KeysListPath(parents[i].second), ctx);
  });
  std::vector<Json> items;
  for (size_t i = 0; i < lists.size(); ++i) {
    if (!lists[i]) {
      if (external.count(parents[i].first) && lists[i].error().code == ErrorCode::kNotFound)
        continue;
      // A parent whose provisioning failed may refuse key calls (a managed HSM answers 409
      // ManagedHsmNotProvisioned). Its own plan re-provisions it before any key is written, so
      // its keys plan as absent instead of failing the whole refresh.
      const ErrorCode code = lists[i].error().code;
      if (failed_parents.count(parents[i].first) &&
          (code == ErrorCode::kAlreadyExists || code == ErrorCode::kFailedPrecondition))
        continue;
      return tl::unexpected(lists[i].error());
    }
    for (Json& item : *lists[i]) items.push_back(std::move(item));
  }

  // Phase 2: full properties of the declared keys (list items lack kty, keyOps, ...).
  std::vector<size_t> declared;
  for (size_t i = 0; i < items.size(); ++i)
    if (request.all_in_scope || desired_ids.count(Lower(items[i].value("id", ""))))
      declared.push_back(i);
  std::vector<Result<ArmResponse>> gets(declared.size());
  engine::ForEachBounded(declared.size(), kRefreshParallelism, [&](size_t i) {
    gets[i] = client_->Get(KeyPath(items[declared[i]].value("id", "")), ctx);
  });
  std::set<size_t> vanished;  // deleted in the data plane between the two calls
  for (size_t i = 0; i < gets.size(); ++i) {
    if (!gets[i]) {
      if (gets[i].error().code == ErrorCode::kNotFound) {
        vanished.insert(declared[i]);
        continue;
      }
      return tl::unexpected(gets[i].error());
    }
    items[declared[i]] = std::move(gets[i]->body);
  }

  engine::RefreshResponse out;
  std::set<std::string> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    if (vanished.count(i)) continue;
    engine::ObservedResource observed;
    observed.kind = kind_.kind;
    observed.arm_id = items[i].value("id", "");
    observed.address = KeyAddressFromId(kind_, observed.arm_id);
    if (observed.address.empty() || !seen.insert(Lower(observed.arm_id)).second) continue;
    observed.fingerprint = FingerprintOfJson(NormalizeKey(kind_, items[i]));
    observed.live = std::move(items[i]);
    out.resources.push_back(std::move(observed));
  }
  return out;
}

Result<engine::ApplyResponse> KeyHandler::Apply(const engine::ApplyRequest& request,
                                                const Context& ctx) {
  const Change& change = *request.change;
  if (KeyAddressFromId(kind_, change.arm_id).empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("not an ARM id of a ") + kind_.kind + ": " + change.arm_id);
  }
  const std::string path = KeyPath(change.arm_id);
  if (change.action == Action::kCreate) {
    // Create-if-not-exist: if someone created the key since the plan, ARM returns it unchanged;
    // the engine's re-plan of the re-read key then reports the difference.
    auto put = client_->Put(path, change.after, ctx);
    if (!put) return tl::unexpected(put.error());
  } else if (change.action != Action::kNoOp) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     std::string(kind_.kind) + ": " + engine::ActionName(change.action) +
                         " cannot be applied: ARM can only create keys (" + change.reason_code +
                         ")");
  }
  auto live = client_->Get(path, ctx);
  if (!live) return tl::unexpected(live.error());
  engine::ApplyResponse out;
  out.live = std::move(live->body);
  out.fingerprint = FingerprintOfJson(NormalizeKey(kind_, out.live));
  return out;
}

}  // namespace keyward::azure
