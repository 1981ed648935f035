// Request counters for /_emulator/stats: per ARM operationId and per HTTP status. In memory only
// (a restart starts from zero); /_emulator/reset clears them too.
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace keyward::emulator {

class Stats {
 public:
  void Record(const std::string& operation_id, int status);
  // A request answered 429 by the throttler (it is also Record()ed with its status).
  void RecordThrottled(const std::string& operation_id);
  // An injected fault, by kind: "429", "500", "503", "reset", "latency", "lroFail".
  void RecordFault(const std::string& kind);
  void Reset();
  // {"total":N,"operations":{"Vaults_Get":3},"statusCodes":{"200":3},
  //  "operationStatusCodes":{"Vaults_Get":{"200":2,"404":1}},
  //  "throttled":{"total":N,"operations":{"Vaults_Get":N}},"faults":{"total":N,"503":N,...}}
  nlohmann::json ToJson() const;

 private:
  mutable std::mutex mutex_;
  long total_ = 0;
  std::map<std::string, long> operations_;
  std::map<int, long> statuses_;
  std::map<std::string, std::map<int, long>> operation_statuses_;
  long throttled_ = 0;
  std::map<std::string, long> throttled_operations_;
  long faults_ = 0;
  std::map<std::string, long> fault_kinds_;
};

}  // namespace keyward::emulator
