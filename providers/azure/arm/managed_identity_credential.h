// Managed identity (ARM-NOTES §6.3), in azure-identity's source order for the sources keyward
// supports:
//   App Service / Functions / Container Apps — IDENTITY_ENDPOINT + IDENTITY_HEADER:
//       GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=R   (X-IDENTITY-HEADER)
//   IMDS (VMs, VM scale sets, AKS nodes)     — otherwise:
//       GET {host}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=R
//       (Metadata: true), host = AZURE_POD_IDENTITY_AUTHORITY_HOST (the override azure-identity
//       honours, used by tests and pod-identity setups), default http://169.254.169.254.
// AZURE_CLIENT_ID, when set, selects a user-assigned identity (`client_id=`), as
// DefaultAzureCredential does in the Azure SDKs.
//
// Off Azure there is no IMDS: IMDS requests are probes with a short timeout and no retries, and
// any failure is "unavailable" (the chain moves on in about a second), until IMDS has produced a
// token once. Later requests use the normal timeout, retry on 404 / 410 / 429 / 5xx (the IMDS
// guidance: it answers 404/410 while the identity is being set up), and fail for real.
// MI endpoints are plain http on link-local or loopback addresses by design; the App Service
// secret header is never logged.
#pragma once

#include <chrono>
#include <optional>

#include "providers/azure/arm/credential.h"

namespace keyward::azure {

inline constexpr char kImdsAuthorityHost[] = "http://169.254.169.254";

struct ManagedIdentityProbe {
  std::chrono::seconds timeout{1};
};

class ManagedIdentityCredential : public TokenCredential {
 public:
  enum class Source { kAppService, kImds };

  explicit ManagedIdentityCredential(CredentialOptions options = {}, GetEnv getenv = {},
                                     ManagedIdentityProbe probe = {});
  ~ManagedIdentityCredential() override;
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) override;
  std::string Name() const override { return "ManagedIdentityCredential"; }
  Source source() const { return source_; }
  // "App Service (IDENTITY_ENDPOINT)" or "IMDS (http://169.254.169.254)", for whoami and errors.
  std::string Describe() const;

 private:
  Result<AccessToken> Fetch(const std::string& resource, const Context& ctx);
  Source source_;
  std::string endpoint_;                          // full token URL without query
  std::string identity_header_;                   // App Service secret: never log
  std::string client_id_;                         // user-assigned identity, "" = system-assigned
  std::unique_ptr<HttpPipeline> probe_pipeline_;  // IMDS only, until it first answers
  std::unique_ptr<HttpPipeline> pipeline_;
  std::atomic<bool> imds_answered_{false};
  TokenCaches caches_;
};

}  // namespace keyward::azure
