// Microsoft.KeyVault/managedHSMs/keys (2024-11-01): create-if-not-exist, get, list, get/list
// versions (ARM-NOTES §1.7, §5.4, keysManagedHsm.json). Same contract as vault keys: a PUT of an
// existing key returns it unchanged (always 200); no PATCH/DELETE through ARM.
//
// Storage: "{hsm key}/keys/{name}" (parent = the HSM) holds the current version's body; each
// version is "{key key}/versions/{version}" (parent = the key). Both go with the HSM when it is
// soft-deleted (managed_hsms.cc removes everything under the HSM's key).
// Keys need a provisioned HSM: while it is still being created (no hsmUri yet) or after a failed
// creation, key calls answer 409 ManagedHsmNotProvisioned.
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

inline constexpr char kManagedHsmKeyType[] = "Microsoft.KeyVault/managedHSMs/keys";
inline constexpr char kManagedHsmKeyVersionType[] = "Microsoft.KeyVault/managedHSMs/keys/versions";

void RegisterManagedHsmKeyRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
