// A fake Microsoft Entra ID (v2.0 endpoints) and the ARM side of authentication.
//
// Tokens are HS256 JWTs signed with a key kept in the state database, so tokens issued before a
// restart stay valid after it (clients cache tokens for an hour). Claims: tid, oid, appid, aud,
// iss, iat, nbf, exp (+ ver, sub, idtyp like real app tokens).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/store.h"

namespace keyward::emulator {

struct PrincipalCredential {
  std::string tenant_id;
  std::string client_id;
  std::string client_secret;
  std::string object_id;
};

// Parses TENANT_ID:CLIENT_ID:CLIENT_SECRET:OBJECT_ID. The secret may itself contain ':' - the
// first two and the last field are split off, the rest is the secret.
std::optional<PrincipalCredential> ParsePrincipalFlag(const std::string& text, std::string* error);

class Identity {
 public:
  Identity(Store& store, std::vector<PrincipalCredential> principals, double token_lifetime_seconds);

  void RegisterRoutes(Router& router);
  // ARM-side check of "Authorization: Bearer ..."; a 401 ArmError (with WWW-Authenticate) if not ok.
  std::variant<Principal, ArmError> Authenticate(const RequestContext& request) const;
  // Issues a token directly (tests of the verifier; the token endpoint uses it too).
  std::string IssueToken(const PrincipalCredential& principal, const std::string& audience,
                         const std::string& issuer, double now) const;

 private:
  Reply HandleToken(RequestContext& request) const;
  Reply HandleOpenIdConfiguration(RequestContext& request) const;

  std::vector<PrincipalCredential> principals_;
  double token_lifetime_;
  std::string key_;
};

}  // namespace keyward::emulator
