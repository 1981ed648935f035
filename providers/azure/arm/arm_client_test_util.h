// Test doubles for the ARM client's unit tests: a fake clock and a scripted transport.
// Only pure pieces (retry, logging, throttling) are tested with these; the client itself is
// tested against the real emulator (arm_client_emulator_test.cc), per STYLE.md.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "engine/context.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure::testing {

// Starts at a fixed instant; moves only when advanced or slept on. Records every sleep.
class FakeClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::milliseconds(1'800'000'000'000LL + now_ms_.load()));
  }
  bool SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(duration);
    }
    now_ms_ += duration.count();
    return !(cancelled && cancelled->load());
  }
  void Advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  std::atomic<long long> now_ms_{0};
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

// Answers requests from a script; records what it was sent.
class ScriptedTransport : public HttpTransport {
 public:
  void Push(Result<HttpResponse> response) { script_.push_back(std::move(response)); }
  void PushStatus(int status, std::vector<std::pair<std::string, std::string>> headers = {},
                  std::string body = {}) {
    HttpResponse response;
    response.status = status;
    for (auto& [name, value] : headers) response.headers.Set(name, value);
    response.body = std::move(body);
    Push(std::move(response));
  }
  Result<HttpResponse> Send(const HttpRequest& request, const Context& ctx) override {
    sent_.push_back(request);
    if (script_.empty()) return MakeError(ErrorCode::kInternal, "script exhausted");
    auto next = std::move(script_.front());
    script_.pop_front();
    return next;
  }
  const std::vector<HttpRequest>& sent() const { return sent_; }

 private:
  std::deque<Result<HttpResponse>> script_;
  std::vector<HttpRequest> sent_;
};

}  // namespace keyward::azure::testing
