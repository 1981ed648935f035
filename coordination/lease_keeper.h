// Keeps one lease alive and answers the fencing question "may I still write?" (docs/ha.md).
//
// A background thread renews the lease every ttl/3. The lease is considered held while
//   now < last_ok + ttl - margin      (monotonic clock; margin = ttl/5)
// where last_ok is the time a renewal that the server acknowledged was *sent* (the server's own
// countdown restarted no earlier than that, so this never overestimates what is left), and while
// the latest renewal round did not fail. A failed round (every endpoint refused or timed out)
// stops writes at once, so that when the lock service goes away writers stop within one renewal
// period rather than at the end of the TTL; a later successful renewal, sent while the lease was
// still valid, resumes them. Passing the deadline, or the server saying the lease is gone, is
// final: the lease is lost for good and the holder must acquire again.
//
// The check runs on the caller's thread from the monotonic clock, not from a flag the renewal
// thread sets, so a process that was paused (SIGSTOP, a stall) sees its lease lapsed the moment
// it runs again, whichever of its threads runs first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/result.h"
#include "engine/write_guard.h"

namespace keyward::coordination {

using SteadyTime = std::chrono::steady_clock::time_point;
using MonotonicClock = std::function<SteadyTime()>;
MonotonicClock RealMonotonicClock();

struct LeaseTiming {
  std::chrono::milliseconds ttl{15'000};
  std::chrono::milliseconds renew_every{5'000};  // ttl / 3
  std::chrono::milliseconds margin{3'000};       // ttl / 5

  static LeaseTiming ForTtl(std::chrono::milliseconds ttl);
};

// One renewal. OK: the server extended the lease. kNotFound: the lease no longer exists (expired,
// revoked, broken): lost for good. Any other error: this round failed (network, server down).
using RenewFn = std::function<Status()>;

class LeaseKeeper : public WriteGuard {
 public:
  // `what` names the lease in messages ("etcd lease 694d... for stack 'payments'").
  // `granted_sent_at`: when the request that created / acquired the lease was sent.
  LeaseKeeper(std::string what, LeaseTiming timing, RenewFn renew, MonotonicClock clock,
              SteadyTime granted_sent_at);
  ~LeaseKeeper() override;
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Starts the renewal thread (renews every timing.renew_every until Stop or lost).
  void Start();
  // Stops the thread; the lease is not released (that is the backend's job).
  void Stop();
  // The holder gave the lease up (or is about to): from now on CheckWrite refuses, for good.
  void MarkLost(const std::string& why);
  // One renewal round now (the thread's body; tests drive it directly).
  void RenewOnce();

  std::optional<Error> CheckWrite() const override;
  bool StillHeld() const { return !CheckWrite().has_value(); }
  // True once lost for good (deadline passed or the lease is gone); a failed round is not.
  bool LostForGood() const;
  // Time left before the deadline (zero when lost).
  std::chrono::milliseconds Remaining() const;
  const LeaseTiming& timing() const { return timing_; }

 private:
  std::optional<Error> CheckLocked(SteadyTime now) const;

  const std::string what_;
  const LeaseTiming timing_;
  RenewFn renew_;
  MonotonicClock clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  SteadyTime last_ok_sent_;
  std::string round_failed_;           // non-empty: the latest round failed, with why
  mutable std::optional<Error> lost_;  // sticky
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace keyward::coordination
