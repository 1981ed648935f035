#include "providers/azure/arm/token_claims.h"

#include <array>
#include <ctime>
#include <initializer_list>
#include <nlohmann/json.hpp>

namespace keyward::azure {
namespace {

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  static const auto kTable = [] {
    std::array<int, 256> table;
    table.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
    return table;
  }();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : text) {
    int value = kTable[c];
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string StringClaim(const nlohmann::json& claims, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = claims.find(name);
    if (it != claims.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      return it->get<std::string>();
    }
  }
  return "";
}

}  // namespace

Result<TokenClaims> DecodeTokenClaims(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the access token is not a JWT (expected three parts)");
  }
  auto payload = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  nlohmann::json claims;
  if (payload) claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!payload || !claims.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the access token's payload is not base64url JSON");
  }
  TokenClaims out;
  out.tenant_id = StringClaim(claims, {"tid"});
  out.object_id = StringClaim(claims, {"oid"});
  out.app_id = StringClaim(claims, {"appid", "azp"});
  out.user = StringClaim(claims, {"upn", "unique_name", "preferred_username"});
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    out.audience = aud->is_string() ? aud->get<std::string>() : aud->dump();
  }
  out.identity_type = StringClaim(claims, {"idtyp"});
  if (auto exp = claims.find("exp"); exp != claims.end() && exp->is_number()) {
    out.expires_on = std::chrono::system_clock::from_time_t(exp->get<time_t>());
  }
  return out;
}

}  // namespace keyward::azure
