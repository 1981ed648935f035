// Entra ID credentials. See credential.h for invariants (no secret in any error or log line).
#include "providers/azure/arm/credential.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/scrubber.h"
#include "engine/url.h"
#include "providers/azure/arm/azure_cli_credential.h"
#include "providers/azure/arm/bounded_json.h"
#include "providers/azure/arm/managed_identity_credential.h"
#include "providers/azure/arm/pipeline.h"
#include "providers/azure/arm/token_json.h"
#include "providers/azure/arm/user_agent.h"
#include "providers/azure/arm/workload_identity_credential.h"

namespace keyward::azure {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

constexpr auto kRefreshMargin = std::chrono::minutes(5);

// Token lifetimes a server may claim are clamped to this: tokens live about an hour, and a
// lifetime of 10^300 seconds must neither overflow the clock nor keep a token forever.
constexpr double kMaxTokenLifetimeSeconds = 24 * 3600;
// 1970 .. 2200: the range in which an epoch time is a plausible expiry and fits system_clock.
constexpr double kLatestEpochSeconds = 7'258'118'400;

std::optional<Clock::TimePoint> FromEpochSeconds(double seconds) {
  if (!(seconds >= 0 && seconds <= kLatestEpochSeconds)) return std::nullopt;  // NaN too
  return Clock::TimePoint(std::chrono::duration_cast<Clock::TimePoint::duration>(
      std::chrono::duration<double>(seconds)));
}

std::optional<double> NumberOrNumericString(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    double number = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return number;
  }
  return std::nullopt;
}

// RFC 3339: 2024-05-01T12:00:00[.fff](Z|±hh:mm).
std::optional<Clock::TimePoint> ParseRfc3339(const std::string& text) {
  struct tm tm = {};
  const char* p = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p) p = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!p) return std::nullopt;
  if (*p == '.') {
    ++p;
    while (*p >= '0' && *p <= '9') ++p;
  }
  long offset = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    // Exactly "±hh:mm": checked character by character, so nothing is read past the end.
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!digit(p[1]) || !digit(p[2]) || p[3] != ':' || !digit(p[4]) || !digit(p[5]))
      return std::nullopt;
    int sign = *p == '-' ? -1 : 1;
    int hh = (p[1] - '0') * 10 + (p[2] - '0');
    int mm = (p[4] - '0') * 10 + (p[5] - '0');
    offset = sign * (hh * 3600L + mm * 60L);
    p += 6;
  } else {
    return std::nullopt;  // no zone: ambiguous, refuse rather than guess local time
  }
  if (*p != '\0') return std::nullopt;
  return FromEpochSeconds(static_cast<double>(timegm(&tm)) - offset);
}

std::string Trimmed(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

std::string Lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

Error CredentialUnavailable(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message), kCredentialUnavailable};
}

bool IsCredentialUnavailable(const Error& error) { return error.detail == kCredentialUnavailable; }

Result<AccessToken> ParseTokenResponse(std::string_view body, Clock::TimePoint now) {
  auto parsed_or = ParseJsonBounded(body);
  if (!parsed_or)
    return MakeError(ErrorCode::kInternal, "token response " + parsed_or.error().message);
  const Json& parsed = *parsed_or;
  KEYWARD_ASSIGN_OR_RETURN(AccessToken out,
                           TokenFromJson(parsed, "access_token", "token response"));
  // A token that is already expired (or expires now) is refused: caching it would make every
  // ARM call fetch a new one, and sending it would only earn a 401.
  auto expiring = [&](Clock::TimePoint when) -> Result<AccessToken> {
    if (when <= now)
      return MakeError(ErrorCode::kInternal, "token response: the token has already expired");
    const auto latest = now + std::chrono::duration_cast<Clock::TimePoint::duration>(
                                  std::chrono::duration<double>(kMaxTokenLifetimeSeconds));
    out.expires_on = std::min(when, latest);
    return out;
  };
  if (auto it = parsed.find("expires_in"); it != parsed.end()) {
    if (auto secs = NumberOrNumericString(*it)) {
      if (!(*secs > 0))  // NaN too
        return MakeError(ErrorCode::kInternal, "token response: expires_in is not positive");
      const double clamped = std::min(*secs, kMaxTokenLifetimeSeconds);
      return expiring(now + std::chrono::duration_cast<Clock::TimePoint::duration>(
                                std::chrono::duration<double>(clamped)));
    }
  }
  if (auto it = parsed.find("expires_on"); it != parsed.end()) {
    if (auto epoch = NumberOrNumericString(*it)) {
      if (auto when = FromEpochSeconds(*epoch)) return expiring(*when);
    } else if (it->is_string()) {
      const std::string& text = it->get_ref<const std::string&>();
      if (auto when = ParseRfc3339(text)) return expiring(*when);
      if (auto when = ParseHttpDate(text)) return expiring(*when);
    }
  }
  return MakeError(ErrorCode::kInternal, "token response has no usable expires_in / expires_on");
}

