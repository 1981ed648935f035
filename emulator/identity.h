// A fake Microsoft Entra ID (v2.0 endpoints) and the ARM side of authentication.
//
// Tokens are HS256 JWTs signed with a key kept in the state database, so tokens issued before a
// restart stay valid after it (clients cache tokens for an hour). Claims: tid, oid, appid, aud,
// iss, iat, nbf, exp (+ ver, sub, idtyp like real app tokens).
#pragma once

#include <map>
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
  Identity(Store& store, std::vector<PrincipalCredential> principals,
           double token_lifetime_seconds);

  // Managed identity: which --principal (by client id) system-assigned MI tokens represent (empty =
  // the first), and the App Service secret X-IDENTITY-HEADER must carry (empty = any non-empty
  // value). Call before serving.
  void SetManagedIdentity(const std::string& client_id) { managed_identity_ = client_id; }
  void SetIdentityHeader(const std::string& secret) { identity_header_ = secret; }

  void RegisterRoutes(Router& router);
  // ARM-side check of "Authorization: Bearer ..."; a 401 ArmError (with WWW-Authenticate) if not
  // ok.
  std::variant<Principal, ArmError> Authenticate(const RequestContext& request) const;
  // Issues a token directly (tests of the verifier; the token endpoint uses it too).
  std::string IssueToken(const PrincipalCredential& principal, const std::string& audience,
                         const std::string& issuer, double now) const;

 private:
  Reply HandleToken(RequestContext& request) const;
  Reply HandleOpenIdConfiguration(RequestContext& request) const;
  // The registered principal `client_id` names, or the AADSTS error for an unknown client or a
  // client of another tenant.
  std::variant<const PrincipalCredential*, Reply> FindClient(const std::string& client_id,
                                                             const std::string& tenant,
                                                             double now) const;
  // The client proves itself with a secret or a client_assertion; an AADSTS error reply if not.
  std::optional<Reply> CheckClientCredential(const RequestContext& request,
                                             const std::map<std::string, std::string>& form,
                                             const std::string& client_id,
                                             const std::string& client_secret,
                                             const PrincipalCredential* principal) const;
  // client_assertion grant: validates the assertion JWT (see identity.cc) and returns the
  // principal, or an AADSTS error reply.
  std::variant<const PrincipalCredential*, Reply> CheckClientAssertion(
      const RequestContext& request, const std::map<std::string, std::string>& form,
      const PrincipalCredential* principal) const;
  // IMDS-shaped (GET /metadata/identity/oauth2/token) and App-Service-shaped (GET /msi/token)
  // managed-identity endpoints (ARM-NOTES §6.3).
  Reply HandleImds(RequestContext& request) const;
  Reply HandleAppService(RequestContext& request) const;
  nlohmann::json ManagedIdentityToken(const PrincipalCredential& principal,
                                      const std::string& resource,
                                      const RequestContext& request) const;
  // The checks both managed-identity endpoints make on `resource` and the identity the request
  // names; the principal, or the endpoint's error reply.
  std::variant<const PrincipalCredential*, Reply> ManagedIdentityFor(
      const RequestContext& request, const std::string& resource,
      const std::string& object_id_param, const std::string& resource_id_param) const;
  // The principal a managed-identity request names (client_id / object_id / msi_res_id), or the
  // --managed-identity one; null if the named identity is unknown.
  const PrincipalCredential* ManagedPrincipal(const RequestContext& request,
                                              const std::string& object_id_param,
                                              const std::string& resource_id_param) const;

  std::vector<PrincipalCredential> principals_;
  double token_lifetime_;
  std::string key_;
  std::string managed_identity_;
  std::string identity_header_;
};

}  // namespace keyward::emulator
