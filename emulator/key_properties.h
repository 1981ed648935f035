// KeyCreateParameters.properties -> KeyProperties, shared by vault keys (keys.cc) and managed
// HSM keys (mhsm_keys.cc): validation and server defaults (RSA 2048, EC P-256, the examples'
// keyOps). One copy, so the two key families cannot drift apart.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "emulator/arm_error.h"

namespace keyward::emulator {

// Validates `in` and writes the request part of KeyProperties (no URIs, no created / updated /
// recoveryLevel) to `out`. `premium`: HSM-backed key types (EC-HSM, RSA-HSM) are allowed, true
// for premium vaults and every managed HSM.
std::optional<ArmError> NormalizeKeyProperties(const nlohmann::json& in, bool premium,
                                               nlohmann::json* out);

// A key as key lists show it: the stored key with properties cut to attributes and keyUri (as in
// the listKeys / managedHsmListKeys examples).
nlohmann::json KeyListItem(const nlohmann::json& stored_body);

}  // namespace keyward::emulator
