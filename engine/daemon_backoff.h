// The daemon's per-resource backoff (engine/daemon.h): an address whose change failed is not
// written again until initial * 2^(failures-1) (capped at max) has passed; it stays planned and
// reported meanwhile. The first loop in which it does not fail clears it: its write succeeded, or
// it no longer drifts (fixed out of band, or the manifest changed).
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/apply.h"
#include "engine/context.h"

namespace keyward::engine {

struct BackoffEntry {
  int failures = 0;
  Clock::TimePoint retry_after;
  std::string last_error;
};

// The wait after `failures` consecutive failures: initial * 2^(failures-1), at most `max`.
std::chrono::milliseconds BackoffWait(std::chrono::milliseconds initial,
                                      std::chrono::milliseconds max, int failures);

// Not thread-safe: the Daemon guards it with its own mutex.
class BackoffTable {
 public:
  BackoffTable(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max) {}

  // The addresses a pass starting at `now` must not write.
  std::set<std::string> BackedOff(Clock::TimePoint now) const;
  // After a pass: `drifting` is every address the pass still saw differ, `changes` what apply
  // did, `backed_off` what the pass was told not to write (those were not tried).
  void Update(const std::set<std::string>& drifting, const std::vector<ChangeResult>& changes,
              const std::set<std::string>& backed_off, Clock::TimePoint now);

  const std::map<std::string, BackoffEntry>& entries() const { return entries_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::map<std::string, BackoffEntry> entries_;
};

}  // namespace keyward::engine
