// Pipeline policies. See pipeline.h for the order and the logging invariant.
#include "providers/azure/arm/pipeline.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "engine/scrubber.h"

namespace keyward::azure {
namespace {

// Query parameter names whose values may be credentials (SAS signatures, OAuth codes...).
bool IsSensitiveQueryName(std::string_view name) {
  static constexpr std::array kNames = {
      "sig",           "signature",        "skoid",         "sktid",    "code",
      "token",         "access_token",     "refresh_token", "password", "secret",
      "client_secret", "client_assertion", "key",           "api_key",  "apikey"};
  for (const char* sensitive : kNames) {
    if (EqualsIgnoreCase(name, sensitive)) return true;
  }
  return false;
}

std::chrono::milliseconds Since(const Context& ctx, Clock::TimePoint start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock->Now() - start);
}

}  // namespace

LogSink SpdlogSink() {
  return [](LogLevel level, const std::string& line) {
    switch (level) {
      case LogLevel::kDebug:
        spdlog::debug("arm: {}", line);
        break;
      case LogLevel::kInfo:
        spdlog::info("arm: {}", line);
        break;
      case LogLevel::kWarning:
        spdlog::warn("arm: {}", line);
        break;
      case LogLevel::kError:
        spdlog::error("arm: {}", line);
        break;
    }
  };
}

std::string SanitizeUrl(const std::string& url) {
  size_t query = url.find('?');
  if (query == std::string::npos) return url;
  std::string out = url.substr(0, query + 1);
  std::string_view rest(url);
  rest.remove_prefix(query + 1);
  bool first = true;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos && IsSensitiveQueryName(name)) {
      out += std::string(name) + "=REDACTED";
    } else {
      out += std::string(pair);
    }
  }
  return out;
}

std::string NewUuid() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Only an id for correlation: a weaker source is acceptable if OpenSSL's RNG is unavailable.
    for (auto& b : bytes) b = static_cast<unsigned char>(DefaultRandomSource()() * 256);
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof(text),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

Result<HttpResponse> NextPolicy::Send(HttpRequest& request, const Context& ctx) const {
  if (index_ < pipeline_->policies_.size()) {
    return pipeline_->policies_[index_]->Send(request, NextPolicy(pipeline_, index_ + 1), ctx);
  }
  return pipeline_->transport_->Send(request, ctx);
}

HttpPipeline::HttpPipeline(std::vector<std::unique_ptr<HttpPolicy>> policies,
                           std::shared_ptr<HttpTransport> transport)
    : policies_(std::move(policies)), transport_(std::move(transport)) {}

Result<HttpResponse> HttpPipeline::Send(HttpRequest& request, const Context& ctx) const {
  return NextPolicy(this, 0).Send(request, ctx);
}

Result<HttpResponse> RequestIdPolicy::Send(HttpRequest& request, NextPolicy next,
                                           const Context& ctx) {
  if (!request.headers.Contains("x-ms-client-request-id")) {
    request.headers.Set("x-ms-client-request-id", NewUuid());
  }
  request.headers.Set("x-ms-return-client-request-id", "true");
  return next.Send(request, ctx);
}

Result<HttpResponse> UserAgentPolicy::Send(HttpRequest& request, NextPolicy next,
                                           const Context& ctx) {
  request.headers.Set("User-Agent", user_agent_);
  return next.Send(request, ctx);
}

RetryPolicy::RetryPolicy(RetryOptions options, RandomSource random, ArmMetrics* metrics,
                         LogSink log)
    : options_(std::move(options)),
      random_(random ? std::move(random) : DefaultRandomSource()),
      metrics_(metrics),
      log_(std::move(log)) {}

