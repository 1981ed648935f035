// The Vault kind (Microsoft.KeyVault/vaults, api-version 2024-11-01): the shared soft-deletable
// handler (soft_deletable_handler.h) with the vault's descriptor (vault_model.cc), which carries
// what only a vault has: the purge-protection / soft-delete rule across spec fields, its traits
// and its export.
//
// Vault lists are per resource group of the desired vaults (or per subscription for a
// subscription-wide prune scope). Apply never PUTs a full body over an existing vault: a PUT
// replaces the access policy list, which belongs to the AccessPolicy kind; PATCH merges inside
// properties, so the policies are left alone.
#pragma once

#include <memory>

#include "providers/azure/kinds/soft_deletable_handler.h"

namespace keyward::azure {

class VaultHandler : public SoftDeletableHandler {
 public:
  explicit VaultHandler(std::shared_ptr<ArmClient> client);
};

}  // namespace keyward::azure
