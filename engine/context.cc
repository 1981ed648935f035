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

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace keyward
