// Compact JWS (JWT) with HS256, the token format the emulator's fake Entra ID issues. HMAC rather
// than RSA because only the emulator itself verifies its tokens; clients treat them as opaque.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace keyward::emulator {

std::string SignJwt(const nlohmann::json& claims, const std::string& key);

enum class JwtVerdict { kValid, kMalformed, kBadSignature };
// On kValid, *claims holds the payload. Expiry is the caller's business (it knows the clock).
JwtVerdict VerifyJwt(const std::string& token, const std::string& key, nlohmann::json* claims);

}  // namespace keyward::emulator
