// Reading manifest-shaped specs in the Key Vault rules. Keys are matched case-insensitively (ARM
// property names are, and a live spec keeps ARM's spelling), values are taken as written: the
// JSON Schema already checked a manifest's types, and a value of an unexpected type reads as
// absent rather than failing a rule.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "engine/guardrails/estate.h"
#include "engine/resource.h"

namespace keyward::azure::guardrails {

using Json = nlohmann::json;

const Json* SpecValue(const Json& object, const std::string& key);  // null when absent / null
// The value at `path` below `object`, each step read like SpecValue ({"networkAcls", "ipRules"}):
// null when a step is absent, null or not an object.
const Json* SpecValueAt(const Json& object, std::initializer_list<const char*> path);
std::optional<bool> SpecBool(const Json& object, const std::string& key);
std::optional<long long> SpecInt(const Json& object, const std::string& key);
std::string SpecString(const Json& object, const std::string& key);  // "" when absent

bool EqualsAnyIgnoreCase(const std::string& value, const std::vector<std::string>& options);
std::string JoinWords(const std::vector<std::string>& words, const std::string& separator = ", ");

// The subscription segment of an ARM id ("" when it has none).
std::string SubscriptionOfId(const std::string& arm_id);
// The part of `arm_id` before `/<segment>/` (case-insensitive), e.g. a key's vault id; "" when
// the segment is absent.
std::string IdBefore(const std::string& arm_id, const std::string& segment);

}  // namespace keyward::azure::guardrails
