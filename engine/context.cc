#include "engine/context.h"

#include <thread>

namespace keyward {

Clock::TimePoint SystemClock::Now() const { return std::chrono::system_clock::now(); }

bool SystemClock::SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) {
  // Sleep in small slices so SIGTERM and cancellation are noticed promptly.
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
    if (cancelled && cancelled->load()) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
  return !(cancelled && cancelled->load());
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

}  // namespace keyward
