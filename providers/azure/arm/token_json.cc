#include "providers/azure/arm/token_json.h"

namespace keyward::azure {

Result<AccessToken> TokenFromJson(const nlohmann::json& parsed, const std::string& key,
                                  const std::string& source) {
  if (!parsed.is_object()) return MakeError(ErrorCode::kInternal, source + " is not a JSON object");
  auto token = parsed.find(key);
  if (token == parsed.end() || !token->is_string() ||
      token->get_ref<const std::string&>().empty()) {
    return MakeError(ErrorCode::kInternal, source + " has no " + key);
  }
  AccessToken out;
  out.token = token->get<std::string>();
  return out;
}

}  // namespace keyward::azure