std::string DescribeTokenError(int status, std::string_view body) {
  std::string message = "token request failed (HTTP " + std::to_string(status) + ")";
  Json parsed = ParseJsonBounded(body).value_or(Json());
  if (parsed.is_object()) {
    // STS descriptions never echo the client secret; they do carry trace ids that help support.
    if (auto it = parsed.find("error"); it != parsed.end() && it->is_string()) {
      message += ": " + it->get<std::string>();
    }
    if (auto it = parsed.find("error_description"); it != parsed.end() && it->is_string()) {
      std::string description = it->get<std::string>();
      // AADSTS descriptions are multi-line ("...\r\nTrace ID: ..."); keep the first line.
      description = description.substr(0, description.find_first_of("\r\n"));
      message += ": " + description;
    }
  }
  return message;
}

std::string FormUrlEncode(std::string_view text) { return engine::PercentEncode(text); }

bool TokenCache::IsFresh(const AccessToken& token, Clock::TimePoint now) {
  return now + kRefreshMargin < token.expires_on;
}

Result<AccessToken> TokenCache::GetOrFetch(Clock::TimePoint now,
                                           const std::function<Result<AccessToken>()>& fetch) {
  // Holding the lock across the fetch serialises refreshes: N workers whose token expired at the
  // same moment cause one STS round trip, not N.
  std::lock_guard<std::mutex> lock(mu_);
  if (token_) {
    // Tokens living less than twice the margin are refreshed at half their remaining life.
    auto margin =
        std::min<Clock::TimePoint::duration>(kRefreshMargin, (token_->expires_on - obtained_) / 2);
    if (now + margin < token_->expires_on) return *token_;
  }
  auto fresh = fetch();
  if (!fresh) return fresh;
  token_ = *fresh;
  obtained_ = now;
  return fresh;
}

TokenCache& TokenCaches::For(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = caches_[key];
  if (!slot) slot = std::make_unique<TokenCache>();
  return *slot;
}

GetEnv ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

std::string ArmScopeFor(std::string_view arm_endpoint) {
  return Trimmed(std::string(arm_endpoint)) + "/.default";
}

ConfidentialClient::ConfidentialClient(std::string name, std::string tenant_id,
                                       std::string client_id, CredentialOptions options)
    : name_(std::move(name)),
      tenant_id_(std::move(tenant_id)),
      client_id_(std::move(client_id)),
      options_(std::move(options)) {
  auto transport = options_.transport;
  if (!transport)
    transport = std::make_shared<CpprestTransport>(CpprestTransportOptions{options_.ca_file});
  std::vector<std::unique_ptr<HttpPolicy>> policies;
  policies.push_back(std::make_unique<RequestIdPolicy>());
  policies.push_back(std::make_unique<UserAgentPolicy>(KeywardUserAgent()));
  policies.push_back(
      std::make_unique<RetryPolicy>(options_.retry, DefaultRandomSource(), nullptr, LogSink()));
  pipeline_ = std::make_unique<HttpPipeline>(std::move(policies), std::move(transport));
}

ConfidentialClient::~ConfidentialClient() = default;

Result<AccessToken> ConfidentialClient::GetToken(
    const TokenRequest& request, const Context& ctx,
    const std::function<Result<std::string>()>& proof) {
  std::string tenant = request.tenant_id.empty() ? tenant_id_ : request.tenant_id;
  std::string scope;
  for (const auto& s : request.scopes) scope += (scope.empty() ? "" : " ") + s;
  return caches_.For(tenant + " " + scope).GetOrFetch(ctx.clock->Now(), [&] {
    return Fetch(tenant, scope, ctx, proof);
  });
}