Result<HttpResponse> RetryPolicy::Send(HttpRequest& request, NextPolicy next, const Context& ctx) {
  for (int attempt = 1;; ++attempt) {
    if (ctx.IsCancelled()) return MakeError(ErrorCode::kCancelled, "ARM request cancelled");
    if (ctx.DeadlinePassed()) {
      return MakeError(ErrorCode::kDeadlineExceeded,
                       "deadline passed before try " + std::to_string(attempt));
    }
    auto response = next.Send(request, ctx);
    std::optional<std::chrono::milliseconds> server_delay;
    std::string why;
    if (!response) {
      if (response.error().code != ErrorCode::kUnavailable ||
          !ShouldRetryTransportError(request.method)) {
        return response;
      }
      why = "transport error";
    } else {
      if (!ShouldRetryStatus(options_, request.method, response->status, request.safe_to_repeat))
        return response;
      server_delay = ParseRetryAfter(response->headers, ctx.clock->Now());
      if (server_delay && *server_delay > options_.max_retry_after) {
        // Waiting longer than the caller would expect; let the error surface with its Retry-After.
        if (log_) {
          log_(LogLevel::kWarning, "not retrying: server asks to wait " +
                                       std::to_string(server_delay->count()) + " ms");
        }
        return response;
      }
      why = "HTTP " + std::to_string(response->status);
    }
    if (attempt > options_.max_retries) return response;  // last try's outcome, as is
    auto delay = server_delay ? *server_delay : ComputeBackoff(options_, attempt, random_());
    if (auto left = ctx.Remaining(); left && delay >= *left) {
      // The next try could not even start before the deadline: the last outcome is the answer.
      if (log_) {
        log_(LogLevel::kInfo, std::string("not retrying ") + HttpMethodName(request.method) + " " +
                                  SanitizeUrl(request.url) + " after " + why +
                                  ": the request deadline comes first");
      }
      return response;
    }
    if (metrics_) metrics_->CountRetry();
    if (log_) {
      log_(LogLevel::kInfo, std::string("retry ") + std::to_string(attempt) + "/" +
                                std::to_string(options_.max_retries) + " of " +
                                HttpMethodName(request.method) + " " + SanitizeUrl(request.url) +
                                " after " + why + " in " + std::to_string(delay.count()) + " ms");
    }
    if (!ctx.clock->SleepFor(delay, ctx.cancelled.get())) {
      return MakeError(ErrorCode::kCancelled, "ARM request cancelled while waiting to retry");
    }
  }
}

Result<HttpResponse> ThrottlePolicy::Send(HttpRequest& request, NextPolicy next,
                                          const Context& ctx) {
  OperationKind kind = OperationKindOf(request.method);
  if (!throttler_->Acquire(request.url, kind, ctx, metrics_)) {
    return MakeError(ErrorCode::kCancelled,
                     "ARM request cancelled while waiting for a rate-limit token");
  }
  auto response = next.Send(request, ctx);
  if (response) throttler_->Observe(request.url, kind, response->headers, ctx);
  return response;
}

Result<HttpResponse> BearerTokenPolicy::Send(HttpRequest& request, NextPolicy next,
                                             const Context& ctx) {
  if (request.url.rfind("https://", 0) != 0) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "refusing to send a bearer token over a non-https URL: " + SanitizeUrl(request.url));
  }
  KEYWARD_ASSIGN_OR_RETURN(auto token, credential_->GetToken(token_request_, ctx));
  // Every token of every credential passes here: the one place to register them.
  engine::Scrubber::Process().Add(token.token);
  request.headers.Set("Authorization", "Bearer " + token.token);
  return next.Send(request, ctx);
}

Result<HttpResponse> WriteGuardPolicy::Send(HttpRequest& request, NextPolicy next,
                                            const Context& ctx) {
  if (request.method != HttpMethod::kGet && request.method != HttpMethod::kHead) {
    if (auto refused = ctx.CheckWrite()) {
      refused->message += " (" + std::string(HttpMethodName(request.method)) + " " +
                          SanitizeUrl(request.url) + " was not sent)";
      return tl::unexpected(*refused);
    }
  }
  return next.Send(request, ctx);
}

Result<HttpResponse> LoggingPolicy::Send(HttpRequest& request, NextPolicy next,
                                         const Context& ctx) {
  Clock::TimePoint start = ctx.clock->Now();
  auto response = next.Send(request, ctx);
  // Only these fields are ever logged; headers and bodies are not (see pipeline.h).
  std::ostringstream line;
  line << HttpMethodName(request.method) << " " << SanitizeUrl(request.url) << " -> ";
  LogLevel level = LogLevel::kDebug;
  if (response) {
    if (metrics_) metrics_->CountResponse(response->status);
    line << response->status;
    if (response->status >= 400)
      level = response->status == 404 ? LogLevel::kDebug : LogLevel::kWarning;
  } else {
    if (metrics_) metrics_->CountResponse(0);
    // Transport messages name the host and path only (transport.cc), never queries or headers.
    line << "error (" << ErrorCodeName(response.error().code) << ": " << response.error().message
         << ")";
    level = LogLevel::kWarning;
  }
  line << " in " << Since(ctx, start).count() << " ms";
  if (response) line << " request-id=" << response->headers.GetOr("x-ms-request-id", "-");
  line << " client-request-id=" << request.headers.GetOr("x-ms-client-request-id", "-");
  if (sink_) sink_(level, line.str());
  return response;
}

}  // namespace keyward::azure
