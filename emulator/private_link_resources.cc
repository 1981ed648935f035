#include "emulator/private_link_resources.h"

#include "emulator/vault_children.h"

namespace keyward::emulator {

nlohmann::json PrivateLinkResourceList(const std::string& parent_id, const std::string& parent_type,
                                       const std::string& name, const std::string& group_id,
                                       const std::string& zone) {
  nlohmann::json resource = {
      {"id", parent_id + "/privateLinkResources/" + name},
      {"name", name},
      {"type", parent_type + "/privateLinkResources"},
      {"properties",
       {{"groupId", group_id}, {"requiredMembers", {"default"}}, {"requiredZoneNames", {zone}}}}};
  return {{"value", nlohmann::json::array({resource})}};
}

void RegisterPrivateLinkResourceRoutes(Router& router, const ServiceContext& context) {
  Store* store = context.store;
  router.Add({"GET",
              "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
              "Microsoft.KeyVault/vaults/{vaultName}/privateLinkResources",
              "PrivateLinkResources_ListByVault", ApiFamily::kKeyVault, true,
              [store](RequestContext& r) {
                return store->Transact([&](Store::Tx& tx) -> Reply {
                  ParentVault vault;
                  if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
                  return Reply::Json(
                      200, PrivateLinkResourceList(vault.id, "Microsoft.KeyVault/vaults", "vault",
                                                   "vault", "privatelink.vaultcore.azure.net"));
                });
              }});
}

}  // namespace keyward::emulator
