// Microsoft.KeyVault/vaults/keys (2024-11-01): create-if-not-exist, get, list, get/list versions
// (ARM-NOTES §1.7, §5.4). ARM can only create the *first* version of a key: a PUT of an existing
// key returns the stored key unchanged (no write, always 200), whatever the body says. There is
// no PATCH and no DELETE through ARM (no management action exists), so those methods answer 405.
//
// Storage: the key is a row "{vault key}/keys/{name}" holding the current version's response
// body; each version is a row "{key key}/versions/{version}" (parent = the key) holding the
// version's response body. Both are deleted with the vault (see vault_children.h).
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

inline constexpr char kKeyType[] = "Microsoft.KeyVault/vaults/keys";
inline constexpr char kKeyVersionType[] = "Microsoft.KeyVault/vaults/keys/versions";

void RegisterKeyRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
