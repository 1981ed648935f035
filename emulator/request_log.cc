#include "emulator/request_log.h"

#include <algorithm>

namespace keyward::emulator {

void RequestLog::set_capacity(size_t capacity) {
  std::lock_guard lock(mu_);
  capacity_ = capacity;
  while (entries_.size() > capacity_) entries_.pop_front();
}

void RequestLog::Record(RequestLogEntry entry) {
  std::lock_guard lock(mu_);
  if (capacity_ == 0) return;
  entry.seq = next_seq_++;
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_front();
}

void RequestLog::Reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
  next_seq_ = 1;
}

nlohmann::json RequestLog::Since(long seq) const {
  std::lock_guard lock(mu_);
  seq = std::max(seq, 1L);
  const long oldest = entries_.empty() ? next_seq_ : entries_.front().seq;
  nlohmann::json requests = nlohmann::json::array();
  for (const RequestLogEntry& e : entries_) {
    if (e.seq < seq) continue;
    requests.push_back({{"seq", e.seq},
                        {"start", e.start},
                        {"end", e.end},
                        {"method", e.method},
                        {"path", e.path},
                        {"operation", e.operation_id},
                        {"status", e.status},
                        {"userAgent", e.user_agent},
                        {"clientRequestId", e.client_request_id}});
  }
  return {{"requests", std::move(requests)},
          {"next", next_seq_},
          {"dropped", std::max(0L, std::min(oldest, next_seq_) - seq)},
          {"capacity", capacity_}};
}

}  // namespace keyward::emulator
