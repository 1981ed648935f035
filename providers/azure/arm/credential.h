// Microsoft Entra ID credentials (ARM-NOTES §6).
//
// TokenCredential is the seam; concrete credentials follow azure-identity for C++:
//   ClientSecretCredential     — client credentials grant against
//   {authority}/{tenant}/oauth2/v2.0/token EnvironmentCredential      — AZURE_TENANT_ID /
//   AZURE_CLIENT_ID / AZURE_CLIENT_SECRET [/ AZURE_AUTHORITY_HOST] WorkloadIdentityCredential —
//   workload_identity_credential.h (federated token file) ManagedIdentityCredential  —
//   managed_identity_credential.h (App Service, IMDS) AzureCliCredential         —
//   azure_cli_credential.h (`az account get-access-token`) ChainedTokenCredential     — first
//   credential that yields a token wins; DefaultAzureCredential
//                                = Environment → WorkloadIdentity → ManagedIdentity → AzureCli.
//
// Invariants:
//  - Secrets and tokens never appear in errors or logs. Token endpoint errors are reported as
//    kUnauthenticated with `error` / `error_description` from the STS (which never echo secrets).
//  - Tokens are cached per scope set until 5 minutes before expiry (or half the lifetime for
//    very short-lived tokens); the cache is thread-safe and only one refresh runs at a time.
//  - Time comes from ctx.clock.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/context.h"
#include "engine/result.h"
#include "providers/azure/arm/retry.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

class HttpPipeline;

inline constexpr char kArmScope[] = "https://management.azure.com/.default";
inline constexpr char kDefaultAuthorityHost[] = "https://login.microsoftonline.com/";

struct AccessToken {
  std::string token;  // secret: never log
  Clock::TimePoint expires_on;
};

struct TokenRequest {
  std::vector<std::string> scopes{kArmScope};
  std::string tenant_id;  // optional override (multi-tenant); "" = credential's tenant
};

class TokenCredential {
 public:
  virtual ~TokenCredential() = default;
  virtual Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) = 0;
  // For chain diagnostics ("EnvironmentCredential: AZURE_CLIENT_SECRET not set").
  virtual std::string Name() const = 0;
};

// A source that is not set up here (variables unset, no managed identity endpoint, no logged-in
// `az`) fails with this error detail, and a chain moves on to the next source. Any other failure
// comes from a source that is set up but broken (wrong secret, expired assertion): the chain stops
// there, as azure-identity's DefaultAzureCredential does, rather than silently signing in as a
// different identity.
inline constexpr char kCredentialUnavailable[] = "credential unavailable";
Error CredentialUnavailable(std::string message);
bool IsCredentialUnavailable(const Error& error);

// Parses an STS / managed-identity token response body: access_token plus `expires_in`
// (number or numeric string, seconds from `now`) or `expires_on` (epoch number, numeric string,
// RFC 3339 or RFC 1123 date). Errors are kInternal (malformed) and never include the body.
Result<AccessToken> ParseTokenResponse(std::string_view body, Clock::TimePoint now);

// Parses an STS error body ({"error","error_description"}) into a human message.
std::string DescribeTokenError(int status, std::string_view body);

// Form-urlencodes one component (RFC 3986 unreserved kept, space as %20).
std::string FormUrlEncode(std::string_view text);

// Reads one environment variable; nullopt when unset or empty. Injectable so tests never touch
// the process environment.
using GetEnv = std::function<std::optional<std::string>(const char*)>;
GetEnv ProcessEnvironment();

// The token scope for an ARM endpoint: "{endpoint}/.default", as the Azure SDKs' ARM clients
// derive it (public cloud, sovereign clouds and the emulator alike).
std::string ArmScopeFor(std::string_view arm_endpoint);

// Thread-safe single-entry token cache with the refresh margin described above.
class TokenCache {
 public:
  // Returns the cached token when it is still fresh at `now`, else calls `fetch` (serialised:
  // concurrent callers wait for the same refresh) and caches its result.
  Result<AccessToken> GetOrFetch(Clock::TimePoint now,
                                 const std::function<Result<AccessToken>()>& fetch);
  static bool IsFresh(const AccessToken& token, Clock::TimePoint now);

 private:
  std::mutex mu_;
  std::optional<AccessToken> token_;
  Clock::TimePoint obtained_;
};

