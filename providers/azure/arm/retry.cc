// Retry decisions and backoff. Pure functions; see retry.h for the policy and why.
#include "providers/azure/arm/retry.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>

namespace keyward::azure {
namespace {

// Server-requested waits are clamped to a day: far beyond any wait keyward honours (see
// RetryOptions::max_retry_after), and small enough that no arithmetic on it can overflow.
constexpr long long kMaxRetryAfterSeconds = 24 * 3600;
// 2200-01-01T00:00:00Z.
constexpr time_t kLatestHttpDate = 7'258'118'400;

// Parses a non-negative integer (the whole string, surrounding spaces allowed).
std::optional<long long> ParseInteger(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

RandomSource DefaultRandomSource() {
  return [] {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

std::optional<Clock::TimePoint> ParseHttpDate(std::string_view text) {
  std::string input(text);
  // IMF-fixdate, RFC 850, asctime (RFC 7231 §7.1.1.1). strptime uses the C locale's names.
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    struct tm tm = {};
    const char* end = strptime(input.c_str(), format, &tm);
    if (end == nullptr) continue;
    while (*end == ' ') ++end;
    if (*end != '\0') continue;
    time_t seconds = timegm(&tm);
    if (seconds == static_cast<time_t>(-1)) continue;
    // system_clock counts nanoseconds: years past 2262 overflow it. No honest date is near.
    if (seconds < 0 || seconds > kLatestHttpDate) return std::nullopt;
    return std::chrono::system_clock::from_time_t(seconds);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const HttpHeaders& headers,
                                                         Clock::TimePoint now) {
  for (const char* name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    if (auto value = headers.Get(name)) {
      if (auto ms = ParseInteger(*value); ms && *ms >= 0)
        return std::chrono::milliseconds(std::min(*ms, kMaxRetryAfterSeconds * 1000));
    }
  }
  auto value = headers.Get("Retry-After");
  if (!value) return std::nullopt;
  if (auto seconds = ParseInteger(*value)) {
    // Clamped before scaling: "Retry-After: 9223372036854775807" must not overflow.
    return std::chrono::milliseconds(std::clamp(*seconds, 0LL, kMaxRetryAfterSeconds) * 1000);
  }
  if (auto date = ParseHttpDate(*value)) {
    auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*date - now);
    return std::clamp(delta, std::chrono::milliseconds(0),
                      std::chrono::milliseconds(kMaxRetryAfterSeconds * 1000));
  }
  return std::nullopt;
}

std::chrono::milliseconds ComputeBackoff(const RetryOptions& options, int attempt,
                                         double random01) {
  attempt = std::max(1, attempt);
  double jitter = 0.8 + 0.5 * std::clamp(random01, 0.0, 1.0);  // [0.8, 1.3)
  // Computed in double: 2^attempt overflows integers long before the cap applies.
  double ms = static_cast<double>(options.base_delay.count()) * std::pow(2.0, attempt - 1) * jitter;
  double cap = static_cast<double>(options.max_delay.count());
  return std::chrono::milliseconds(static_cast<long long>(std::min(ms, cap)));
}

bool ShouldRetryStatus(const RetryOptions& options, HttpMethod method, int status,
                       bool safe_to_repeat) {
  if (!options.status_codes.count(status)) return false;
  if (!safe_to_repeat && (method == HttpMethod::kPost || method == HttpMethod::kPatch)) {
    // Not idempotent: retry only where the request was certainly not applied (429: rejected by
    // the gateway) or where the SDKs agree it is safe (500/503/504, Python azure-core).
    return status == 429 || status == 500 || status == 503 || status == 504;
  }
  return true;
}

bool ShouldRetryTransportError(HttpMethod method) {
  // See retry.h: cpprest cannot tell connect failures from mid-flight ones, and keyward's POST
  // and PATCH calls are safe to repeat (or reconciled by re-reading), so all methods retry.
  return true;
}

}  // namespace keyward::azure
