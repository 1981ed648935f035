#include "providers/azure/kinds/child_refresh.h"

#include <map>
#include <set>

#include "engine/parallel.h"
#include "engine/planner.h"
#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/soft_delete_model.h"

namespace keyward::azure {

std::vector<ParentToList> ParentsToList(
    const engine::RefreshRequest& request, std::string_view parent_kind,
    const std::function<std::string(const engine::DesiredResource&)>& parent_id_of) {
  std::map<std::string, const engine::ObservedResource*> live;  // lower id -> parent
  if (request.parents) {
    for (const engine::ObservedResource& o : request.parents->resources)
      if (o.kind == parent_kind) live.emplace(Lower(o.arm_id), &o);
  }
  std::set<std::string> declared;  // lower ids of parents the manifests declare
  if (request.desired_set) {
    for (const engine::DesiredResource& d : request.desired_set->resources)
      if (d.kind == parent_kind && !d.arm_id.empty()) declared.insert(Lower(d.arm_id));
  }

  std::map<std::string, ParentToList> out;  // lower id -> parent
  for (const engine::DesiredResource* d : request.desired) {
    const std::string id = parent_id_of(*d);
    if (id.empty()) continue;
    const std::string lower = Lower(id);
    if (auto it = live.find(lower); it != live.end()) {
      out.emplace(lower,
                  ParentToList{it->second->arm_id, false, ProvisioningFailed(it->second->live)});
    } else if (!declared.count(lower)) {
      out.emplace(lower, ParentToList{id, true});
    }
  }
  const std::string stack = request.desired_set ? request.desired_set->config.stack : "";
  for (const auto& [lower, parent] : live) {
    const bool owned = !request.scopes.empty() && engine::IsOwnedByStack(parent->live, stack);
    if (request.all_in_scope || owned)
      out.emplace(lower, ParentToList{parent->arm_id, false, ProvisioningFailed(parent->live)});
  }
  std::vector<ParentToList> parents;
  for (auto& [lower, parent] : out) parents.push_back(std::move(parent));
  return parents;
}

Result<std::vector<Json>> ListUnderParents(ArmClient& client,
                                           const std::vector<ParentToList>& parents,
                                           std::string_view collection, size_t parallelism,
                                           const Context& ctx) {
  std::vector<Result<std::vector<Json>>> lists(parents.size());
  engine::ForEachBounded(parents.size(), parallelism, [&](size_t i) {
    lists[i] = client.ListAll(
        WithApiVersion(parents[i].id + "/" + std::string(collection), kKeyVaultApiVersion), ctx);
  });
  std::vector<Json> items;
  for (size_t i = 0; i < lists.size(); ++i) {
    if (!lists[i]) {
      const ErrorCode code = lists[i].error().code;
      if (parents[i].may_be_missing && code == ErrorCode::kNotFound) continue;
      if (parents[i].provisioning_failed &&
          (code == ErrorCode::kAlreadyExists || code == ErrorCode::kFailedPrecondition))
        continue;
      return tl::unexpected(lists[i].error());
    }
    for (Json& item : *lists[i]) items.push_back(std::move(item));
  }
  return items;
}

}  // namespace keyward::azure
