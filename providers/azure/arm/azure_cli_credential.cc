#include "providers/azure/arm/azure_cli_credential.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "providers/azure/arm/process.h"
#include "providers/azure/arm/token_json.h"

namespace keyward::azure {
namespace {

// Tenant ids are GUIDs or domain names; anything else must not reach a command line.
bool ValidTenant(const std::string& tenant) {
  return !tenant.empty() && std::all_of(tenant.begin(), tenant.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.';
  });
}

std::string FirstLine(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  std::string line = text.substr(start, text.find_first_of("\r\n", start) - start);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

}  // namespace

Result<AccessToken> ParseAzureCliToken(std::string_view stdout_text) {
  auto parsed = nlohmann::json::parse(stdout_text.begin(), stdout_text.end(), nullptr, false);
  KEYWARD_ASSIGN_OR_RETURN(AccessToken out, TokenFromJson(parsed, "accessToken", "az output"));
  if (auto it = parsed.find("expires_on"); it != parsed.end() && it->is_number()) {
    out.expires_on = std::chrono::system_clock::from_time_t(it->get<time_t>());
    return out;
  }
  if (auto it = parsed.find("expiresOn"); it != parsed.end() && it->is_string()) {
    struct tm tm = {};
    const char* end = strptime(it->get_ref<const std::string&>().c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (end != nullptr) {
      tm.tm_isdst = -1;  // local time, as az prints it; let mktime decide DST
      out.expires_on = std::chrono::system_clock::from_time_t(mktime(&tm));
      return out;
    }
  }
  return MakeError(ErrorCode::kInternal, "az output has no usable expires_on / expiresOn");
}

AzureCliCredential::AzureCliCredential(AzureCliCredentialOptions options, GetEnv getenv)
    : options_(options) {
  if (!getenv) getenv = ProcessEnvironment();
  path_env_ = getenv("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  tenant_id_ = getenv("AZURE_TENANT_ID").value_or("");
}

Result<AccessToken> AzureCliCredential::GetToken(const TokenRequest& request, const Context& ctx) {
  if (request.scopes.size() != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AzureCliCredential: exactly one scope is supported");
  }
  std::string resource = request.scopes.front();
  constexpr std::string_view kDefault = "/.default";
  if (resource.ends_with(kDefault)) resource.resize(resource.size() - kDefault.size());
  std::string tenant = request.tenant_id.empty() ? tenant_id_ : request.tenant_id;
  return caches_.For(tenant + " " + resource).GetOrFetch(ctx.clock->Now(), [&] {
    return Fetch(resource, tenant, ctx);
  });
}

Result<AccessToken> AzureCliCredential::Fetch(const std::string& resource,
                                              const std::string& tenant, const Context& ctx) {
  auto az = FindExecutable("az", path_env_);
  if (!az) {
    return tl::unexpected(CredentialUnavailable(
        "AzureCliCredential: Azure CLI not found on PATH (install it and run `az login`)"));
  }
  if (!tenant.empty() && !ValidTenant(tenant)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AzureCliCredential: invalid tenant id '" + tenant + "'");
  }
  std::vector<std::string> argv = {*az,          "account", "get-access-token", "--output", "json",
                                   "--resource", resource};
  if (!tenant.empty()) argv.insert(argv.end(), {"--tenant", tenant});
  ++invocations_;
  auto run = RunProcess(argv, options_.timeout, ctx);
  if (!run) {
    return MakeError(run.error().code == ErrorCode::kCancelled ? ErrorCode::kCancelled
                                                               : ErrorCode::kUnauthenticated,
                     "AzureCliCredential: " + run.error().message);
  }
  if (run->exit_code != 0) {
    std::string why = FirstLine(run->err);
    std::string message = "`az account get-access-token` exited with " +
                          std::to_string(run->exit_code) + (why.empty() ? "" : ": " + why);
    // Not logged in is "not set up here" (the chain goes on); other az failures are reported.
    if (why.find("az login") != std::string::npos) {
      return tl::unexpected(CredentialUnavailable("AzureCliCredential: not logged in: " + message));
    }
    return MakeError(ErrorCode::kUnauthenticated, "AzureCliCredential: " + message);
  }
  auto token = ParseAzureCliToken(run->out);
  if (!token)
    return MakeError(ErrorCode::kUnauthenticated, "AzureCliCredential: " + token.error().message);
  return token;
}

}  // namespace keyward::azure
