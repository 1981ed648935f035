#include "engine/daemon_backoff.h"

#include <algorithm>

namespace keyward::engine {

std::chrono::milliseconds BackoffWait(std::chrono::milliseconds initial,
                                      std::chrono::milliseconds max, int failures) {
  const int shift = std::min(failures - 1, 20);  // 2^20 * any sane initial is past any max
  return std::min(max, std::chrono::milliseconds(initial.count() << shift));
}

std::set<std::string> BackoffTable::BackedOff(Clock::TimePoint now) const {
  std::set<std::string> addresses;
  for (const auto& [address, entry] : entries_)
    if (entry.retry_after > now) addresses.insert(address);
  return addresses;
}

void BackoffTable::Update(const std::set<std::string>& drifting,
                          const std::vector<ChangeResult>& changes,
                          const std::set<std::string>& backed_off, Clock::TimePoint now) {
  // Converged without us (fixed out of band, or the manifest changed): forget the failures.
  for (auto it = entries_.begin(); it != entries_.end();)
    it = drifting.count(it->first) ? std::next(it) : entries_.erase(it);

  for (const ChangeResult& change : changes) {
    if (backed_off.count(change.address)) continue;  // was not tried this loop
    if (change.outcome.status == ChangeStatus::kSucceeded) {
      entries_.erase(change.address);
    } else if (change.outcome.status == ChangeStatus::kFailed) {
      BackoffEntry& entry = entries_[change.address];
      ++entry.failures;
      entry.retry_after = now + BackoffWait(initial_, max_, entry.failures);
      entry.last_error = change.outcome.error.ToString();
    }
  }
}

}  // namespace keyward::engine
