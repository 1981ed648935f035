#include "emulator/stats.h"

namespace keyward::emulator {

void Stats::Record(const std::string& operation_id, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++total_;
  ++operations_[operation_id];
  ++statuses_[status];
  ++operation_statuses_[operation_id][status];
}

void Stats::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  total_ = 0;
  operations_.clear();
  statuses_.clear();
  operation_statuses_.clear();
}

nlohmann::json Stats::ToJson() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = {{"total", total_},
                        {"operations", nlohmann::json::object()},
                        {"statusCodes", nlohmann::json::object()},
                        {"operationStatusCodes", nlohmann::json::object()}};
  for (const auto& [op, n] : operations_) out["operations"][op] = n;
  for (const auto& [status, n] : statuses_) out["statusCodes"][std::to_string(status)] = n;
  for (const auto& [op, by_status] : operation_statuses_) {
    for (const auto& [status, n] : by_status) {
      out["operationStatusCodes"][op][std::to_string(status)] = n;
    }
  }
  return out;
}

}  // namespace keyward::emulator
