// The HTTP pipeline, in the shape of azure-core: a chain of small policies, each
// `Send(request, next, ctx)`, ending in an HttpTransport. The ARM client builds:
//
//   RequestId → UserAgent → Retry → Throttle → BearerToken → WriteGuard → Logging → transport
//
// Retry sits before throttling and auth so that every try takes a rate-limit token and gets a
// fresh (possibly refreshed) bearer token; logging sits last so each try is logged once with
// its own status and elapsed time.
//
// Logging invariant: a log line never contains the Authorization header, a token, a client
// secret, a request or response body, or query values of sensitive parameters. Only method,
// sanitized URL, status, elapsed time, attempt and request ids are logged. The sink is
// injectable so tests can capture lines and check a canary secret never appears.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/result.h"
#include "providers/azure/arm/credential.h"
#include "providers/azure/arm/retry.h"
#include "providers/azure/arm/throttle.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
using LogSink = std::function<void(LogLevel level, const std::string& line)>;
LogSink SpdlogSink();  // the default: spdlog's default logger, "arm" prefix

// Replaces values of sensitive query parameters (sig, se, skoid, client_secret, code, token,
// access_token, password, secret, $skipToken stays) with "REDACTED".
std::string SanitizeUrl(const std::string& url);

// A random RFC 4122 version-4 UUID (lowercase) from OpenSSL's CSPRNG.
std::string NewUuid();

class HttpPipeline;

// The rest of the chain after a policy. Cheap to copy.
class NextPolicy {
 public:
  NextPolicy(const HttpPipeline* pipeline, size_t index) : pipeline_(pipeline), index_(index) {}
  Result<HttpResponse> Send(HttpRequest& request, const Context& ctx) const;

 private:
  const HttpPipeline* pipeline_;
  size_t index_;
};

class HttpPolicy {
 public:
  virtual ~HttpPolicy() = default;
  virtual Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) = 0;
};

class HttpPipeline {
 public:
  HttpPipeline(std::vector<std::unique_ptr<HttpPolicy>> policies,
               std::shared_ptr<HttpTransport> transport);
  Result<HttpResponse> Send(HttpRequest& request, const Context& ctx) const;

 private:
  friend class NextPolicy;
  std::vector<std::unique_ptr<HttpPolicy>> policies_;
  std::shared_ptr<HttpTransport> transport_;
};

// Sets x-ms-client-request-id (a new UUID per logical request, kept across retries) unless the
// caller already set one, and asks ARM to echo it (x-ms-return-client-request-id).
class RequestIdPolicy : public HttpPolicy {
 public:
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;
};

class UserAgentPolicy : public HttpPolicy {
 public:
  explicit UserAgentPolicy(std::string user_agent) : user_agent_(std::move(user_agent)) {}
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;

 private:
  std::string user_agent_;
};

// See retry.h for the policy. Sleeps with ctx.clock (cancellable); counts retries. Honours
// ctx.deadline: no try starts after it, and a retry whose wait would reach it is not made (the
// last response or error is returned as is).
class RetryPolicy : public HttpPolicy {
 public:
  RetryPolicy(RetryOptions options, RandomSource random, ArmMetrics* metrics, LogSink log);
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;

 private:
  RetryOptions options_;
  RandomSource random_;
  ArmMetrics* metrics_;
  LogSink log_;
};

class ThrottlePolicy : public HttpPolicy {
 public:
  ThrottlePolicy(std::shared_ptr<Throttler> throttler, ArmMetrics* metrics)
      : throttler_(std::move(throttler)), metrics_(metrics) {}
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;

 private:
  std::shared_ptr<Throttler> throttler_;
  ArmMetrics* metrics_;
};

// Gets a token per try (the credential caches) and sets `Authorization: Bearer`. Refuses to send
// a token over plain http.
class BearerTokenPolicy : public HttpPolicy {
 public:
  BearerTokenPolicy(std::shared_ptr<TokenCredential> credential, TokenRequest token_request)
      : credential_(std::move(credential)), token_request_(std::move(token_request)) {}
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;

 private:
  std::shared_ptr<TokenCredential> credential_;
  TokenRequest token_request_;
};

// Fencing (engine/write_guard.h, docs/ha.md): every try of a write (any method but GET and HEAD)
// first asks the context's write guard whether the stack lease is still valid, and is refused —
// never sent — when it is not ("lock lost: ..."; kAborted, so the retry policy does not retry
// it). It sits after retry waits, throttling and token acquisition, so nothing that can stall
// comes between the check and the request leaving.
class WriteGuardPolicy : public HttpPolicy {
 public:
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;
};

// One line per try: "GET https://…/vaults/x?api-version=… -> 200 (12 ms) request-id=…
// client-request-id=…".
class LoggingPolicy : public HttpPolicy {
 public:
  LoggingPolicy(LogSink sink, ArmMetrics* metrics) : sink_(std::move(sink)), metrics_(metrics) {}
  Result<HttpResponse> Send(HttpRequest& request, NextPolicy next, const Context& ctx) override;

 private:
  LogSink sink_;
  ArmMetrics* metrics_;
};

}  // namespace keyward::azure
