#include "emulator/faults.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "emulator/operations.h"
#include "emulator/server.h"
#include "emulator/util.h"

namespace keyward::emulator {
namespace {

// The request being handled on this thread, so that Operations::Begin (which does not see the
// request) can ask whether the LRO it starts should fail. Set by the interceptor, cleared by the
// decorator; Dispatch runs both and the handler on one thread. Constant-initialised, so no static
// initializer runs.
thread_local const RequestContext* t_current_request = nullptr;

bool ParseRate(const std::string& text, double* rate) {
  try {
    size_t used = 0;
    *rate = std::stod(text, &used);
    return used == text.size() && *rate >= 0 && *rate <= 1;
  } catch (...) {
    return false;
  }
}

bool ParseInt(const std::string& text, long* value) {
  try {
    size_t used = 0;
    *value = std::stol(text, &used);
    return used == text.size();
  } catch (...) {
    return false;
  }
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = text.find(sep, start);
    std::string part = text.substr(start, at == std::string::npos ? std::string::npos : at - start);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

bool ValidateRule(const FaultRule& rule, std::string* error) {
  if (rule.action == FaultAction::kStatus && (rule.status < 400 || rule.status > 599)) {
    *error = "fault status must be 4xx or 5xx, got " + std::to_string(rule.status);
    return false;
  }
  if (rule.rate < 0 || rule.rate > 1) {
    *error = "fault rate must be in [0, 1]";
    return false;
  }
  if (rule.action == FaultAction::kLatency && (rule.latency_ms < 0 || rule.latency_ms > 600000)) {
    *error = "latencyMs must be in [0, 600000]";
    return false;
  }
  if (!rule.path.empty()) {
    try {
      std::regex re(rule.path);
    } catch (const std::regex_error& e) {
      *error = "invalid path regex '" + rule.path + "': " + e.what();
      return false;
    }
  }
  return true;
}

Reply FaultReply(const FaultRule& rule) {
  std::string code = "InjectedFault";
  std::string message = "keyward-arm-emulator injected this fault (see /_emulator/faults).";
  std::vector<std::pair<std::string, std::string>> headers;
  switch (rule.status) {
    case 429:
      code = "SubscriptionRequestsThrottled";
      message =
          "Too many requests (fault injected by keyward-arm-emulator). Please try again after '" +
          std::to_string(rule.retry_after_seconds) + "' seconds.";
      headers.emplace_back("Retry-After", std::to_string(rule.retry_after_seconds));
      break;
    case 500:
      code = "InternalServerError";
      message = "The server encountered an internal error. Please retry the request.";
      break;
    case 502:
      code = "BadGateway";
      message = "The gateway did not receive a response from the resource provider.";
      break;
    case 503:
      code = "ServiceUnavailable";
      message = "The server is currently unable to handle the request. Please retry the request.";
      headers.emplace_back("Retry-After", std::to_string(rule.retry_after_seconds));
      break;
    case 504:
      code = "GatewayTimeout";
      message = "The gateway did not receive a response within the specified time period.";
      break;
    default:
      break;
  }
  if (!rule.message.empty()) message = rule.message;
  headers.emplace_back("x-ms-keyward-fault", std::to_string(rule.status));
  return Reply::Error({rule.status, code, message, headers});
}

}  // namespace

nlohmann::json FaultSpec::ToJson() const {
  nlohmann::json rules_json = nlohmann::json::array();
  for (const auto& rule : rules) {
    nlohmann::json r;
    nlohmann::json match = nlohmann::json::object();
    if (!rule.method.empty()) match["method"] = rule.method;
    if (!rule.operation.empty()) match["operation"] = rule.operation;
    if (!rule.path.empty()) match["path"] = rule.path;
    if (!match.empty()) r["match"] = match;
    switch (rule.action) {
      case FaultAction::kStatus:
        r["status"] = rule.status;
        if (rule.status == 429 || rule.status == 503) r["retryAfter"] = rule.retry_after_seconds;
        if (!rule.message.empty()) r["message"] = rule.message;
        break;
      case FaultAction::kReset:
        r["reset"] = true;
        break;
      case FaultAction::kLatency:
        r["latencyMs"] = rule.latency_ms;
        break;
      case FaultAction::kLroFail:
        r["lroFail"] = true;
        break;
    }
    r["rate"] = rule.rate;
    if (rule.limit >= 0) r["limit"] = rule.limit;
    rules_json.push_back(r);
  }
  return {{"seed", seed}, {"rules", rules_json}};
}

namespace {

// The two spec forms (JSON, flag) share these: the match fields and how a parsed rule joins the
// spec, so both report the same problems the same way.

// Sets a match field (method, operation, path); false when `key` is not one.
bool SetMatchField(const std::string& key, const std::string& value, FaultRule* rule) {
  if (key == "method") {
    rule->method = value;
    for (char& c : rule->method) c = static_cast<char>(std::toupper(c));
  } else if (key == "operation") {
    rule->operation = value;
  } else if (key == "path") {
    rule->path = value;
  } else {
    return false;
  }
  return true;
}

// Validates `rule` and appends it; `where` prefixes the error (which rule or item it was).
bool AddRule(const FaultRule& rule, const std::string& where, FaultSpec* spec, std::string* error) {
  if (!ValidateRule(rule, error)) {
    *error = where + *error;
    return false;
  }
  spec->rules.push_back(rule);
  return true;
}

// An action field of a JSON rule (status, reset, latencyMs, lroFail); false when `key` is not
// one. Throws with the message to report. The switches (reset, lroFail) only take true.
bool ApplyJsonAction(const std::string& key, const nlohmann::json& value, FaultRule* rule) {
  if ((key == "reset" || key == "lroFail") && !value.get<bool>()) {
    throw std::runtime_error(key + " must be true");
  }
  if (key == "status") {
    rule->action = FaultAction::kStatus;
    rule->status = value.get<int>();
  } else if (key == "reset") {
    rule->action = FaultAction::kReset;
  } else if (key == "latencyMs") {
    rule->action = FaultAction::kLatency;
    rule->latency_ms = value.get<int>();
  } else if (key == "lroFail") {
    rule->action = FaultAction::kLroFail;
  } else {
    return false;
  }
  return true;
}

// One field of a JSON rule; throws with the message to report. Counts the action fields.
void ApplyJsonRuleField(const std::string& key, const nlohmann::json& value, FaultRule* rule,
                        int* actions) {
  if (ApplyJsonAction(key, value, rule)) {
    ++*actions;
  } else if (key == "match") {
    if (!value.is_object()) throw std::runtime_error("match must be an object");
    for (const auto& [mk, mv] : value.items()) {
      if (mk != "method" && mk != "operation" && mk != "path") {
        throw std::runtime_error("unknown match field '" + mk + "'");
      }
      SetMatchField(mk, mv.get<std::string>(), rule);
    }
  } else if (key == "rate") {
    rule->rate = value.get<double>();
  } else if (key == "limit") {
    rule->limit = value.get<long>();
  } else if (key == "retryAfter") {
    rule->retry_after_seconds = value.get<int>();
  } else if (key == "message") {
    rule->message = value.get<std::string>();
  } else {
    throw std::runtime_error("unknown field '" + key + "'");
  }
}

// One element of "rules"; nlohmann's type errors become the rule's error.
std::optional<FaultRule> ParseJsonRule(const nlohmann::json& r, std::string* error) {
  if (!r.is_object()) {
    *error = "must be an object";
    return std::nullopt;
  }
  FaultRule rule;
  int actions = 0;
  try {
    for (const auto& [key, value] : r.items()) ApplyJsonRuleField(key, value, &rule, &actions);
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
  if (actions != 1) {
    *error = "needs exactly one of status, reset, latencyMs, lroFail";
    return std::nullopt;
  }
  return rule;
}

// The top level: only seed and rules, seed an integer.
bool ParseJsonSeed(const nlohmann::json& json, FaultSpec* spec, std::string* error) {
  for (const auto& [key, value] : json.items()) {
    if (key != "seed" && key != "rules") {
      *error = "unknown fault spec field '" + key + "'";
      return false;
    }
  }
  if (!json.contains("seed")) return true;
  if (!json["seed"].is_number_integer()) {
    *error = "seed must be an integer";
    return false;
  }
  spec->seed = json["seed"].get<uint64_t>();
  return true;
}

// The flag item's head, ACTION[@RATE] with ACTION = 4xx/5xx | reset | lro-fail | latency=200ms.
bool ParseFlagHead(const std::string& head, FaultRule* rule, std::string* error) {
  size_t at = head.find('@');
  std::string action = head.substr(0, at);
  if (at != std::string::npos && !ParseRate(head.substr(at + 1), &rule->rate)) {
    *error = "rate must be a number in [0, 1]";
    return false;
  }
  long number = 0;
  if (action == "reset") {
    rule->action = FaultAction::kReset;
  } else if (action == "lro-fail" || action == "lroFail") {
    rule->action = FaultAction::kLroFail;
  } else if (action.rfind("latency=", 0) == 0) {
    std::string ms = action.substr(8);
    if (ms.size() > 2 && ms.compare(ms.size() - 2, 2, "ms") == 0) ms.resize(ms.size() - 2);
    if (!ParseInt(ms, &number)) {
      *error = "latency must look like latency=200ms";
      return false;
    }
    rule->action = FaultAction::kLatency;
    rule->latency_ms = static_cast<int>(number);
  } else if (ParseInt(action, &number)) {
    rule->action = FaultAction::kStatus;
    rule->status = static_cast<int>(number);
  } else {
    *error = "unknown action '" + action + "' (STATUS, reset, latency=Nms, lro-fail)";
    return false;
  }
  return true;
}

// One KEY=VALUE option after the head; false when unknown or unparsable.
bool ApplyFlagOption(const std::string& option, FaultRule* rule) {
  size_t eq = option.find('=');
  std::string key = option.substr(0, eq);
  std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
  long number = 0;
  if (key == "op") key = "operation";
  if (SetMatchField(key, value, rule)) return true;
  if (key == "limit" && ParseInt(value, &number)) {
    rule->limit = number;
  } else if ((key == "retry-after" || key == "retryAfter") && ParseInt(value, &number)) {
    rule->retry_after_seconds = static_cast<int>(number);
  } else {
    return false;
  }
  return true;
}

// One ';'-separated flag item that is not seed=: the head, then ','-separated options.
std::optional<FaultRule> ParseFlagRule(const std::string& item, std::string* error) {
  std::vector<std::string> parts = Split(item, ',');
  FaultRule rule;
  if (!ParseFlagHead(parts[0], &rule, error)) return std::nullopt;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!ApplyFlagOption(parts[i], &rule)) {
      *error = "unknown or invalid option '" + parts[i] + "'";
      return std::nullopt;
    }
  }
  return rule;
}

}  // namespace

std::optional<FaultSpec> ParseFaultSpecJson(const nlohmann::json& json, std::string* error) {
  if (!json.is_object()) {
    *error = "fault spec must be a JSON object {\"seed\": N, \"rules\": [...]}";
    return std::nullopt;
  }
  FaultSpec spec;
  if (!ParseJsonSeed(json, &spec, error)) return std::nullopt;
  if (!json.contains("rules")) return spec;
  if (!json["rules"].is_array()) {
    *error = "rules must be an array";
    return std::nullopt;
  }
  int index = 0;
  for (const auto& r : json["rules"]) {
    std::string where = "rules[" + std::to_string(index++) + "]: ";
    auto rule = ParseJsonRule(r, error);
    if (!rule) *error = where + *error;
    if (!rule || !AddRule(*rule, where, &spec, error)) return std::nullopt;
  }
  return spec;
}

std::optional<FaultSpec> ParseFaultSpecFlag(const std::string& text, std::string* error) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.erase(0, 1);
  if (!trimmed.empty() && trimmed.front() == '{') {
    nlohmann::json json = nlohmann::json::parse(trimmed, nullptr, false);
    if (json.is_discarded()) {
      *error = "--faults: invalid JSON";
      return std::nullopt;
    }
    return ParseFaultSpecJson(json, error);
  }
  FaultSpec spec;
  for (const std::string& item : Split(trimmed, ';')) {
    std::string where = "--faults item '" + item + "': ";
    if (item.rfind("seed=", 0) == 0) {
      long seed = 0;
      if (!ParseInt(item.substr(5), &seed) || seed < 0) {
        *error = where + "seed must be a non-negative integer";
        return std::nullopt;
      }
      spec.seed = static_cast<uint64_t>(seed);
      continue;
    }
    auto rule = ParseFlagRule(item, error);
    if (!rule) *error = where + *error;
    if (!rule || !AddRule(*rule, where, &spec, error)) return std::nullopt;
  }
  return spec;
}

