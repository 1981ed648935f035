#include "emulator/identity.h"

#include <algorithm>
#include <cmath>

#include "emulator/jwt.h"
#include "emulator/util.h"

namespace keyward::emulator {
namespace {

constexpr char kArmResource[] = "https://management.azure.com";
// Audiences ARM accepts (the exact list ARM prints in InvalidAuthenticationTokenAudience).
const std::vector<std::string>& ArmAudiences() {
  static const std::vector<std::string> kAudiences = {
      "https://management.core.windows.net/", "https://management.core.windows.net",
      "https://management.azure.com/", "https://management.azure.com"};
  return kAudiences;
}

// AADSTS-style error body (ARM-NOTES §6.1).
Reply AadError(int status, const std::string& error, int aadsts, const std::string& description,
               double now) {
  std::string trace = NewGuid();
  std::string correlation = NewGuid();
  nlohmann::json body = {
      {"error", error},
      {"error_description", "AADSTS" + std::to_string(aadsts) + ": " + description +
                                " Trace ID: " + trace + " Correlation ID: " + correlation +
                                " Timestamp: " + FormatSpaceSeparated(now)},
      {"error_codes", {aadsts}},
      {"timestamp", FormatSpaceSeparated(now)},
      {"trace_id", trace},
      {"correlation_id", correlation},
      {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(aadsts)}};
  Reply reply = Reply::Json(status, body);
  reply.error_code = error;
  return reply;
}

ArmError Unauthorized(const std::string& code, const std::string& message,
                      const std::string& base_url, const std::string& tenant) {
  ArmError error{401, code, message, {}};
  error.headers.emplace_back(
      "WWW-Authenticate", "Bearer authorization_uri=\"" + base_url + "/" +
                              (tenant.empty() ? "common" : tenant) +
                              "\", error=\"invalid_token\", error_description=\"" + message + "\"");
  return error;
}

bool KnownResource(std::string resource, const std::string& base_url) {
  while (!resource.empty() && resource.back() == '/') resource.pop_back();
  return EqualsIgnoreCase(resource, kArmResource) ||
         EqualsIgnoreCase(resource, "https://management.core.windows.net") ||
         EqualsIgnoreCase(resource, base_url);
}

// Audience ARM tokens carry for a requested resource (trailing slash, like real ARM tokens).
std::string AudienceFor(std::string resource, const std::string& base_url) {
  while (!resource.empty() && resource.back() == '/') resource.pop_back();
  if (EqualsIgnoreCase(resource, base_url)) return base_url + "/";
  return resource + "/";
}

// Managed-identity endpoints answer with small OAuth-style errors, not AADSTS bodies.
Reply MiError(int status, const std::string& error, const std::string& description) {
  Reply reply = Reply::Json(status, {{"error", error}, {"error_description", description}});
  reply.error_code = error;
  return reply;
}

bool DecodeJsonSegment(const std::string& segment, nlohmann::json* out) {
  std::string raw;
  if (!Base64UrlDecode(segment, &raw)) return false;
  *out = nlohmann::json::parse(raw, nullptr, false);
  return !out->is_discarded() && out->is_object();
}

}  // namespace

std::optional<PrincipalCredential> ParsePrincipalFlag(const std::string& text, std::string* error) {
  size_t first = text.find(':');
  size_t second = first == std::string::npos ? first : text.find(':', first + 1);
  size_t last = text.rfind(':');
  if (second == std::string::npos || last <= second) {
    *error = "--principal must be TENANT_ID:CLIENT_ID:CLIENT_SECRET:OBJECT_ID";
    return std::nullopt;
  }
  PrincipalCredential p{text.substr(0, first), text.substr(first + 1, second - first - 1),
                        text.substr(second + 1, last - second - 1), text.substr(last + 1)};
  if (p.tenant_id.empty() || p.client_id.empty() || p.client_secret.empty() ||
      p.object_id.empty()) {
    *error = "--principal fields must not be empty";
    return std::nullopt;
  }
  return p;
}

Identity::Identity(Store& store, std::vector<PrincipalCredential> principals,
                   double token_lifetime_seconds)
    : principals_(std::move(principals)), token_lifetime_(token_lifetime_seconds) {
  // The signing key lives in the state file so tokens survive restarts.
  key_ = store.Transact([](Store::Tx& tx) {
    auto stored = tx.GetMeta("jwt_signing_key");
    if (stored) {
      std::string raw;
      if (Base64UrlDecode(*stored, &raw) && raw.size() == 32) return raw;
    }
    std::string fresh = RandomBytes(32);
    tx.SetMeta("jwt_signing_key", Base64UrlEncode(fresh));
    return fresh;
  });
}

void Identity::RegisterRoutes(Router& router) {
  router.Add({"POST", "/{tenant}/oauth2/v2.0/token", "Token", ApiFamily::kNone, false,
              [this](RequestContext& r) { return HandleToken(r); }});
  router.Add({"GET", "/metadata/identity/oauth2/token", "ManagedIdentity_Imds", ApiFamily::kNone,
              false, [this](RequestContext& r) { return HandleImds(r); }});
  router.Add({"GET", "/msi/token", "ManagedIdentity_AppService", ApiFamily::kNone, false,
              [this](RequestContext& r) { return HandleAppService(r); }});
  router.Add({"GET", "/{tenant}/v2.0/.well-known/openid-configuration", "OpenIdConfiguration",
              ApiFamily::kNone, false,
              [this](RequestContext& r) { return HandleOpenIdConfiguration(r); }});
}

std::string Identity::IssueToken(const PrincipalCredential& principal, const std::string& audience,
                                 const std::string& issuer, double now) const {
  long long iat = static_cast<long long>(std::floor(now));
  nlohmann::json claims = {{"aud", audience},
                           {"iss", issuer},
                           {"iat", iat},
                           {"nbf", iat},
                           {"exp", iat + static_cast<long long>(std::ceil(token_lifetime_))},
                           {"appid", principal.client_id},
                           {"appidacr", "1"},
                           {"idtyp", "app"},
                           {"oid", principal.object_id},
                           {"sub", principal.object_id},
                           {"tid", principal.tenant_id},
                           {"ver", "1.0"},
                           {"uti", Base64UrlEncode(RandomBytes(12))}};
  return SignJwt(claims, key_);
}

Reply Identity::HandleOpenIdConfiguration(RequestContext& request) const {
  std::string tenant = request.Var("tenant");
  std::string base = request.base_url + "/" + tenant;
  nlohmann::json body = {
      {"token_endpoint", base + "/oauth2/v2.0/token"},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_post", "private_key_jwt", "client_secret_basic"}},
      {"jwks_uri", base + "/discovery/v2.0/keys"},
      {"response_modes_supported", {"query", "fragment", "form_post"}},
      {"subject_types_supported", {"pairwise"}},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"response_types_supported", {"code", "id_token", "code id_token", "id_token token"}},
      {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
      {"issuer", base + "/v2.0"},
      {"request_uri_parameter_supported", false},
      {"userinfo_endpoint", request.base_url + "/oidc/userinfo"},
      {"authorization_endpoint", base + "/oauth2/v2.0/authorize"},
      {"device_authorization_endpoint", base + "/oauth2/v2.0/devicecode"},
      {"http_logout_supported", true},
      {"frontchannel_logout_supported", true},
      {"end_session_endpoint", base + "/oauth2/v2.0/logout"},
      {"claims_supported", {"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"}},
      {"kerberos_endpoint", base + "/kerberos"},
      {"tenant_region_scope", "WW"},
      {"cloud_instance_name", "microsoftonline.com"},
      {"cloud_graph_host_name", "graph.windows.net"},
      {"msgraph_host", "graph.microsoft.com"},
      {"rbac_url", "https://pas.windows.net"}};
  return Reply::Json(200, body);
}

namespace {

// client_secret_basic: "Authorization: Basic base64(id:secret)" (standard base64). Fills only
// what the form left empty.
void ReadBasicCredentials(const std::string& authorization, std::string* client_id,
                          std::string* client_secret) {
  if (authorization.size() <= 6 || !EqualsIgnoreCase(authorization.substr(0, 6), "Basic ")) return;
  std::string encoded = authorization.substr(6);
  for (char& c : encoded) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  std::string decoded;
  if (!Base64UrlDecode(encoded, &decoded)) return;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return;
  if (client_id->empty()) *client_id = PercentDecode(decoded.substr(0, colon), true);
  if (client_secret->empty()) *client_secret = PercentDecode(decoded.substr(colon + 1), true);
}

// The form parameters every client-credentials request needs, in the order AAD checks them.
std::optional<Reply> CheckTokenParameters(const std::string& grant_type,
                                          const std::string& client_id, const std::string& scope,
                                          double now) {
  auto missing = [&](const std::string& parameter) {
    return AadError(400, "invalid_request", 900144,
                    "The request body must contain the following parameter: '" + parameter + "'.",
                    now);
  };
  if (grant_type.empty()) return missing("grant_type");
  if (grant_type != "client_credentials") {
    return AadError(400, "unsupported_grant_type", 70003,
                    "The app requested an unsupported grant type '" + grant_type + "'.", now);
  }
  if (client_id.empty()) return missing("client_id");
  if (scope.empty()) return missing("scope");
  return std::nullopt;
}

// The resource a scope names: exactly one resource followed by /.default (v2.0 client
// credentials); empty when the scope has another shape.
std::string ScopeResource(const std::string& scope) {
  const std::string suffix = "/.default";
  std::string resource;
  if (scope.find(' ') == std::string::npos && scope.size() > suffix.size() &&
      scope.compare(scope.size() - suffix.size(), suffix.size(), suffix) == 0) {
    resource = scope.substr(0, scope.size() - suffix.size());
    while (!resource.empty() && resource.back() == '/') resource.pop_back();
  }
  return resource;
}

}  // namespace

std::variant<const PrincipalCredential*, Reply> Identity::FindClient(const std::string& client_id,
                                                                     const std::string& tenant,
                                                                     double now) const {
  const PrincipalCredential* principal = nullptr;
  for (const auto& p : principals_) {
    if (EqualsIgnoreCase(p.client_id, client_id)) principal = &p;
  }
  if (principal == nullptr) {
    return AadError(401, "invalid_client", 700016,
                    "Application with identifier '" + client_id +
                        "' was not found in the directory '" + tenant +
                        "'. This can happen if the application has not been installed by the "
                        "administrator of the tenant or consented to by any user in the tenant.",
                    now);
  }
  if (!EqualsIgnoreCase(principal->tenant_id, tenant)) {
    return AadError(400, "unauthorized_client", 700016,
                    "Application with identifier '" + client_id +
                        "' was not found in the directory '" + tenant + "'.",
                    now);
  }
  return principal;
}

std::optional<Reply> Identity::CheckClientCredential(const RequestContext& request,
                                                     const std::map<std::string, std::string>& form,
                                                     const std::string& client_id,
                                                     const std::string& client_secret,
                                                     const PrincipalCredential* principal) const {
  if (client_secret.empty() && form.count("client_assertion")) {
    auto checked = CheckClientAssertion(request, form, principal);
    if (auto* reply = std::get_if<Reply>(&checked)) return *reply;
    return std::nullopt;
  }
  if (client_secret.empty()) {
    return AadError(401, "invalid_client", 7000216,
                    "The request body must contain the following parameter: 'client_assertion' "
                    "or 'client_secret'.",
                    request.now);
  }
  if (client_secret != principal->client_secret) {
    return AadError(401, "invalid_client", 7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request "
                    "is the client secret value, not the client secret ID, for a secret added to "
                    "app '" +
                        client_id + "'.",
                    request.now);
  }
  return std::nullopt;
}

Reply Identity::HandleToken(RequestContext& request) const {
  const double now = request.now;
  const std::string tenant = request.Var("tenant");
  auto form = ParseForm(request.body);
  std::string client_id = form["client_id"];
  std::string client_secret = form["client_secret"];
  ReadBasicCredentials(request.Header("Authorization"), &client_id, &client_secret);
  std::string scope = form["scope"];
  if (auto error = CheckTokenParameters(form["grant_type"], client_id, scope, now)) return *error;
  std::string resource = ScopeResource(scope);
  if (!KnownResource(resource, request.base_url)) {
    return AadError(400, "invalid_scope", 1002012,
                    "The provided value for scope " + scope +
                        " is not valid. Client credential flows must have a scope value with "
                        "/.default suffixed to the resource identifier (application ID URI).",
                    now);
  }
  auto found = FindClient(client_id, tenant, now);
  if (auto* reply = std::get_if<Reply>(&found)) return *reply;
  const PrincipalCredential* principal = std::get<const PrincipalCredential*>(found);
  if (auto error = CheckClientCredential(request, form, client_id, client_secret, principal))
    return *error;
  std::string audience = AudienceFor(resource, request.base_url);
  std::string issuer = "https://sts.windows.net/" + principal->tenant_id + "/";
  long long lifetime = static_cast<long long>(std::ceil(token_lifetime_));
  nlohmann::json body = {{"token_type", "Bearer"},
                         {"expires_in", lifetime},
                         {"ext_expires_in", lifetime},
                         {"access_token", IssueToken(*principal, audience, issuer, now)}};
  return Reply::Json(200, body);
}

std::variant<Principal, ArmError> Identity::Authenticate(const RequestContext& request) const {
  const std::string base = request.base_url;
  std::string header = request.Header("Authorization");
  if (header.empty()) {
    return Unauthorized("AuthenticationFailed",
                        "Authentication failed. The 'Authorization' header is missing.", base, "");
  }
  if (header.size() < 8 || !EqualsIgnoreCase(header.substr(0, 7), "Bearer ")) {
    return Unauthorized("AuthenticationFailed",
                        "Authentication failed. The 'Authorization' header is provided in an "
                        "invalid format.",
                        base, "");
  }
  std::string token = header.substr(7);
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  nlohmann::json claims;
  if (VerifyJwt(token, key_, &claims) != JwtVerdict::kValid) {
    return Unauthorized("InvalidAuthenticationToken", "The access token is invalid.", base, "");
  }
  std::string tenant = claims.value("tid", "");
  if (!claims.contains("exp") || !claims["exp"].is_number()) {
    return Unauthorized("InvalidAuthenticationToken", "The access token is invalid.", base, tenant);
  }
  double exp = claims["exp"].get<double>();
  if (exp <= request.now) {
    return Unauthorized("ExpiredAuthenticationToken",
                        "The access token expiry UTC time '" + FormatIso8601(exp, 0) +
                            "' is earlier than current UTC time '" + FormatIso8601(request.now, 0) +
                            "'.",
                        base, tenant);
  }
  // Allow five minutes of clock skew on nbf, as ARM does.
  if (claims.value("nbf", 0.0) > request.now + 300) {
    return Unauthorized("InvalidAuthenticationToken",
                        "The access token is not yet valid (nbf is in the future).", base, tenant);
  }
  std::string aud = claims.value("aud", "");
  bool audience_ok = std::any_of(ArmAudiences().begin(), ArmAudiences().end(),
                                 [&](const std::string& a) { return EqualsIgnoreCase(a, aud); }) ||
                     EqualsIgnoreCase(aud, base) || EqualsIgnoreCase(aud, base + "/");
  if (!audience_ok) {
    return Unauthorized("InvalidAuthenticationTokenAudience",
                        "The access token has been obtained for wrong audience or resource '" +
                            aud +
                            "'. It should exactly match with one of the allowed audiences "
                            "'https://management.core.windows.net/','https://management.core."
                            "windows.net','https://management.azure.com/','https://management."
                            "azure.com'.",
                        base, tenant);
  }
  return Principal{tenant, claims.value("oid", ""), claims.value("appid", "")};
}

// How strict the client_assertion grant is: the assertion must be a structurally valid JWT
// (three base64url parts, JSON header with "alg", JSON payload), not expired (exp required, 5
// minutes of skew on nbf), with a non-empty "sub" and an "aud" that is plausible for Entra:
// api://AzureADTokenExchange (federated credentials: workload identity, GitHub OIDC, ...) or the
// token endpoint / authority of the emulator or login.microsoftonline.com (certificate
// assertions). When iss equals the client id (a certificate assertion), sub must equal it too.
// Signatures are NOT verified: the emulator has no certificates or issuer keys to check them
// against. The token is issued to the --principal whose client id the request names.
std::variant<const PrincipalCredential*, Reply> Identity::CheckClientAssertion(
    const RequestContext& request, const std::map<std::string, std::string>& form,
    const PrincipalCredential* principal) const {
  const double now = request.now;
  auto type = form.find("client_assertion_type");
  if (type == form.end() ||
      type->second != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return AadError(400, "invalid_request", 700003,
                    "client_assertion_type must be "
                    "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
                    now);
  }
  const std::string& assertion = form.at("client_assertion");
  size_t first = assertion.find('.');
  size_t second = first == std::string::npos ? first : assertion.find('.', first + 1);
  nlohmann::json header, claims;
  if (second == std::string::npos || assertion.find('.', second + 1) != std::string::npos ||
      !DecodeJsonSegment(assertion.substr(0, first), &header) ||
      !DecodeJsonSegment(assertion.substr(first + 1, second - first - 1), &claims) ||
      !header.contains("alg")) {
    return AadError(400, "invalid_request", 50027,
                    "JWT token is invalid or malformed (client_assertion).", now);
  }
  if (!claims.contains("exp") || !claims["exp"].is_number()) {
    return AadError(400, "invalid_client", 700024, "Client assertion is missing the 'exp' claim.",
                    now);
  }
  if (claims["exp"].get<double>() <= now || (claims.contains("nbf") && claims["nbf"].is_number() &&
                                             claims["nbf"].get<double>() > now + 300)) {
    return AadError(400, "invalid_client", 700024,
                    "Client assertion is not within its valid time range.", now);
  }
  std::string sub = claims.value("sub", "");
  if (!claims["sub"].is_string() || sub.empty()) {
    return AadError(400, "invalid_client", 700211, "Client assertion has no subject ('sub' claim).",
                    now);
  }
  std::vector<std::string> audiences;
  if (claims.contains("aud") && claims["aud"].is_string()) {
    audiences.push_back(claims["aud"].get<std::string>());
  } else if (claims.contains("aud") && claims["aud"].is_array()) {
    for (const auto& a : claims["aud"]) {
      if (a.is_string()) audiences.push_back(a.get<std::string>());
    }
  }
  auto plausible = [&](const std::string& aud) {
    std::string lower = ToLower(aud);
    return lower == "api://azureadtokenexchange" ||
           lower.rfind(ToLower(request.base_url), 0) == 0 ||
           lower.rfind("https://login.microsoftonline.com/", 0) == 0;
  };
  if (std::none_of(audiences.begin(), audiences.end(), plausible)) {
    return AadError(400, "invalid_client", 700212,
                    "No matching federated identity record found for presented assertion "
                    "audience. The audience must be 'api://AzureADTokenExchange' or the token "
                    "endpoint.",
                    now);
  }
  std::string iss = claims.value("iss", "");
  if (claims["iss"].is_string() && EqualsIgnoreCase(iss, principal->client_id) &&
      !EqualsIgnoreCase(sub, principal->client_id)) {
    return AadError(400, "invalid_client", 700211,
                    "Client assertion subject must be the client id when the issuer is.", now);
  }
  return principal;
}

const PrincipalCredential* Identity::ManagedPrincipal(const RequestContext& request,
                                                      const std::string& object_id_param,
                                                      const std::string& resource_id_param) const {
  std::string client_id = request.Query("client_id");
  std::string object_id = request.Query(object_id_param);
  for (const auto& p : principals_) {
    if (!client_id.empty() && EqualsIgnoreCase(p.client_id, client_id)) return &p;
    if (!object_id.empty() && EqualsIgnoreCase(p.object_id, object_id)) return &p;
  }
  if (!client_id.empty() || !object_id.empty()) return nullptr;
  // A resource id names the identity by ARM id, which --principal does not carry: it means the
  // --managed-identity principal (documented).
  (void)resource_id_param;
  for (const auto& p : principals_) {
    if (managed_identity_.empty() || EqualsIgnoreCase(p.client_id, managed_identity_)) return &p;
  }
  return nullptr;
}

// The fields both managed-identity shapes answer with (IMDS adds a few more); values are strings.
nlohmann::json Identity::ManagedIdentityToken(const PrincipalCredential& principal,
                                              const std::string& resource,
                                              const RequestContext& request) const {
  const long long now = static_cast<long long>(std::floor(request.now));
  const long long lifetime = static_cast<long long>(std::ceil(token_lifetime_));
  const std::string issuer = "https://sts.windows.net/" + principal.tenant_id + "/";
  return {{"access_token",
           IssueToken(principal, AudienceFor(resource, request.base_url), issuer, request.now)},
          {"expires_on", std::to_string(now + lifetime)},
          {"resource", resource},
          {"token_type", "Bearer"},
          {"client_id", principal.client_id}};
}

std::variant<const PrincipalCredential*, Reply> Identity::ManagedIdentityFor(
    const RequestContext& request, const std::string& resource, const std::string& object_id_param,
    const std::string& resource_id_param) const {
  if (resource.empty()) {
    return MiError(400, "invalid_request", "Required query variable 'resource' is missing");
  }
  if (!KnownResource(resource, request.base_url)) {
    return MiError(
        400, "invalid_resource",
        "AADSTS500011: The resource principal named " + resource + " was not found in the tenant.");
  }
  const PrincipalCredential* principal =
      ManagedPrincipal(request, object_id_param, resource_id_param);
  if (principal == nullptr) return MiError(400, "invalid_request", "Identity not found");
  return principal;
}

Reply Identity::HandleImds(RequestContext& request) const {
  if (!EqualsIgnoreCase(request.Header("Metadata"), "true")) {
    return MiError(400, "invalid_request", "Required metadata header not specified");
  }
  if (!request.HasQuery("api-version")) {
    return MiError(400, "invalid_request", "Required query variable 'api-version' is missing");
  }
  std::string resource = request.Query("resource");
  auto found = ManagedIdentityFor(request, resource, "object_id", "msi_res_id");
  if (auto* error = std::get_if<Reply>(&found)) return *error;
  const PrincipalCredential* principal = std::get<const PrincipalCredential*>(found);
  // IMDS answers every value as a string (ARM-NOTES §6.3).
  const long long now = static_cast<long long>(std::floor(request.now));
  const long long lifetime = static_cast<long long>(std::ceil(token_lifetime_));
  nlohmann::json body = ManagedIdentityToken(*principal, resource, request);
  body["refresh_token"] = "";
  body["expires_in"] = std::to_string(lifetime);
  body["ext_expires_in"] = std::to_string(lifetime);
  body["not_before"] = std::to_string(now);
  return Reply::Json(200, body);
}

Reply Identity::HandleAppService(RequestContext& request) const {
  std::string secret = request.Header("X-IDENTITY-HEADER");
  if (secret.empty() || (!identity_header_.empty() && secret != identity_header_)) {
    return MiError(401, "invalid_request",
                   "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.");
  }
  std::string version = request.Query("api-version");
  if (version != "2019-08-01") {
    return MiError(400, "invalid_request",
                   "api-version must be 2019-08-01 (got '" + version + "').");
  }
  std::string resource = request.Query("resource");
  auto found = ManagedIdentityFor(request, resource, "principal_id", "mi_res_id");
  if (auto* error = std::get_if<Reply>(&found)) return *error;
  const PrincipalCredential* principal = std::get<const PrincipalCredential*>(found);
  return Reply::Json(200, ManagedIdentityToken(*principal, resource, request));
}

}  // namespace keyward::emulator
