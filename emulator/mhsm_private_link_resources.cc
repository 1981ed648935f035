#include "emulator/mhsm_private_link_resources.h"

#include "emulator/private_link_resources.h"
#include "emulator/util.h"

namespace keyward::emulator {

void RegisterMhsmPrivateLinkResourceRoutes(Router& router, const ServiceContext& context) {
  Store* store = context.store;
  router.Add({"GET",
              "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
              "Microsoft.KeyVault/managedHSMs/{name}/privateLinkResources",
              "MHSMPrivateLinkResources_ListByMHSMResource", ApiFamily::kKeyVault, true,
              [store](RequestContext& r) {
                std::string hsm_id = "/subscriptions/" + r.Var("subscriptionId") +
                                     "/resourceGroups/" + r.Var("resourceGroupName") +
                                     "/providers/Microsoft.KeyVault/managedHSMs/" + r.Var("name");
                bool exists = store->Transact(
                    [&](Store::Tx& tx) { return tx.Get(ToLower(hsm_id)).has_value(); });
                if (!exists) {
                  return Reply::Error(ResourceNotFound("Microsoft.KeyVault/managedHSMs",
                                                       r.Var("name"), r.Var("resourceGroupName")));
                }
                return Reply::Json(200, PrivateLinkResourceList(
                                            hsm_id, "Microsoft.KeyVault/managedHSMs", "managedhsm",
                                            "managedhsms", "privatelink.managedhsm.azure.net"));
              }});
}

}  // namespace keyward::emulator