void Faults::Set(FaultSpec spec) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = spec.seed;
  rules_.clear();
  for (size_t i = 0; i < spec.rules.size(); ++i) {
    RuleState state;
    state.rule = spec.rules[i];
    if (!state.rule.path.empty()) state.path = std::regex(state.rule.path);
    // Independent, reproducible stream per rule (splitmix-style spread of the index).
    state.rng.seed(spec.seed ^ ((i + 1) * 0x9E3779B97F4A7C15ULL));
    rules_.push_back(std::move(state));
  }
}

nlohmann::json Faults::ToJson() const {
  std::lock_guard<std::mutex> lock(mutex_);
  FaultSpec spec;
  spec.seed = seed_;
  for (const auto& state : rules_) spec.rules.push_back(state.rule);
  nlohmann::json out = spec.ToJson();
  for (size_t i = 0; i < rules_.size(); ++i) out["rules"][i]["fired"] = rules_[i].fired;
  return out;
}

bool Faults::Matches(const RuleState& state, const RequestContext& request,
                     const std::string& kind) const {
  const FaultRule& rule = state.rule;
  if (!rule.method.empty() && !EqualsIgnoreCase(rule.method, request.method)) return false;
  if (!rule.operation.empty() && !EqualsIgnoreCase(rule.operation, request.operation_id) &&
      !(!kind.empty() && EqualsIgnoreCase(rule.operation, kind))) {
    return false;
  }
  if (!rule.path.empty() && !std::regex_search(request.path, state.path)) return false;
  return true;
}

