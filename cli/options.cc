#include "cli/options.h"

#include <cstdlib>

#include "providers/azure/arm_client.h"
#include "providers/azure/credential.h"
#include "providers/azure/handlers.h"

namespace keyward::cli {
namespace {

std::string FlagOrEnv(const std::string& flag, const char* env, const std::string& fallback) {
  if (!flag.empty()) return flag;
  if (const char* value = std::getenv(env); value != nullptr && *value != '\0') return value;
  return fallback;
}

}  // namespace

std::unique_ptr<engine::HandlerRegistry> MakeAzureRegistry(const GlobalOptions& options,
                                                           std::shared_ptr<azure::ArmClient>* client) {
  const std::string ca_file = FlagOrEnv(options.ca_file, "KEYWARD_CA_FILE", "");

  azure::ClientSecretCredentialOptions credential_options;
  credential_options.ca_file = ca_file;
  credential_options.authority_host =
      FlagOrEnv("", "AZURE_AUTHORITY_HOST", azure::kDefaultAuthorityHost);

  azure::ArmClientOptions client_options;
  client_options.endpoint = FlagOrEnv(options.arm_endpoint, "KEYWARD_ARM_ENDPOINT",
                                      azure::kDefaultArmEndpoint);
  client_options.ca_file = ca_file;
  client_options.credential = azure::MakeDefaultAzureCredential(credential_options);

  auto arm = std::make_shared<azure::ArmClient>(std::move(client_options));
  if (client) *client = arm;
  auto registry = std::make_unique<engine::HandlerRegistry>();
  azure::RegisterAzureHandlers(*registry, std::move(arm));
  return registry;
}

}  // namespace keyward::cli
