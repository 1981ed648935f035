// Fault injection for the emulator: injected 4xx/5xx answers, dropped connections, added latency
// and failed long-running operations, reproducible from a seed.
//
// Spec (JSON, `PUT /_emulator/faults`, or `--faults` with a JSON object):
//   {"seed": 42, "rules": [
//     {"match": {"method": "PUT", "operation": "Vaults_CreateOrUpdate", "path": "regex"},
//      "status": 503, "rate": 0.2, "limit": 3},
//     {"status": 429, "retryAfter": 2, "rate": 0.1},
//     {"reset": true, "rate": 0.05},
//     {"latencyMs": 200, "rate": 1.0},
//     {"lroFail": true, "rate": 0.5, "match": {"operation": "Vaults_PurgeDeleted"}},
//     {"status": 400, "message": "The value 'x' is invalid", "match": {"method": "PUT"}}]}
// Every rule has exactly one action (status | reset | latencyMs | lroFail), an optional match (all
// given fields must match: method exact, operation = ARM operationId, case-insensitive, path = an
// ECMAScript regex searched in the request path), rate in [0,1] (default 1) and an optional limit
// (fire at most N times). Flag form, same meaning, items separated by ';':
//   seed=42;503@0.2,op=Vaults_CreateOrUpdate,method=PUT,limit=3;reset@0.05;latency=200ms;
//   429@0.1,retry-after=2;lro-fail@0.5,op=Vaults_PurgeDeleted;path=REGEX is also accepted.
//
// Determinism: each rule owns a PRNG seeded from (seed, rule index); a rule draws one number for
// each request it matches, in the order requests are evaluated (under a mutex). The same seed and
// the same request sequence therefore give the same faults; concurrent clients change the order.
// lroFail rules draw when an operation starts an LRO (not for every matching request).
//
// Faults apply only to authenticated ARM routes (never to the token endpoints or /_emulator/),
// after authentication and throttling and before the handler, so a faulted request has no effect.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "emulator/router.h"
#include "emulator/stats.h"

namespace keyward::emulator {

class Server;

enum class FaultAction { kStatus, kReset, kLatency, kLroFail };

struct FaultRule {
  std::string method;     // empty = any
  std::string operation;  // empty = any (ARM operationId, or for lroFail also the LRO kind)
  std::string path;       // empty = any; regex source
  FaultAction action = FaultAction::kStatus;
  int status = 503;
  int retry_after_seconds = 1;  // for 429 (and sent on 503 too, like ARM)
  std::string message;          // error.message of the answer; empty = the status's usual one
  int latency_ms = 0;
  double rate = 1.0;
  long limit = -1;  // -1 = unlimited
};

struct FaultSpec {
  uint64_t seed = 0;
  std::vector<FaultRule> rules;
  nlohmann::json ToJson() const;
};

std::optional<FaultSpec> ParseFaultSpecJson(const nlohmann::json& json, std::string* error);
// The --faults flag: a JSON object, or the ';'-separated flag form above.
std::optional<FaultSpec> ParseFaultSpecFlag(const std::string& text, std::string* error);

class Faults {
 public:
  explicit Faults(Stats* stats) : stats_(stats) {}

  void Set(FaultSpec spec);  // also restarts every rule's PRNG and counters
  void Clear() { Set({}); }
  nlohmann::json ToJson() const;  // the spec plus per-rule fired counts

  struct Outcome {
    int latency_ms = 0;
    bool reset = false;
    std::optional<Reply> reply;  // an injected error answer
  };
  // Decides the faults for one ARM request (draws from the matching rules' PRNGs).
  Outcome Evaluate(const RequestContext& request);
  // Called when `request` starts an LRO of `kind`: should that operation end Failed?
  bool ShouldFailLro(const RequestContext& request, const std::string& kind);

 private:
  struct RuleState {
    FaultRule rule;
    std::regex path;
    std::mt19937_64 rng;
    long fired = 0;
  };
  bool Matches(const RuleState& state, const RequestContext& request,
               const std::string& kind) const;
  bool Draw(RuleState& state);

  Stats* stats_;
  mutable std::mutex mutex_;
  uint64_t seed_ = 0;
  std::vector<RuleState> rules_;
};

// Header a reply carries (internally, stripped before sending) to make the HTTP layer drop the
// connection without answering.
inline constexpr char kResetConnectionHeader[] = "X-Keyward-Internal-Reset";

// Interceptor (status / reset / latency), the Operations hook for lroFail, and the admin routes
// PUT/GET/DELETE /_emulator/faults.
void InstallFaults(Server& server, Faults& faults);

}  // namespace keyward::emulator
