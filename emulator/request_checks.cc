#include "emulator/request_checks.h"

#include "emulator/util.h"

namespace keyward::emulator {

ArmError InvalidProperty(const std::string& property, const std::string& why) {
  return {400, "BadRequest",
          "An invalid value was provided for '" + property + "'." + (why.empty() ? "" : " " + why)};
}

ArmError RequiredProperty(const std::string& property) {
  return {400, "BadRequest", "The parameter '" + property + "' is required but was not provided."};
}

std::optional<std::string> CanonicalEnum(const nlohmann::json& value,
                                         std::initializer_list<const char*> allowed) {
  if (!value.is_string()) return std::nullopt;
  for (const char* a : allowed) {
    if (EqualsIgnoreCase(value.get<std::string>(), a)) return std::string(a);
  }
  return std::nullopt;
}

bool Present(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && !object[key].is_null();
}

std::optional<ArmError> CheckLocation(const nlohmann::json& body) {
  if (body.contains("location") && body["location"].is_string() &&
      !body["location"].get<std::string>().empty()) {
    return std::nullopt;
  }
  return ArmError{400, "LocationRequired",
                  "The location property is required for this definition."};
}

}  // namespace keyward::emulator
