// The Vault kind (Microsoft.KeyVault/vaults, api-version 2024-11-01): the shared soft-deletable
// handler (soft_deletable_handler.h) with the vault's descriptor (vault_model.cc), plus what only
// a vault has: the purge-protection / soft-delete rule across spec fields, and its export.
//
// Vault lists are per resource group of the desired vaults (or per subscription for a
// subscription-wide prune scope). Apply never PUTs a full body over an existing vault: a PUT
// replaces the access policy list, which belongs to the AccessPolicy kind; PATCH merges inside
// properties, so the policies are left alone.
#pragma once

#include <memory>
#include <string>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"
#include "providers/azure/kinds/soft_deletable_handler.h"

namespace keyward::azure {

class VaultHandler : public SoftDeletableHandler {
 public:
  explicit VaultHandler(std::shared_ptr<ArmClient> client);

  // Deleting a vault deletes its keys, secrets and access policies.
  engine::KindTraits Traits() const override {
    return {.delete_needs_allow_destroy = true, .export_file_prefix = "vault-"};
  }

  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const override {
    return ExportVaultManifest(observed, context);
  }

 protected:
  void CheckSpec(const engine::DesiredResource& resource,
                 engine::ResolveResponse& out) const override;
};

}  // namespace keyward::azure
