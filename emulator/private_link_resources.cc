#include "emulator/private_link_resources.h"

#include <nlohmann/json.hpp>
#include <string>

#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

// The one private link resource a kind offers.
struct PrivateLinkOffer {
  const char* parent_type;  // "Microsoft.KeyVault/vaults"
  const char* name;         // the resource's name under the parent
  const char* group_id;
  const char* zone;  // the private DNS zone it is served from
};

constexpr PrivateLinkOffer kVaultOffer = {"Microsoft.KeyVault/vaults", "vault", "vault",
                                          "privatelink.vaultcore.azure.net"};
constexpr PrivateLinkOffer kHsmOffer = {"Microsoft.KeyVault/managedHSMs", "managedhsm",
                                        "managedhsms", "privatelink.managedhsm.azure.net"};

// 200 with the {value} list of the offer under `parent_id`.
Reply OfferList(const std::string& parent_id, const PrivateLinkOffer& offer) {
  nlohmann::json resource = {{"id", parent_id + "/privateLinkResources/" + offer.name},
                             {"name", offer.name},
                             {"type", std::string(offer.parent_type) + "/privateLinkResources"},
                             {"properties",
                              {{"groupId", offer.group_id},
                               {"requiredMembers", {"default"}},
                               {"requiredZoneNames", {offer.zone}}}}};
  return Reply::Json(200, {{"value", nlohmann::json::array({resource})}});
}

}  // namespace

void RegisterPrivateLinkResourceRoutes(Router& router, const ServiceContext& context) {
  Store* store = context.store;
  const std::string providers =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.KeyVault/";
  // Vault: the id in the stored vault's casing.
  router.Add({"GET", providers + "vaults/{vaultName}/privateLinkResources",
              "PrivateLinkResources_ListByVault", ApiFamily::kKeyVault, true,
              [store](RequestContext& r) {
                return store->Transact([&](Store::Tx& tx) -> Reply {
                  ParentVault vault;
                  if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
                  return OfferList(vault.id, kVaultOffer);
                });
              }});
  // Managed HSM: the id in the caller's casing.
  router.Add({"GET", providers + "managedHSMs/{name}/privateLinkResources",
              "MHSMPrivateLinkResources_ListByMHSMResource", ApiFamily::kKeyVault, true,
              [store](RequestContext& r) {
                const std::string hsm_id = "/subscriptions/" + r.Var("subscriptionId") +
                                           "/resourceGroups/" + r.Var("resourceGroupName") +
                                           "/providers/Microsoft.KeyVault/managedHSMs/" +
                                           r.Var("name");
                bool exists = store->Transact(
                    [&](Store::Tx& tx) { return tx.Get(ToLower(hsm_id)).has_value(); });
                if (!exists) {
                  return Reply::Error(ResourceNotFound(kHsmOffer.parent_type, r.Var("name"),
                                                       r.Var("resourceGroupName")));
                }
                return OfferList(hsm_id, kHsmOffer);
              }});
}

}  // namespace keyward::emulator
