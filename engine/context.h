// Time, cancellation and deadlines are injected (Envoy's TimeSource, azure-core's Context), so
// engine logic never reads the real clock and tests stay deterministic.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "engine/write_guard.h"

namespace keyward {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Sleeps up to `duration`; returns early (false) when `cancelled` becomes true.
  virtual bool SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) = 0;
};

// The real clock. Only main() and tests that need real time create it. SleepFor waits on a
// condition variable until the deadline; WakeSleepers() (called by Context::Cancel) ends every
// wait at once. A flag set without Cancel (a signal handler) is noticed within 100 ms.
class SystemClock : public Clock {
 public:
  TimePoint Now() const override;
  bool SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) override;
  static void WakeSleepers();
  static SystemClock& Instance();
};

// Passed as the last parameter of every effectful call.
struct Context {
  Clock* clock = &SystemClock::Instance();
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  // When the work this context is for must be over (on `clock`); none = unbounded. Effectful
  // calls stop waiting at the deadline (kDeadlineExceeded) instead of blocking past it.
  std::optional<Clock::TimePoint> deadline;
  // The same context with a deadline `timeout` from now, or the current one if that is sooner:
  // a nested call can shorten its caller's deadline, never extend it.
  Context WithTimeout(std::chrono::milliseconds timeout) const;
  // Time left before the deadline (never negative); nullopt without a deadline.
  std::optional<std::chrono::milliseconds> Remaining() const;
  bool DeadlinePassed() const { return deadline && clock->Now() >= *deadline; }

  // The stack lease that fences ARM writes made under this context (engine/write_guard.h); null
  // when writes are not fenced (plan, or the local lock that cannot lapse while the process lives).
  std::shared_ptr<const WriteGuard> write_guard;

  bool IsCancelled() const { return cancelled && cancelled->load(); }
  // Sets the flag and wakes every SystemClock sleeper, so waits end now rather than at their
  // deadline. Not async-signal-safe: a signal handler only stores the flag.
  void Cancel() const;
  // nullopt when a write may go out now.
  std::optional<Error> CheckWrite() const {
    return write_guard ? write_guard->CheckWrite() : std::nullopt;
  }
};

}  // namespace keyward
