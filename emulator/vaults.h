// Microsoft.KeyVault/vaults (2024-11-01) as the real RP behaves (ARM-NOTES §1.7, §1.8, §5.1, §5.2):
// PUT => 200 with RegisteringDns on fresh creates (Succeeded once --lro-seconds passed), PATCH as a
// merge inside properties, synchronous DELETE into deletedVaults, purge as a 202 + Location LRO,
// createMode recover, global name uniqueness with soft-delete reservation, purge protection and
// immutable retention, checkNameAvailability, paged lists.
//
// Stored vault bodies are the response shape plus an "_internal" object (readyAt: when
// provisioning finishes) that Render strips. Deleted vaults keep the whole vault body under
// "_internal.vault" so recover can restore the old configuration.
#pragma once

#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

inline constexpr char kVaultType[] = "Microsoft.KeyVault/vaults";
inline constexpr char kDeletedVaultType[] = "Microsoft.KeyVault/deletedVaults";

// 3-24 of [a-zA-Z0-9-], starts with a letter, ends with a letter or digit, no "--".
std::optional<ArmError> ValidateVaultName(const std::string& name);

// Validates and normalises the `properties` of a PUT (or of a PATCH already merged into the stored
// properties). `existing` is the stored properties of a live vault (null on create); it enforces
// the one-way switches (purge protection, soft delete) and the immutable retention.
// On success returns the properties to store (defaults filled, enums capitalised).
std::optional<ArmError> NormalizeVaultProperties(const nlohmann::json& input,
                                                 const nlohmann::json* existing,
                                                 nlohmann::json* out);

void RegisterVaultRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
