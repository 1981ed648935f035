// The Vault kind (Microsoft.KeyVault/vaults, api-version 2024-11-01): the ARM calls around the
// pure planning logic in vault_model.h.
//
// Refresh reads with list calls only: one vault list per (subscription, resource group) of the
// desired vaults (or per subscription for a subscription-wide prune scope), one deletedVaults
// list per subscription, and checkNameAvailability only for desired vaults that are neither live
// nor soft-deleted in their subscription (the global name may be taken elsewhere).
//
// Apply never PUTs a full body over an existing vault: a PUT replaces the access policy list,
// which belongs to the AccessPolicy kind. Existing vaults are PATCHed (merge inside properties).
#pragma once

#include <memory>
#include <string>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

class VaultHandler : public engine::ResourceHandler {
 public:
  explicit VaultHandler(std::shared_ptr<ArmClient> client) : client_(std::move(client)) {}

  std::string_view Kind() const override { return "Vault"; }
  engine::ResolveResponse Resolve(const engine::ResolveRequest& request) const override;
  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const override {
    return ExportVaultManifest(observed, context);
  }
  engine::Change PlanChange(const engine::PlanChangeRequest& request) const override;
  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  struct VaultRef {
    std::string subscription, resource_group, name;
    std::string path;  // with api-version
  };
  Result<VaultRef> RefOf(const engine::Change& change) const;
  Result<Json> Create(const VaultRef& ref, const Json& desired, const Context& ctx);
  Result<Json> Recover(const VaultRef& ref, const Json& desired, const Context& ctx);
  // A vault whose provisioning ended Failed: PATCH every managed property, wait for provisioning.
  Result<Json> Reprovision(const VaultRef& ref, const Json& desired, const Context& ctx);
  Result<Json> PatchToDesired(const VaultRef& ref, const Json& desired, const Json& normalized_live,
                              const Context& ctx);
  Status Purge(const VaultRef& ref, const Context& ctx);
  Result<Json> Get(const VaultRef& ref, const Context& ctx);

  std::shared_ptr<ArmClient> client_;
};

}  // namespace keyward::azure
