#include "engine/context.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace keyward {
namespace {

// A signal handler may set a cancellation flag but cannot notify a condition variable, so a
// sleeper also looks at its flag this often. Context::Cancel() wakes every sleeper at once.
constexpr std::chrono::milliseconds kCancelPoll{100};

struct Sleepers {
  std::mutex mu;
  std::condition_variable cv;
};

Sleepers& AllSleepers() {
  static Sleepers sleepers;
  return sleepers;
}

}  // namespace

Clock::TimePoint SystemClock::Now() const { return std::chrono::system_clock::now(); }

bool SystemClock::SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) {
  // Sleeps to the deadline itself (a monotonic one), never in rounded-down slices that end in a
  // busy loop of zero-length sleeps.
  const auto deadline = std::chrono::steady_clock::now() + duration;
  Sleepers& sleepers = AllSleepers();
  std::unique_lock lock(sleepers.mu);
  while (true) {
    if (cancelled && cancelled->load()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    sleepers.cv.wait_until(lock, std::min(deadline, now + kCancelPoll));
  }
}

void SystemClock::WakeSleepers() {
  Sleepers& sleepers = AllSleepers();
  // Taking the lock orders the wake-up after a sleeper's flag check, so none misses it.
  { std::lock_guard lock(sleepers.mu); }
  sleepers.cv.notify_all();
}

Context Context::WithTimeout(std::chrono::milliseconds timeout) const {
  Context out = *this;
  // Saturate rather than overflow: a configured timeout of years means "no deadline".
  const auto now = clock->Now();
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::TimePoint::max() - now);
  const Clock::TimePoint candidate = timeout >= room ? Clock::TimePoint::max() : now + timeout;
  if (!out.deadline || candidate < *out.deadline) out.deadline = candidate;
  return out;
}

std::optional<std::chrono::milliseconds> Context::Remaining() const {
  if (!deadline) return std::nullopt;
  const auto now = clock->Now();
  if (now >= *deadline) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now);
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

void Context::Cancel() const {
  if (!cancelled) return;
  cancelled->store(true);
  SystemClock::WakeSleepers();
}

}  // namespace keyward
