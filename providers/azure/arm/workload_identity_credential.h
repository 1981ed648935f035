// Workload identity (Kubernetes / AKS, GitHub OIDC, any federated credential; ARM-NOTES §6.2):
// a client_credentials grant whose client_assertion is the JWT in AZURE_FEDERATED_TOKEN_FILE.
//
// The file is re-read on every round trip to Entra ID (never cached by us): the kubelet rotates
// the projected token, and an assertion read once would expire within the hour. Its contents are
// a credential: never logged and never part of an error.
#pragma once

#include "providers/azure/arm/credential.h"

namespace keyward::azure {

class WorkloadIdentityCredential : public TokenCredential {
 public:
  // Reads AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE (and honours
  // options.authority_host, which MakeDefaultAzureCredential takes from AZURE_AUTHORITY_HOST).
  // When any is missing, GetToken fails naming the missing variables.
  explicit WorkloadIdentityCredential(CredentialOptions options = {}, GetEnv getenv = {});
  Result<AccessToken> GetToken(const TokenRequest& request, const Context& ctx) override;
  std::string Name() const override { return "WorkloadIdentityCredential"; }
  bool configured() const { return client_ != nullptr; }
  int token_requests() const { return client_ ? client_->token_requests() : 0; }

 private:
  Result<std::string> ReadAssertion() const;
  std::string token_file_;
  std::unique_ptr<ConfidentialClient> client_;
  std::string missing_;
};

}  // namespace keyward::azure
