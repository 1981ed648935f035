// Client-side pacing under ARM's throttling limits (ARM-NOTES §3), and the client's counters.
//
// One token bucket per (subscription, read|write|delete): reads 250 burst / 25 per s, writes and
// deletes 200 / 10 per s (the current ARM limits, per principal). Each try consumes a token;
// when the bucket is empty the caller reserves the next token due and sleeps until exactly then
// (counted as a throttled wait). Reservations are tickets: taken in arrival order under one lock,
// each for its own instant, so waiting threads are served first come first served and wake one
// at a time, never all at once to race for a single token. The server's view
// wins: `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}` lowers our token count to
// what ARM says is left (other processes share the same principal), so we slow down before ARM
// answers 429.
//
// All time comes from the Clock passed in (Context), never the system clock. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "engine/context.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

struct BucketLimits {
  double burst = 250;
  double per_second = 25;
};

struct ThrottleOptions {
  bool enabled = true;
  BucketLimits reads{250, 25};
  BucketLimits writes{200, 10};
  BucketLimits deletes{200, 10};
};

// A token bucket on an injected clock whose count may go negative: a negative count is the
// tokens already promised to callers still waiting for them.
class TokenBucket {
 public:
  TokenBucket(BucketLimits limits, Clock::TimePoint now);
  // Takes one token: returns 0 if it was there, else how long until the token it reserved (behind
  // every earlier reservation) is due. The caller must not ask again after the wait.
  std::chrono::milliseconds Reserve(Clock::TimePoint now);
  // A reservation that will not be used (its caller was cancelled) goes back to the bucket.
  void Return(Clock::TimePoint now);
  // Server says only `remaining` requests are left: never hold more tokens than that.
  void ObserveRemaining(double remaining, Clock::TimePoint now);
  double tokens(Clock::TimePoint now);

 private:
  void Refill(Clock::TimePoint now);
  BucketLimits limits_;
  double tokens_;
  Clock::TimePoint last_;
};

// Counters the daemon exports as metrics (DESIGN.md §10). Copyable snapshot.
struct ArmMetricsSnapshot {
  std::map<int, uint64_t> requests_by_status;  // per try; 0 = transport error
  uint64_t retries = 0;
  uint64_t throttled_waits = 0;      // client-side waits for a token
  uint64_t throttled_responses = 0;  // 429s received
  std::chrono::milliseconds throttled_wait_time{0};
};

class ArmMetrics {
 public:
  void CountResponse(int status);
  void CountRetry();
  void CountThrottledWait(std::chrono::milliseconds waited);
  ArmMetricsSnapshot Snapshot() const;

 private:
  mutable std::mutex mu_;
  ArmMetricsSnapshot data_;
};

// Extracts the subscription id from an ARM URL path ("/subscriptions/{id}/..."), lowercased;
// "" for tenant-level URLs (those share one bucket).
std::string SubscriptionOfUrl(std::string_view url);

class Throttler {
 public:
  explicit Throttler(ThrottleOptions options);

  // Blocks (via ctx.clock->SleepFor, once) until the token reserved for (subscription of url,
  // kind) is due. Returns false if cancelled while waiting. Counts waits in `metrics`.
  bool Acquire(std::string_view url, OperationKind kind, const Context& ctx, ArmMetrics* metrics);

  // Feeds x-ms-ratelimit-remaining-subscription-* from a response back into the bucket.
  void Observe(std::string_view url, OperationKind kind, const HttpHeaders& headers,
               const Context& ctx);

  // For tests: current token count of a bucket.
  double TokensFor(std::string_view subscription, OperationKind kind, Clock::TimePoint now);

 private:
  TokenBucket& BucketLocked(const std::string& subscription, OperationKind kind,
                            Clock::TimePoint now);
  ThrottleOptions options_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, TokenBucket> buckets_;
};

}  // namespace keyward::azure