bool Faults::Draw(RuleState& state) {
  // Top 53 bits -> [0,1): the same on every platform (std distributions are not specified to be).
  double u = static_cast<double>(state.rng() >> 11) * (1.0 / 9007199254740992.0);
  if (state.rule.limit >= 0 && state.fired >= state.rule.limit) return false;
  if (u >= state.rule.rate) return false;
  ++state.fired;
  return true;
}

Faults::Outcome Faults::Evaluate(const RequestContext& request) {
  Outcome outcome;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& state : rules_) {
    if (state.rule.action == FaultAction::kLroFail) continue;
    if (!Matches(state, request, "")) continue;
    if (!Draw(state)) continue;
    switch (state.rule.action) {
      case FaultAction::kLatency:
        outcome.latency_ms += state.rule.latency_ms;
        if (stats_) stats_->RecordFault("latency");
        break;
      case FaultAction::kReset:
        outcome.reset = true;
        if (stats_) stats_->RecordFault("reset");
        return outcome;  // the first terminal fault wins; later rules do not draw
      case FaultAction::kStatus:
        outcome.reply = FaultReply(state.rule);
        if (stats_) stats_->RecordFault(std::to_string(state.rule.status));
        return outcome;
      case FaultAction::kLroFail:
        break;
    }
  }
  return outcome;
}

