// Retry decisions and backoff, as pure functions so they are unit-tested without a network.
//
// Policy (ARM-NOTES §7, Go azcore semantics plus 429):
//  - Retried statuses: 408, 429, 500, 502, 503, 504; transport errors (kUnavailable) too.
//  - Method safety: GET/HEAD/PUT/DELETE are idempotent in ARM and retried on all of the above.
//    POST and PATCH are retried only where the server did not process the request: 429 (ARM
//    rejects throttled requests before the RP sees them), 503 and 500/504 (as Python azure-core
//    does: 500/503/504), and transport errors that happened *before* sending (connect failures;
//    we cannot tell them apart from mid-flight failures with cpprest, so we retry them: every
//    POST keyward sends is marked safe to repeat, see below, and its PATCHes set absolute
//    values). 408 and 502 are not retried for POST/PATCH (the request may have been applied) —
//  - unless the caller marks the request safe to repeat (RequestOptions::safe_to_repeat,
//    HttpRequest::safe_to_repeat): a read-only POST (checkNameAvailability), an idempotent one
//    (purge: a repeat after success answers 404, which the callers take as "purged"), a PATCH
//    that sets absolute values. Such a request is retried like a GET. The marking is the
//    caller's, per request: the policy never guesses from the URL.
//  - Delay: Retry-After family when present (retry-after-ms, x-ms-retry-after-ms, Retry-After
//    seconds or HTTP-date); otherwise base * 2^(attempt-1) * jitter in [0.8, 1.3), capped at
//    max_delay. A server-requested delay above `max_retry_after` is not waited for: the response
//    is returned to the caller (Go azcore does the same), so a 10-minute Retry-After does not
//    stall an apply silently.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "engine/context.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

struct RetryOptions {
  int max_retries = 3;
  std::chrono::milliseconds base_delay{800};
  std::chrono::milliseconds max_delay{60'000};
  // Longest server-requested wait we honour before giving up and returning the response.
  std::chrono::milliseconds max_retry_after{120'000};
  std::set<int> status_codes{408, 429, 500, 502, 503, 504};
};

// Uniform random in [0, 1). Injected for deterministic tests.
using RandomSource = std::function<double()>;
RandomSource DefaultRandomSource();  // thread-safe, seeded from std::random_device

// Parses the server's requested delay from retry-after-ms, x-ms-retry-after-ms, then
// Retry-After (delta-seconds or IMF-fixdate / RFC 850 / asctime HTTP-date, relative to `now`).
// nullopt when absent or unparsable (garbage falls back to backoff). Negative values or past
// dates give 0; anything above a day gives a day.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const HttpHeaders& headers,
                                                         Clock::TimePoint now);

// Parses an HTTP-date (RFC 7231 §7.1.1.1: IMF-fixdate, RFC 850, asctime) between 1970 and 2200.
std::optional<Clock::TimePoint> ParseHttpDate(std::string_view text);

// Exponential backoff for retry number `attempt` (1-based), with jitter `random01` in [0,1)
// mapped to a factor in [0.8, 1.3), capped at options.max_delay.
std::chrono::milliseconds ComputeBackoff(const RetryOptions& options, int attempt, double random01);

// Whether a response with `status` to `method` should be retried (given the table above).
// `safe_to_repeat`: the caller vouches that the request may be applied twice (see above).
bool ShouldRetryStatus(const RetryOptions& options, HttpMethod method, int status,
                       bool safe_to_repeat = false);

// Whether a transport error on `method` should be retried.
bool ShouldRetryTransportError(HttpMethod method);

}  // namespace keyward::azure
