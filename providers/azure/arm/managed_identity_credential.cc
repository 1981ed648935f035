#include "providers/azure/arm/managed_identity_credential.h"

#include "engine/scrubber.h"
#include "providers/azure/arm/pipeline.h"
#include "providers/azure/arm/user_agent.h"

namespace keyward::azure {
namespace {

std::unique_ptr<HttpPipeline> MakePipeline(std::shared_ptr<HttpTransport> transport,
                                           std::optional<RetryOptions> retry) {
  std::vector<std::unique_ptr<HttpPolicy>> policies;
  policies.push_back(std::make_unique<RequestIdPolicy>());
  policies.push_back(std::make_unique<UserAgentPolicy>(KeywardUserAgent()));
  if (retry) {
    policies.push_back(
        std::make_unique<RetryPolicy>(*retry, DefaultRandomSource(), nullptr, LogSink()));
  }
  return std::make_unique<HttpPipeline>(std::move(policies), std::move(transport));
}

std::string WithoutTrailingSlashes(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace

ManagedIdentityCredential::ManagedIdentityCredential(CredentialOptions options, GetEnv getenv,
                                                     ManagedIdentityProbe probe) {
  if (!getenv) getenv = ProcessEnvironment();
  client_id_ = getenv("AZURE_CLIENT_ID").value_or("");
  auto identity_endpoint = getenv("IDENTITY_ENDPOINT");
  auto identity_header = getenv("IDENTITY_HEADER");
  if (identity_endpoint && identity_header) {
    source_ = Source::kAppService;
    endpoint_ = *identity_endpoint;
    identity_header_ = *identity_header;
    engine::Scrubber::Process().Add(identity_header_);
  } else {
    source_ = Source::kImds;
    endpoint_ = WithoutTrailingSlashes(
                    getenv("AZURE_POD_IDENTITY_AUTHORITY_HOST").value_or(kImdsAuthorityHost)) +
                "/metadata/identity/oauth2/token";
  }
  RetryOptions retry = options.retry;
  if (source_ == Source::kImds) retry.status_codes.insert({404, 410});
  if (options.transport) {
    pipeline_ = MakePipeline(options.transport, retry);
    probe_pipeline_ = MakePipeline(options.transport, std::nullopt);
  } else {
    pipeline_ = MakePipeline(
        std::make_shared<CpprestTransport>(CpprestTransportOptions{options.ca_file}), retry);
    probe_pipeline_ = MakePipeline(
        std::make_shared<CpprestTransport>(CpprestTransportOptions{options.ca_file, probe.timeout}),
        std::nullopt);
  }
}

ManagedIdentityCredential::~ManagedIdentityCredential() = default;

std::string ManagedIdentityCredential::Describe() const {
  std::string where = source_ == Source::kAppService
                          ? "App Service (IDENTITY_ENDPOINT " + endpoint_ + ")"
                          : "IMDS (" + endpoint_ + ")";
  return where +
         (client_id_.empty() ? ", system-assigned" : ", user-assigned client id " + client_id_);
}

Result<AccessToken> ManagedIdentityCredential::GetToken(const TokenRequest& request,
                                                        const Context& ctx) {
  // MI endpoints take one resource, not scopes: "https://management.azure.com/.default" → the
  // resource "https://management.azure.com".
  if (request.scopes.size() != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ManagedIdentityCredential: exactly one scope is supported");
  }
  std::string resource = request.scopes.front();
  constexpr std::string_view kDefault = "/.default";
  if (resource.size() > kDefault.size() && resource.ends_with(kDefault)) {
    resource.resize(resource.size() - kDefault.size());
  }
  return caches_.For(resource).GetOrFetch(ctx.clock->Now(), [&] { return Fetch(resource, ctx); });
}

Result<AccessToken> ManagedIdentityCredential::Fetch(const std::string& resource,
                                                     const Context& ctx) {
  HttpRequest request;
  request.method = HttpMethod::kGet;
  request.headers.Set("Accept", "application/json");
  if (source_ == Source::kAppService) {
    request.url = endpoint_ + (endpoint_.find('?') == std::string::npos ? "?" : "&") +
                  "api-version=2019-08-01&resource=" + FormUrlEncode(resource);
    request.headers.Set("X-IDENTITY-HEADER", identity_header_);
  } else {
    request.url = endpoint_ + "?api-version=2018-02-01&resource=" + FormUrlEncode(resource);
    request.headers.Set("Metadata", "true");
  }
  if (!client_id_.empty()) request.url += "&client_id=" + FormUrlEncode(client_id_);
  request.sensitive = true;

  // Until IMDS has once produced a token, any failure means "no usable managed identity here"
  // (off Azure, or no identity assigned: IMDS answers 400), and the chain moves on.
  const bool probing = source_ == Source::kImds && !imds_answered_.load();
  auto failure = [&](const std::string& why) -> Result<AccessToken> {
    std::string message = "ManagedIdentityCredential: " + Describe() + ": " + why;
    if (probing) return tl::unexpected(CredentialUnavailable(std::move(message)));
    return MakeError(ErrorCode::kUnauthenticated, std::move(message));
  };
  Clock::TimePoint sent = ctx.clock->Now();
  auto response = (probing ? probe_pipeline_ : pipeline_)->Send(request, ctx);
  if (!response) {
    return failure((probing ? "no managed identity endpoint answered (not on Azure?): " : "") +
                   response.error().message);
  }
  if (response->status != 200) return failure(DescribeTokenError(response->status, response->body));
  auto token = ParseTokenResponse(response->body, sent);
  if (!token) return failure(token.error().message);
  if (source_ == Source::kImds) imds_answered_ = true;
  return token;
}

}  // namespace keyward::azure
