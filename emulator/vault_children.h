// What the families living under a vault (keys, secrets, access policies, private link resources)
// share: the vault's stored key and caller-cased id, loading the live parent vault (404 naming the
// vault, as ARM does, when it is absent), the key/secret name rule and the fresh version ids.
//
// Children are stored under the vault's lowercased key ("{vault key}/keys/{name}", ...), so the
// vault family's soft delete and resource-group delete remove them with the vault (vaults.cc).
#pragma once

#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/store.h"

namespace keyward::emulator {

// The vault a child route addresses, from the route's {subscriptionId}/{resourceGroupName}/
// {vaultName} vars.
struct ParentVault {
  std::string key;       // lowercased ARM id (the store key)
  std::string id;        // the id in the caller's casing of the stored vault
  std::string name;      // vault name as stored (caller's casing at creation)
  std::string location;  // normalised vault location
  StoredResource stored;
};

std::string VaultKeyFor(const RequestContext& request);

// Loads the live vault the request addresses, or returns 404 ResourceNotFound for the vault.
std::optional<ArmError> LoadParentVault(Store::Tx& tx, const RequestContext& request,
                                        ParentVault* out);

// 404 ResourceNotFound for `child_path` ("keys/NAME", "secrets/NAME/...") under the request's
// vault, in ARM's words.
ArmError VaultChildNotFound(const RequestContext& request, const std::string& child_path);

// "https://{vault}.vault.azure.net" (lowercased vault name, no trailing slash).
std::string VaultDataPlaneUrl(const ParentVault& vault);

// Keys and secrets: ^[a-zA-Z0-9-]{1,127}$ (ARM-NOTES §5.1). `what` is "key" or "secret".
std::optional<ArmError> ValidateChildName(const std::string& name, const std::string& what);

// A Key Vault object version: 32 lowercase hex characters.
std::string NewObjectVersion();

// Whole seconds since the epoch, the unit of key/secret attributes.
long long UnixSeconds(double now);

}  // namespace keyward::emulator