// Options every credential understands (each uses what applies to it).
struct CredentialOptions {
  std::string authority_host = kDefaultAuthorityHost;  // Entra ID; trailing slash optional
  std::string ca_file;                                 // extra CA (emulator); TLS always verified
  RetryOptions retry;
  std::shared_ptr<HttpTransport> transport;  // null: a CpprestTransport with ca_file
};
using ClientSecretCredentialOptions = CredentialOptions;

// Per-key token caches (key: tenant + scopes, or resource): one TokenCache each, created on use.
class TokenCaches {
 public:
  TokenCache& For(const std::string& key);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<TokenCache>> caches_;
};

// The confidential-client half shared by ClientSecretCredential and WorkloadIdentityCredential:
// a client_credentials grant against {authority}/{tenant}/oauth2/v2.0/token, cached per
// (tenant, scopes). What proves the client's identity (a secret, an assertion) is asked for on
// every round trip, so a rotated federated token file is picked up.
class ConfidentialClient {
 public:
  // `name` prefixes every error ("ClientSecretCredential: ...").
  ConfidentialClient(std::string name, std::string tenant_id, std::string client_id,
                     CredentialOptions options);
  ~ConfidentialClient();
  // `proof` returns the form fields after client_id/scope, already encoded
  // ("client_secret=..." or "client_assertion_type=...&client_assertion=...").
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx,
                               const std::function<Result<std::string>()>& proof);
  int token_requests() const { return token_requests_.load(); }

 private:
  Result<AccessToken> Fetch(const std::string& tenant, const std::string& scope, const Context& ctx,
                            const std::function<Result<std::string>()>& proof);
  std::string name_;
  std::string tenant_id_;
  std::string client_id_;
  CredentialOptions options_;
  std::unique_ptr<HttpPipeline> pipeline_;  // request id, user agent, retry; no logging of bodies
  TokenCaches caches_;
  std::atomic<int> token_requests_{0};
};

class ClientSecretCredential : public TokenCredential {
 public:
  ClientSecretCredential(std::string tenant_id, std::string client_id, std::string client_secret,
                         CredentialOptions options = {});
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) override;
  std::string Name() const override { return "ClientSecretCredential"; }

  // Number of round trips to the token endpoint (cache misses), for tests and metrics.
  int token_requests() const { return client_.token_requests(); }

 private:
  std::string client_secret_;
  ConfidentialClient client_;
};

// Reads the environment once at construction. When variables are missing, GetToken returns
// kUnauthenticated naming the missing variables (so a chain can report why it was skipped).
class EnvironmentCredential : public TokenCredential {
 public:
  // `getenv` is injectable for tests; default reads the process environment.
  explicit EnvironmentCredential(CredentialOptions options = {}, GetEnv getenv = {});
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) override;
  std::string Name() const override { return "EnvironmentCredential"; }
  bool configured() const { return inner_ != nullptr; }

 private:
  std::unique_ptr<ClientSecretCredential> inner_;
  std::string missing_;
};

// Tries each credential in order; the first success wins and is remembered (like azure-identity).
// Unavailable sources are skipped; a configured source that fails ends the search. The error
// lists each source tried and why, one per line, in chain order.
class ChainedTokenCredential : public TokenCredential {
 public:
  explicit ChainedTokenCredential(std::vector<std::shared_ptr<TokenCredential>> sources);
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) override;
  std::string Name() const override { return "ChainedTokenCredential"; }
  // Name of the source that produced the first token ("" before that): `keyward auth whoami`.
  std::string SelectedName() const;
  // Names of the sources in chain order.
  std::vector<std::string> SourceNames() const;

 private:
  std::vector<std::shared_ptr<TokenCredential>> sources_;
  mutable std::mutex mu_;
  std::shared_ptr<TokenCredential> selected_;
};

// DefaultAzureCredential: Environment → WorkloadIdentity → ManagedIdentity → AzureCli, the order
// of azure-identity for C++ (ARM-NOTES §6.4). AZURE_TOKEN_CREDENTIALS narrows it as the SDK does:
// `prod` drops the developer credential (Azure CLI), `dev` keeps only it, and a credential's name
// (EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential,
// AzureCliCredential) keeps just that one. Any other value makes every GetToken fail with a
// message naming the accepted values (reported on first use, so `validate` needs no credential).
// AZURE_AUTHORITY_HOST, when set, overrides options.authority_host.
std::shared_ptr<ChainedTokenCredential> MakeDefaultAzureCredential(CredentialOptions options = {},
                                                                   GetEnv getenv = {});

}  // namespace keyward::azure