Result<AccessToken> ConfidentialClient::Fetch(const std::string& tenant, const std::string& scope,
                                              const Context& ctx,
                                              const std::function<Result<std::string>()>& proof) {
  std::string authority = Trimmed(options_.authority_host);
  if (authority.rfind("https://", 0) != 0) {
    // A client secret or assertion is never sent in clear text.
    return MakeError(ErrorCode::kInvalidArgument,
                     name_ + ": authority host must be https: " + authority);
  }
  KEYWARD_ASSIGN_OR_RETURN(auto proof_fields, proof());
  ++token_requests_;
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.url = authority + "/" + FormUrlEncode(tenant) + "/oauth2/v2.0/token";
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.Set("Accept", "application/json");
  request.body = "grant_type=client_credentials&client_id=" + FormUrlEncode(client_id_) +
                 "&scope=" + FormUrlEncode(scope) + "&" + proof_fields;
  request.sensitive = true;
  Clock::TimePoint sent = ctx.clock->Now();
  auto response = pipeline_->Send(request, ctx);
  if (!response) {
    Error error = response.error();
    error.message = name_ + ": cannot get a token from " + authority + ": " + error.message;
    return tl::unexpected(error);
  }
  if (response->status != 200) {
    return MakeError(ErrorCode::kUnauthenticated,
                     name_ + ": " + DescribeTokenError(response->status, response->body) +
                         " (tenant " + tenant + ", client " + client_id_ + ", authority " +
                         authority + ", request-id " +
                         response->headers.GetOr("x-ms-request-id", "none") + ")");
  }
  // expires_in counts from when the STS issued it; measuring from send time errs on the safe side.
  auto token = ParseTokenResponse(response->body, sent);
  if (!token) {
    const std::string request_id = response->headers.GetOr("x-ms-request-id", "none");
    return MakeError(ErrorCode::kUnauthenticated,
                     name_ + ": POST " + authority + "/" + FormUrlEncode(tenant) +
                         "/oauth2/v2.0/token answered 200, but the " + token.error().message +
                         " (request-id " + request_id + ")");
  }
  return token;
}

ClientSecretCredential::ClientSecretCredential(std::string tenant_id, std::string client_id,
                                               std::string client_secret, CredentialOptions options)
    : client_secret_(std::move(client_secret)),
      client_("ClientSecretCredential", std::move(tenant_id), std::move(client_id),
              std::move(options)) {}

Result<AccessToken> ClientSecretCredential::GetToken(const TokenRequest& request,
                                                     const Context& ctx) {
  return client_.GetToken(request, ctx, [this]() -> Result<std::string> {
    return "client_secret=" + FormUrlEncode(client_secret_);
  });
}

EnvironmentCredential::EnvironmentCredential(CredentialOptions options, GetEnv getenv) {
  if (!getenv) getenv = ProcessEnvironment();
  auto tenant = getenv("AZURE_TENANT_ID");
  auto client = getenv("AZURE_CLIENT_ID");
  auto secret = getenv("AZURE_CLIENT_SECRET");
  if (auto authority = getenv("AZURE_AUTHORITY_HOST")) options.authority_host = *authority;
  for (auto [name, value] :
       {std::pair{"AZURE_TENANT_ID", &tenant}, std::pair{"AZURE_CLIENT_ID", &client},
        std::pair{"AZURE_CLIENT_SECRET", &secret}}) {
    if (!*value) missing_ += (missing_.empty() ? "" : ", ") + std::string(name);
  }
  if (missing_.empty()) {
    engine::Scrubber::Process().Add(*secret);
    inner_ =
        std::make_unique<ClientSecretCredential>(*tenant, *client, *secret, std::move(options));
  }
}

Result<AccessToken> EnvironmentCredential::GetToken(const TokenRequest& request,
                                                    const Context& ctx) {
  if (!inner_) {
    return tl::unexpected(
        CredentialUnavailable("EnvironmentCredential: environment variables not set: " + missing_));
  }
  auto token = inner_->GetToken(request, ctx);
  if (!token) {
    Error error = token.error();
    error.message = "EnvironmentCredential: " + error.message;
    return tl::unexpected(error);
  }
  return token;
}

