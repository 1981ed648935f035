#include "cli/options.h"

#include <cstdlib>

#include "engine/duration.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/arm/credential.h"
#include "providers/azure/handlers.h"

namespace keyward::cli {
namespace {

std::string FlagOrEnv(const std::string& flag, const char* env, const std::string& fallback) {
  if (!flag.empty()) return flag;
  if (const char* value = std::getenv(env); value != nullptr && *value != '\0') return value;
  return fallback;
}

}  // namespace

Status CheckTlsOptions(const GlobalOptions& options) {
  const std::string ca_file = FlagOrEnv(options.ca_file, "KEYWARD_CA_FILE", "");
  if (ca_file.empty()) return {};
  return azure::CheckCaFile(ca_file);
}

AzureAuth MakeAzureAuth(const GlobalOptions& options) {
  AzureAuth auth;
  auth.ca_file = FlagOrEnv(options.ca_file, "KEYWARD_CA_FILE", "");
  auth.arm_endpoint =
      FlagOrEnv(options.arm_endpoint, "KEYWARD_ARM_ENDPOINT", azure::kDefaultArmEndpoint);
  azure::CredentialOptions credential_options;
  credential_options.ca_file = auth.ca_file;  // the chain reads AZURE_AUTHORITY_HOST itself
  auth.credential = azure::MakeDefaultAzureCredential(credential_options);
  auth.token_request.scopes = {azure::ArmScopeFor(auth.arm_endpoint)};
  return auth;
}

void UseTimeouts(const GlobalOptions& options, const engine::StackConfig& config,
                 azure::ArmClient& client) {
  const azure::ArmClientOptions defaults;
  auto pick = [](const std::string& flag, const std::optional<std::chrono::milliseconds>& stack,
                 std::chrono::milliseconds fallback) {
    if (auto parsed = engine::ParseDuration(flag)) return *parsed;  // "" does not parse
    return stack.value_or(fallback);
  };
  client.SetTimeouts(
      pick(options.request_timeout, config.request_timeout, defaults.request_timeout),
      pick(options.timeout, config.operation_timeout, defaults.poll.max_wait));
}

std::unique_ptr<engine::HandlerRegistry> MakeAzureRegistry(
    const GlobalOptions& options, std::shared_ptr<azure::ArmClient>* client) {
  AzureAuth auth = MakeAzureAuth(options);
  azure::ArmClientOptions client_options;
  client_options.endpoint = auth.arm_endpoint;
  client_options.ca_file = auth.ca_file;
  client_options.credential = auth.credential;
  client_options.token_request = auth.token_request;
  if (!options.replica_id.empty())
    client_options.user_agent_suffix = "replica/" + options.replica_id;

  auto arm = std::make_shared<azure::ArmClient>(std::move(client_options));
  UseTimeouts(options, engine::StackConfig{}, *arm);  // export has no keyward.yaml
  if (client) *client = arm;
  auto registry = std::make_unique<engine::HandlerRegistry>();
  azure::RegisterAzureHandlers(*registry, std::move(arm));
  return registry;
}

}  // namespace keyward::cli
