#include "providers/azure/guardrails/spec_values.h"

#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::guardrails {

const Json* SpecValue(const Json& object, const std::string& key) {
  const Json* value = FindKey(object, key);
  return value && !value->is_null() ? value : nullptr;
}

const Json* SpecValueAt(const Json& object, std::initializer_list<const char*> path) {
  const Json* value = &object;
  for (const char* key : path)
    if (!(value = SpecValue(*value, key))) return nullptr;
  return value;
}

std::optional<bool> SpecBool(const Json& object, const std::string& key) {
  const Json* value = SpecValue(object, key);
  if (!value) return std::nullopt;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_string()) {  // a live spec may carry ARM's string form
    if (IEquals(value->get<std::string>(), "true")) return true;
    if (IEquals(value->get<std::string>(), "false")) return false;
  }
  return std::nullopt;
}

std::optional<long long> SpecInt(const Json& object, const std::string& key) {
  const Json* value = SpecValue(object, key);
  if (value && value->is_number_integer()) return value->get<long long>();
  if (value && value->is_number_unsigned()) return static_cast<long long>(value->get<uint64_t>());
  return std::nullopt;
}

std::string SpecString(const Json& object, const std::string& key) {
  const Json* value = SpecValue(object, key);
  return value && value->is_string() ? value->get<std::string>() : "";
}

bool EqualsAnyIgnoreCase(const std::string& value, const std::vector<std::string>& options) {
  for (const std::string& option : options)
    if (IEquals(value, option)) return true;
  return false;
}

std::string JoinWords(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : separator) + word;
  return out;
}

std::string SubscriptionOfId(const std::string& arm_id) {
  return ArmIdSegment(arm_id, "subscriptions");
}

std::string IdBefore(const std::string& arm_id, const std::string& segment) {
  const size_t at = Lower(arm_id).find("/" + Lower(segment) + "/");
  return at == std::string::npos ? "" : arm_id.substr(0, at);
}

}  // namespace keyward::azure::guardrails
