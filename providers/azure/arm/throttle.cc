// Token buckets and counters. See throttle.h.
#include "providers/azure/arm/throttle.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace keyward::azure {
namespace {

double SecondsBetween(Clock::TimePoint from, Clock::TimePoint to) {
  // A fake clock may be set backwards in tests; never refill negatively.
  return std::max(0.0, std::chrono::duration<double>(to - from).count());
}

const char* RemainingHeader(OperationKind kind) {
  switch (kind) {
    case OperationKind::kRead:
      return "x-ms-ratelimit-remaining-subscription-reads";
    case OperationKind::kWrite:
      return "x-ms-ratelimit-remaining-subscription-writes";
    case OperationKind::kDelete:
      return "x-ms-ratelimit-remaining-subscription-deletes";
  }
  return "";
}

}  // namespace

TokenBucket::TokenBucket(BucketLimits limits, Clock::TimePoint now)
    : limits_(limits), tokens_(limits.burst), last_(now) {}

void TokenBucket::Refill(Clock::TimePoint now) {
  tokens_ = std::min(limits_.burst, tokens_ + SecondsBetween(last_, now) * limits_.per_second);
  if (now > last_) last_ = now;
}

std::chrono::milliseconds TokenBucket::Reserve(Clock::TimePoint now) {
  Refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= -1e-9) return std::chrono::milliseconds(0);  // tolerate refill rounding
  // The count climbs back to zero at the refill rate; this token is due when it gets there.
  const double seconds = -tokens_ / std::max(limits_.per_second, 1e-9);
  return std::chrono::milliseconds(
      std::max<long long>(1, std::llround(std::ceil(seconds * 1000 - 1e-6))));
}

void TokenBucket::Return(Clock::TimePoint now) {
  Refill(now);
  tokens_ = std::min(limits_.burst, tokens_ + 1.0);
}

void TokenBucket::ObserveRemaining(double remaining, Clock::TimePoint now) {
  Refill(now);
  // Lower only; tokens promised to waiters (a negative count) stay promised.
  tokens_ = std::min(tokens_, std::clamp(remaining, 0.0, limits_.burst));
}

double TokenBucket::tokens(Clock::TimePoint now) {
  Refill(now);
  return tokens_;
}

void ArmMetrics::CountResponse(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++data_.requests_by_status[status];
  if (status == 429) ++data_.throttled_responses;
}

void ArmMetrics::CountRetry() {
  std::lock_guard<std::mutex> lock(mu_);
  ++data_.retries;
}

void ArmMetrics::CountThrottledWait(std::chrono::milliseconds waited) {
  std::lock_guard<std::mutex> lock(mu_);
  ++data_.throttled_waits;
  data_.throttled_wait_time += waited;
}

ArmMetricsSnapshot ArmMetrics::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return data_;
}

std::string SubscriptionOfUrl(std::string_view url) {
  std::string lower(url);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t query = lower.find('?');
  if (query != std::string::npos) lower.resize(query);
  constexpr std::string_view kMarker = "/subscriptions/";
  size_t at = lower.find(kMarker);
  if (at == std::string::npos) return {};
  size_t start = at + kMarker.size();
  size_t end = lower.find('/', start);
  return lower.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Throttler::Throttler(ThrottleOptions options) : options_(options) {}

TokenBucket& Throttler::BucketLocked(const std::string& subscription, OperationKind kind,
                                     Clock::TimePoint now) {
  auto key = std::make_pair(subscription, static_cast<int>(kind));
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    const BucketLimits& limits = kind == OperationKind::kRead    ? options_.reads
                                 : kind == OperationKind::kWrite ? options_.writes
                                                                 : options_.deletes;
    it = buckets_.emplace(key, TokenBucket(limits, now)).first;
  }
  return it->second;
}

bool Throttler::Acquire(std::string_view url, OperationKind kind, const Context& ctx,
                        ArmMetrics* metrics) {
  if (!options_.enabled) return true;
  const std::string subscription = SubscriptionOfUrl(url);
  std::chrono::milliseconds wait;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::TimePoint now = ctx.clock->Now();
    wait = BucketLocked(subscription, kind, now).Reserve(now);
  }
  if (wait.count() == 0) return true;
  if (!ctx.clock->SleepFor(wait, ctx.cancelled.get())) {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::TimePoint now = ctx.clock->Now();
    BucketLocked(subscription, kind, now).Return(now);
    return false;
  }
  if (metrics) metrics->CountThrottledWait(wait);
  return true;
}

void Throttler::Observe(std::string_view url, OperationKind kind, const HttpHeaders& headers,
                        const Context& ctx) {
  if (!options_.enabled) return;
  auto value = headers.Get(RemainingHeader(kind));
  if (!value) return;
  char* end = nullptr;
  double remaining = std::strtod(value->c_str(), &end);
  if (end == value->c_str()) return;  // not a number: ignore rather than stall
  std::lock_guard<std::mutex> lock(mu_);
  BucketLocked(SubscriptionOfUrl(url), kind, ctx.clock->Now())
      .ObserveRemaining(remaining, ctx.clock->Now());
}

double Throttler::TokensFor(std::string_view subscription, OperationKind kind,
                            Clock::TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  return BucketLocked(std::string(subscription), kind, now).tokens(now);
}

}  // namespace keyward::azure
