// A bounded, in-memory log of the ARM requests the emulator served, for tests that reason about
// *who* wrote *when* (the HA tests compute from it that two replicas' write windows on a stack
// never overlap): arrival and completion time, method, path, ARM operation, status, and the
// caller's User-Agent and x-ms-client-request-id (keyward names its replica in the User-Agent).
// Never bodies, headers beyond those two, or query strings.
//
// GET /_emulator/requests?since=SEQ returns the entries with seq >= SEQ (oldest first), the seq
// to ask from next time, and how many of the asked-for entries were already evicted ("dropped"),
// so a reader that polls can prove it saw everything. Capacity: --request-log-size (0 = off).
// /_emulator/reset clears it. Admin (/_emulator/...) requests are not logged.
#pragma once

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace keyward::emulator {

struct RequestLogEntry {
  long seq = 0;
  double start = 0;  // unix seconds (µs resolution): when the request arrived
  double end = 0;    // when the response was ready
  std::string method;
  std::string path;
  std::string operation_id;
  int status = 0;
  std::string user_agent;
  std::string client_request_id;
};

class RequestLog {
 public:
  explicit RequestLog(size_t capacity = 10'000) : capacity_(capacity) {}
  void set_capacity(size_t capacity);
  void Record(RequestLogEntry entry);  // assigns seq
  void Reset();
  nlohmann::json Since(long seq) const;

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  long next_seq_ = 1;
  std::deque<RequestLogEntry> entries_;
};

}  // namespace keyward::emulator
