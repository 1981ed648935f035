// The small checks every request-body validator in the emulator uses: ARM's two 400 BadRequest
// texts for a bad or missing property, case-insensitive enums, and "present and not null".
// One copy, so that vaults, managed HSMs, keys, secrets and access policies word their errors
// alike.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"

namespace keyward::emulator {

// "An invalid value was provided for 'PROPERTY'. WHY"
ArmError InvalidProperty(const std::string& property, const std::string& why = "");
// "The parameter 'PROPERTY' is required but was not provided."
ArmError RequiredProperty(const std::string& property);

// A case-insensitive enum value: the canonical spelling from `allowed`, or nullopt (also for a
// value that is not a string).
std::optional<std::string> CanonicalEnum(const nlohmann::json& value,
                                         std::initializer_list<const char*> allowed);

// `object` has `key` with a value other than null (ARM treats null as omitted).
bool Present(const nlohmann::json& object, const char* key);

// ARM's 400 LocationRequired when a tracked resource's PUT body has no non-empty string
// "location".
std::optional<ArmError> CheckLocation(const nlohmann::json& body);

}  // namespace keyward::emulator
