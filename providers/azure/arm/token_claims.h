// Who a token says it is, for `keyward auth whoami`: the JWT payload decoded locally.
//
// The signature is NOT verified: this is display only, for a token keyward just obtained from a
// credential over verified TLS. Nothing else in keyward makes decisions from these claims. The
// token itself is never returned or printed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/context.h"
#include "engine/result.h"

namespace keyward::azure {

struct TokenClaims {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::string app_id;     // appid (v1 tokens) or azp (v2 tokens)
  std::string user;       // upn / unique_name / preferred_username, for user tokens ("" for apps)
  std::string audience;   // aud
  std::string identity_type;                   // idtyp: "app" or "user" when present
  std::optional<Clock::TimePoint> expires_on;  // exp
};

// Decodes the middle (base64url JSON) part of a JWT. kInvalidArgument when the token is not a
// JWT; the error never contains the token.
Result<TokenClaims> DecodeTokenClaims(std::string_view token);

}  // namespace keyward::azure
