// `keyward auth whoami`: which DefaultAzureCredential source wins here, and who the token it
// yields says it is (tenant, object id, app id, expiry) — the first thing to check when ARM
// answers 401/403. The token itself is never printed: only claims decoded from it.
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "providers/azure/arm/token_claims.h"

namespace keyward::cli {
namespace {

std::string FormatUtc(Clock::TimePoint when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm;
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

int RunAuthWhoami(const GlobalOptions& global, bool json) {
  AzureAuth auth = MakeAzureAuth(global);
  Context ctx;
  ctx.cancelled = CancellationFlag();
  auto token = auth.credential->GetToken(auth.token_request, ctx);
  if (!token) {
    std::fprintf(stderr, "error: %s\n", token.error().message.c_str());
    return kExitError;
  }
  auto claims = azure::DecodeTokenClaims(token->token);
  if (!claims) {
    std::fprintf(stderr, "error: %s credential returned a token keyward cannot read: %s\n",
                 auth.credential->SelectedName().c_str(), claims.error().message.c_str());
    return kExitError;
  }
  const std::string scope = auth.token_request.scopes.front();
  const std::string expires = FormatUtc(claims->expires_on.value_or(token->expires_on));
  if (json) {
    nlohmann::json out = {{"credential", auth.credential->SelectedName()},
                          {"tenantId", claims->tenant_id},
                          {"objectId", claims->object_id},
                          {"appId", claims->app_id},
                          {"user", claims->user},
                          {"identityType", claims->identity_type},
                          {"audience", claims->audience},
                          {"scope", scope},
                          {"armEndpoint", auth.arm_endpoint},
                          {"expiresOn", expires}};
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  auto line = [](const char* label, const std::string& value) {
    if (!value.empty()) std::printf("%-13s %s\n", label, value.c_str());
  };
  line("credential:", auth.credential->SelectedName());
  line("tenant:", claims->tenant_id);
  line("object id:", claims->object_id);
  line("app id:", claims->app_id);
  line("user:", claims->user);
  line("audience:", claims->audience);
  line("arm endpoint:", auth.arm_endpoint);
  line("expires:", expires);
  return kExitOk;
}

}  // namespace keyward::cli
