// Azure CLI (ARM-NOTES §6.5): the developer's `az login` session, last in DefaultAzureCredential.
//
//   az account get-access-token --output json --resource R [--tenant T]
//
// `--resource` (the scope without "/.default") rather than `--scope`, because every az release
// accepts it. T is the request's tenant, else AZURE_TENANT_ID. `az` is looked up on PATH (from the
// injected environment); it runs with a timeout (13 s, like azure-identity) and stdin closed.
// The token is parsed from stdout and never appears in an error; az's stderr does not carry it
// and its first line is quoted in errors ("Please run 'az login' to setup account.").
#pragma once

#include <chrono>

#include "providers/azure/arm/credential.h"

namespace keyward::azure {

struct AzureCliCredentialOptions {
  std::chrono::milliseconds timeout{13'000};
};

// Parses `az account get-access-token` JSON: accessToken plus expires_on (POSIX seconds, az >=
// 2.54) or else expiresOn ("YYYY-MM-DD HH:MM:SS[.ffffff]" in the machine's local time zone).
Result<AccessToken> ParseAzureCliToken(std::string_view stdout_text);

class AzureCliCredential : public TokenCredential {
 public:
  explicit AzureCliCredential(AzureCliCredentialOptions options = {}, GetEnv getenv = {});
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) override;
  std::string Name() const override { return "AzureCliCredential"; }
  int invocations() const { return invocations_.load(); }

 private:
  Result<AccessToken> Fetch(const std::string& resource, const std::string& tenant,
                            const Context& ctx);
  AzureCliCredentialOptions options_;
  std::string path_env_;
  std::string tenant_id_;
  TokenCaches caches_;
  std::atomic<int> invocations_{0};
};

}  // namespace keyward::azure