ChainedTokenCredential::ChainedTokenCredential(
    std::vector<std::shared_ptr<TokenCredential>> sources)
    : sources_(std::move(sources)) {}

Result<AccessToken> ChainedTokenCredential::GetToken(const TokenRequest& request,
                                                     const Context& ctx) {
  std::shared_ptr<TokenCredential> selected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    selected = selected_;
  }
  // Once a source has worked, stick to it (as azure-identity does): a later failure of that
  // source is reported as is rather than silently switching identities.
  if (selected) return selected->GetToken(request, ctx);
  std::string reasons;
  for (const auto& source : sources_) {
    auto token = source->GetToken(request, ctx);
    if (token) {
      std::lock_guard<std::mutex> lock(mu_);
      selected_ = source;
      return token;
    }
    reasons += "\n  " + token.error().message;
    if (!IsCredentialUnavailable(token.error())) {
      return MakeError(token.error().code, source->Name() +
                                               " is configured but failed, so the chain stopped "
                                               "there (unset its variables to skip it):" +
                                               reasons);
    }
  }
  return MakeError(ErrorCode::kUnauthenticated,
                   "no credential in the chain produced a token:" + reasons);
}

std::string ChainedTokenCredential::SelectedName() const {
  std::lock_guard<std::mutex> lock(mu_);
  return selected_ ? selected_->Name() : "";
}

std::vector<std::string> ChainedTokenCredential::SourceNames() const {
  std::vector<std::string> names;
  for (const auto& source : sources_) names.push_back(source->Name());
  return names;
}

namespace {

// Stands in for the chain when AZURE_TOKEN_CREDENTIALS is invalid, so the mistake is reported
// on first use with the accepted values rather than silently ignored.
class MisconfiguredCredential : public TokenCredential {
 public:
  explicit MisconfiguredCredential(std::string message) : message_(std::move(message)) {}
  Result<AccessToken> GetToken(const TokenRequest&, const Context&) override {
    return MakeError(ErrorCode::kInvalidArgument, message_);
  }
  std::string Name() const override { return "DefaultAzureCredential"; }

 private:
  std::string message_;
};

}  // namespace

std::shared_ptr<ChainedTokenCredential> MakeDefaultAzureCredential(CredentialOptions options,
                                                                   GetEnv getenv) {
  if (!getenv) getenv = ProcessEnvironment();
  if (auto authority = getenv("AZURE_AUTHORITY_HOST")) options.authority_host = *authority;
  using Factory = std::function<std::shared_ptr<TokenCredential>()>;
  const std::vector<std::pair<std::string, Factory>> all = {
      {"EnvironmentCredential",
       [&] { return std::make_shared<EnvironmentCredential>(options, getenv); }},
      {"WorkloadIdentityCredential",
       [&] { return std::make_shared<WorkloadIdentityCredential>(options, getenv); }},
      {"ManagedIdentityCredential",
       [&] { return std::make_shared<ManagedIdentityCredential>(options, getenv); }},
      {"AzureCliCredential",
       [&] { return std::make_shared<AzureCliCredential>(AzureCliCredentialOptions{}, getenv); }},
  };
  std::string selection = Lowered(getenv("AZURE_TOKEN_CREDENTIALS").value_or(""));
  std::vector<std::shared_ptr<TokenCredential>> chain;
  for (const auto& [name, make] : all) {
    bool developer = name == "AzureCliCredential";
    bool wanted = selection.empty() || (selection == "prod" && !developer) ||
                  (selection == "dev" && developer) || selection == Lowered(name);
    if (wanted) chain.push_back(make());
  }
  if (chain.empty()) {
    std::string accepted = "prod, dev";
    for (const auto& entry : all) accepted += ", " + entry.first;
    chain.push_back(std::make_shared<MisconfiguredCredential>("AZURE_TOKEN_CREDENTIALS='" +
                                                              *getenv("AZURE_TOKEN_CREDENTIALS") +
                                                              "' is not one of: " + accepted));
  }
  return std::make_shared<ChainedTokenCredential>(std::move(chain));
}

}  // namespace keyward::azure