bool Faults::ShouldFailLro(const RequestContext& request, const std::string& kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& state : rules_) {
    if (state.rule.action != FaultAction::kLroFail) continue;
    if (!Matches(state, request, kind)) continue;
    if (Draw(state)) {
      if (stats_) stats_->RecordFault("lroFail");
      return true;
    }
  }
  return false;
}

void InstallFaults(Server& server, Faults& faults) {
  server.AddInterceptor(
      [&faults](RequestContext& request, const Route& route) -> std::optional<Reply> {
        if (!route.requires_auth) return std::nullopt;
        t_current_request = &request;
        Faults::Outcome outcome = faults.Evaluate(request);
        if (outcome.latency_ms > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(outcome.latency_ms));
        }
        if (outcome.reset) {
          spdlog::info("fault: dropping the connection for {} {}", request.method, request.path);
          return Reply::Empty(500).WithHeader(kResetConnectionHeader, "1");
        }
        if (outcome.reply) {
          spdlog::info("fault: {} for {} {}", outcome.reply->status, request.method, request.path);
        }
        return outcome.reply;
      });
  server.AddDecorator(
      [](const RequestContext&, const Route*, Reply&) { t_current_request = nullptr; });
  server.operations().SetFailurePolicy(
      [&faults](const std::string& kind) -> std::optional<ArmError> {
        const RequestContext* request = t_current_request;
        if (request == nullptr || !faults.ShouldFailLro(*request, kind)) return std::nullopt;
        return ArmError{500, "InternalServerError",
                        "The operation failed (fault injected by keyward-arm-emulator)."};
      });

  Router& router = server.router();
  router.Add({"GET", "/_emulator/faults", "_emulator", ApiFamily::kNone, false,
              [&faults](RequestContext&) { return Reply::Json(200, faults.ToJson()); }});
  router.Add({"PUT", "/_emulator/faults", "_emulator", ApiFamily::kNone, false,
              [&faults](RequestContext& request) {
                std::string error;
                nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
                std::optional<FaultSpec> spec;
                if (body.is_discarded()) {
                  error = "the body must be a JSON fault spec";
                } else {
                  spec = ParseFaultSpecJson(body, &error);
                }
                if (!spec) return Reply::Error({400, "InvalidFaultSpec", error});
                faults.Set(*spec);
                return Reply::Json(200, faults.ToJson());
              }});
  router.Add({"DELETE", "/_emulator/faults", "_emulator", ApiFamily::kNone, false,
              [&faults](RequestContext&) {
                faults.Clear();
                return Reply::Json(200, faults.ToJson());
              }});
}

}  // namespace keyward::emulator
