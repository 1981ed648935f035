#include "providers/azure/arm/workload_identity_credential.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/scrubber.h"

namespace keyward::azure {

WorkloadIdentityCredential::WorkloadIdentityCredential(CredentialOptions options, GetEnv getenv) {
  if (!getenv) getenv = ProcessEnvironment();
  auto tenant = getenv("AZURE_TENANT_ID");
  auto client = getenv("AZURE_CLIENT_ID");
  auto file = getenv("AZURE_FEDERATED_TOKEN_FILE");
  for (auto [name, value] :
       {std::pair{"AZURE_TENANT_ID", &tenant}, std::pair{"AZURE_CLIENT_ID", &client},
        std::pair{"AZURE_FEDERATED_TOKEN_FILE", &file}}) {
    if (!*value) missing_ += (missing_.empty() ? "" : ", ") + std::string(name);
  }
  if (missing_.empty()) {
    token_file_ = *file;
    client_ = std::make_unique<ConfidentialClient>(Name(), *tenant, *client, std::move(options));
  }
}

Result<std::string> WorkloadIdentityCredential::ReadAssertion() const {
  std::ifstream in(token_file_, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "WorkloadIdentityCredential: cannot read "
                     "AZURE_FEDERATED_TOKEN_FILE " +
                         token_file_ + ": " + std::strerror(errno));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  std::string assertion = contents.str();
  // Projected tokens have no trailing newline, but files written by hand usually do.
  while (!assertion.empty() && std::isspace(static_cast<unsigned char>(assertion.back())))
    assertion.pop_back();
  if (assertion.empty()) {
    return MakeError(
        ErrorCode::kUnauthenticated,
        "WorkloadIdentityCredential: AZURE_FEDERATED_TOKEN_FILE " + token_file_ + " is empty");
  }
  engine::Scrubber::Process().Add(assertion);
  return "client_assertion_type=" +
         FormUrlEncode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
         "&client_assertion=" + FormUrlEncode(assertion);
}

Result<AccessToken> WorkloadIdentityCredential::GetToken(const TokenRequest& request,
                                                         const Context& ctx) {
  if (!client_) {
    return tl::unexpected(CredentialUnavailable(
        "WorkloadIdentityCredential: environment variables not set: " + missing_));
  }
  return client_->GetToken(request, ctx, [this] { return ReadAssertion(); });
}

}  // namespace keyward::azure
