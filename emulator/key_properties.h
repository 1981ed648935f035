// KeyCreateParameters.properties -> KeyProperties, shared by vault keys (keys.cc) and managed
// HSM keys (mhsm_keys.cc): validation and server defaults (RSA 2048, EC P-256, the examples'
// keyOps). One copy, so the two key families cannot drift apart.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

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
// A key version as version lists show it: attributes, keyUri and keyUriWithVersion.
nlohmann::json KeyVersionListItem(const nlohmann::json& stored_body);

// Fills what the service sets on a new key's properties: created / updated (`now`),
// recoveryLevel (purge protection makes deleted keys unpurgeable until retention ends,
// ARM-NOTES §5.4), keyUri (`uri`, ending in /keys/NAME) and keyUriWithVersion.
void StampNewKey(bool purge_protected, const std::string& uri, const std::string& version,
                 long long now, nlohmann::json* props);

// The body of a key's version row: the key's body under the version's id, name and `type`.
nlohmann::json KeyVersionBody(const nlohmann::json& key_body, const std::string& version,
                              const char* type);

}  // namespace keyward::emulator
