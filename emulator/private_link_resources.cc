#include "emulator/private_link_resources.h"

#include "emulator/vault_children.h"

namespace keyward::emulator {

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
                  nlohmann::json resource = {
                      {"id", vault.id + "/privateLinkResources/vault"},
                      {"name", "vault"},
                      {"type", "Microsoft.KeyVault/vaults/privateLinkResources"},
                      {"properties",
                       {{"groupId", "vault"},
                        {"requiredMembers", {"default"}},
                        {"requiredZoneNames", {"privatelink.vaultcore.azure.net"}}}}};
                  return Reply::Json(200, {{"value", nlohmann::json::array({resource})}});
                });
              }});
}

}  // namespace keyward::emulator
