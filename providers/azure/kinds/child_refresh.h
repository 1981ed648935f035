// Refresh of a child kind listed under its parents (keys and HSM keys, secrets): which parents
// to list, and one list call per parent. One rule for every such kind, so Key and Secret cannot
// disagree about a parent that is external, declared but not created yet, or owned for prune.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/context.h"
#include "engine/resource_handler.h"
#include "engine/result.h"
#include "providers/azure/arm/arm_client.h"

namespace keyward::azure {

struct ParentToList {
  std::string id;               // the parent's ARM id, as the manifests or ARM spell it
  bool may_be_missing = false;  // not declared in the manifests: a 404 means "no children"
  // Its provisioning failed: it may refuse calls on its children (a managed HSM answers 409
  // ManagedHsmNotProvisioned). Its own plan re-provisions it before any child is written, so its
  // children plan as absent instead of failing the whole refresh.
  bool provisioning_failed = false;
};

// The parents (of kind `parent_kind`) whose children `request` needs, deduplicated
// case-insensitively, in id order:
// - the parent of every desired child, when it is live (the parent kind observed it), or when the
//   manifests do not declare it (keyward does not manage it, so it was not observed: it may exist
//   or not); a declared parent that is not live yet has no children and is not listed;
// - every observed parent for `keyward export` (request.all_in_scope);
// - every observed parent owned by the stack when prune scopes are set (children whose manifests
//   were removed must be seen to be pruned).
// `parent_id_of` gives a desired child's parent ARM id ("" when it has none).
std::vector<ParentToList> ParentsToList(
    const engine::RefreshRequest& request, std::string_view parent_kind,
    const std::function<std::string(const engine::DesiredResource&)>& parent_id_of);

// `collection` ("keys", "secrets") of every parent, at most request.parallelism list calls in
// flight, items in the order of `parents`. A parent that may be missing and answers 404 lists
// nothing, and so does one whose provisioning failed and that refuses the call (409 / 412); any
// other error fails the whole refresh (a partial list would plan wrong creates).
Result<std::vector<Json>> ListUnderParents(ArmClient& client,
                                           const std::vector<ParentToList>& parents,
                                           std::string_view collection, size_t parallelism,
                                           const Context& ctx);

}  // namespace keyward::azure
