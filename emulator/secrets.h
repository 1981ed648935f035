// Microsoft.KeyVault/vaults/secrets (2024-11-01): PUT (create or update), PATCH, GET, list
// (ARM-NOTES §1.7, §5.4). Invariants:
//   * the value is never returned, in any response (spec: "'value' will never be returned");
//   * a new version (new secretUriWithVersion, created = updated = now) only when the value,
//     contentType or attributes change; tags alone are updated in place; an identical re-PUT
//     writes nothing;
//   * no DELETE through ARM (no management action exists) => 405.
//
// The emulator has no data plane, so nobody can ever read a value back: it stores only a salted
// SHA-256 of the value (enough to detect a change) under "_internal", which Render strips. The
// state file therefore never holds secret material.
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

inline constexpr char kSecretType[] = "Microsoft.KeyVault/vaults/secrets";

void RegisterSecretRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
