#include "emulator/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "emulator/util.h"

namespace keyward::emulator {
namespace {

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

}  // namespace

std::string SignJwt(const nlohmann::json& claims, const std::string& key) {
  nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return signing_input + "." + Base64UrlEncode(HmacSha256(key, signing_input));
}

JwtVerdict VerifyJwt(const std::string& token, const std::string& key, nlohmann::json* claims) {
  size_t first = token.find('.');
  size_t second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    return JwtVerdict::kMalformed;
  }
  std::string header_json, payload_json, signature;
  if (!Base64UrlDecode(token.substr(0, first), &header_json) ||
      !Base64UrlDecode(token.substr(first + 1, second - first - 1), &payload_json) ||
      !Base64UrlDecode(token.substr(second + 1), &signature)) {
    return JwtVerdict::kMalformed;
  }
  auto header = nlohmann::json::parse(header_json, nullptr, false);
  auto payload = nlohmann::json::parse(payload_json, nullptr, false);
  if (header.is_discarded() || payload.is_discarded() || !header.is_object() ||
      !payload.is_object()) {
    return JwtVerdict::kMalformed;
  }
  // Only HS256 is ever issued; refusing anything else closes the classic "alg: none" hole.
  if (header.value("alg", "") != "HS256") return JwtVerdict::kBadSignature;
  std::string expected = HmacSha256(key, token.substr(0, second));
  if (expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return JwtVerdict::kBadSignature;
  }
  *claims = std::move(payload);
  return JwtVerdict::kValid;
}

}  // namespace keyward::emulator
