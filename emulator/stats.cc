#include "emulator/stats.h"

namespace keyward::emulator {

void Stats::Record(const std::string& operation_id, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++total_;
  ++operations_[operation_id];
  ++statuses_[status];
  ++operation_statuses_[operation_id][status];
}

void Stats::RecordThrottled(const std::string& operation_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++throttled_;
  ++throttled_operations_[operation_id];
}

void Stats::RecordFault(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++faults_;
  ++fault_kinds_[kind];
}

void Stats::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  throttled_ = 0;
  throttled_operations_.clear();
  faults_ = 0;
  fault_kinds_.clear();
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
  out["throttled"] = {{"total", throttled_}, {"operations", nlohmann::json::object()}};
  for (const auto& [op, n] : throttled_operations_) out["throttled"]["operations"][op] = n;
  out["faults"] = {{"total", faults_}};
  for (const auto& [kind, n] : fault_kinds_) out["faults"][kind] = n;
  return out;
}

}  // namespace keyward::emulator
