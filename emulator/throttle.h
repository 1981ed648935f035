// ARM request throttling (ARM-NOTES §3): token buckets per (subscription, principal, operation
// type) with ARM's post-2024 numbers, plus the global per-subscription bucket (15x, shared by all
// principals) and tenant-scope buckets for URLs outside /subscriptions/ (e.g.
// /providers/Microsoft.KeyVault/operations).
//
// Operation type follows the HTTP method the way ARM counts: GET/HEAD = read, PUT/PATCH/POST =
// write (POST actions such as deletedVaults/purge are writes in ARM's accounting), DELETE =
// delete.
//
// The bucket math is pure: every call takes `now` (seconds) explicitly. The server passes the
// request time, which comes from ServerOptions::now, so tests can drive it with a fake clock. A
// throttled request consumes nothing and is not processed; it is told how long until one token is
// available in every bucket that is empty.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace keyward::emulator {

class Server;

enum class OpType { kRead, kWrite, kDelete };

OpType OpTypeForMethod(const std::string& method);
// "reads" / "writes" / "deletes" (the header suffix).
const char* OpTypePlural(OpType type);

struct BucketLimits {
  double capacity = 0;
  double refill_per_second = 0;
};

// One token bucket. Starts full; refills continuously up to capacity.
class TokenBucket {
 public:
  explicit TokenBucket(BucketLimits limits = {}, double now = 0);
  // Tokens available at `now` (fractional).
  double Available(double now) const;
  // Seconds until at least one whole token is available (0 if one is available now).
  double SecondsUntilToken(double now) const;
  // Removes one token; the caller has checked Available(now) >= 1.
  void Take(double now);

 private:
  void Refill(double now);
  BucketLimits limits_;
  double tokens_;
  double last_;
};

struct ThrottleDecision {
  bool allowed = true;
  long remaining = 0;           // whole tokens left in the principal bucket after this request
  int retry_after_seconds = 0;  // when !allowed
  bool tenant_scope = false;
  OpType type = OpType::kRead;
};

class Throttler {
 public:
  // scale multiplies refill rates (tests use large values to make refill observable quickly).
  explicit Throttler(bool enabled = true, double scale = 1.0);

  // ARM's per-principal limits for one op type (§3.1); the global bucket is 15x these.
  static BucketLimits PrincipalLimits(OpType type);
  static constexpr double kGlobalMultiplier = 15;

  // Admits or throttles one request. `scope` is the subscription id, or the tenant id when
  // tenant_scope is true. Consumes one token from the principal and (subscription scope) global
  // buckets when allowed.
  ThrottleDecision Admit(const std::string& scope, bool tenant_scope, const std::string& principal,
                         OpType type, double now);

  // Whole tokens left in the principal bucket at `now`, without consuming (for the headers).
  long Remaining(const std::string& scope, bool tenant_scope, const std::string& principal,
                 OpType type, double now);

  bool enabled() const;
  double scale() const;
  void Configure(bool enabled, double scale);
  // Refills every bucket (drops them; new buckets start full).
  void Reset();

 private:
  TokenBucket& Bucket(const std::string& key, BucketLimits limits, double now);

  mutable std::mutex mutex_;
  bool enabled_;
  double scale_;
  std::map<std::string, TokenBucket> buckets_;
};

// Wires the throttler into the server: an interceptor that answers 429 and a decorator that adds
// x-ms-ratelimit-remaining-{subscription|tenant}-{reads|writes|deletes} to every ARM response.
// Only authenticated ARM routes are counted (not the token endpoints or /_emulator/).
void InstallThrottling(Server& server, Throttler& throttler);

}  // namespace keyward::emulator
