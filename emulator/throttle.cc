#include "emulator/throttle.h"

#include <algorithm>
#include <cmath>

#include "emulator/router.h"
#include "emulator/server.h"
#include "emulator/util.h"

namespace keyward::emulator {

OpType OpTypeForMethod(const std::string& method) {
  if (EqualsIgnoreCase(method, "GET") || EqualsIgnoreCase(method, "HEAD")) return OpType::kRead;
  if (EqualsIgnoreCase(method, "DELETE")) return OpType::kDelete;
  return OpType::kWrite;
}

namespace {
// An operation type's words: "read" / "reads" and so on.
struct OpTypeWords {
  const char* singular;
  const char* plural;
};
OpTypeWords WordsFor(OpType type) {
  switch (type) {
    case OpType::kRead:
      break;
    case OpType::kWrite:
      return {"write", "writes"};
    case OpType::kDelete:
      return {"delete", "deletes"};
  }
  return {"read", "reads"};
}
const char* OpTypeSingular(OpType type) { return WordsFor(type).singular; }
}  // namespace

const char* OpTypePlural(OpType type) { return WordsFor(type).plural; }

TokenBucket::TokenBucket(BucketLimits limits, double now)
    : limits_(limits), tokens_(limits.capacity), last_(now) {}

void TokenBucket::Refill(double now) {
  if (now > last_) {
    tokens_ = std::min(limits_.capacity, tokens_ + (now - last_) * limits_.refill_per_second);
    last_ = now;
  }
}

double TokenBucket::Available(double now) const {
  if (now <= last_) return tokens_;
  return std::min(limits_.capacity, tokens_ + (now - last_) * limits_.refill_per_second);
}

double TokenBucket::SecondsUntilToken(double now) const {
  double available = Available(now);
  if (available >= 1) return 0;
  if (limits_.refill_per_second <= 0) return 1e9;
  return (1 - available) / limits_.refill_per_second;
}

void TokenBucket::Take(double now) {
  Refill(now);
  tokens_ -= 1;
}

Throttler::Throttler(bool enabled, double scale) : enabled_(enabled), scale_(scale) {}

BucketLimits Throttler::PrincipalLimits(OpType type) {
  // ARM-NOTES §3.1: reads 250 / 25 per second; writes and deletes 200 / 10 per second. The tenant
  // scope uses the same numbers.
  if (type == OpType::kRead) return {250, 25};
  return {200, 10};
}

TokenBucket& Throttler::Bucket(const std::string& key, BucketLimits limits, double now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(key, TokenBucket(limits, now)).first;
  return it->second;
}

ThrottleDecision Throttler::Admit(const std::string& scope, bool tenant_scope,
                                  const std::string& principal, OpType type, double now) {
  std::lock_guard<std::mutex> lock(mutex_);
  ThrottleDecision decision;
  decision.tenant_scope = tenant_scope;
  decision.type = type;
  BucketLimits limits = PrincipalLimits(type);
  limits.refill_per_second *= scale_;
  const std::string kind = OpTypePlural(type);
  const std::string prefix = (tenant_scope ? "t|" : "s|") + ToLower(scope) + "|" + kind + "|";
  TokenBucket& mine = Bucket(prefix + ToLower(principal), limits, now);
  TokenBucket* global = nullptr;
  if (!tenant_scope) {
    BucketLimits global_limits{limits.capacity * kGlobalMultiplier,
                               limits.refill_per_second * kGlobalMultiplier};
    global = &Bucket(prefix + "*", global_limits, now);
  }
  if (!enabled_) {
    // Off: never 429, but keep counting so the headers still show what ARM would report.
    if (mine.Available(now) >= 1) mine.Take(now);
    if (global != nullptr && global->Available(now) >= 1) global->Take(now);
    decision.remaining = static_cast<long>(std::floor(mine.Available(now)));
    return decision;
  }
  double wait = mine.SecondsUntilToken(now);
  if (global != nullptr) wait = std::max(wait, global->SecondsUntilToken(now));
  if (wait > 0) {
    decision.allowed = false;
    decision.remaining = 0;
    // Whole seconds, at least 1: Retry-After is an integer and 0 would invite a busy loop.
    decision.retry_after_seconds = std::max(1, static_cast<int>(std::ceil(wait - 1e-9)));
    return decision;
  }
  mine.Take(now);
  if (global != nullptr) global->Take(now);
  decision.remaining = static_cast<long>(std::floor(mine.Available(now)));
  return decision;
}

long Throttler::Remaining(const std::string& scope, bool tenant_scope, const std::string& principal,
                          OpType type, double now) {
  std::lock_guard<std::mutex> lock(mutex_);
  BucketLimits limits = PrincipalLimits(type);
  limits.refill_per_second *= scale_;
  const std::string key = (tenant_scope ? "t|" : "s|") + ToLower(scope) + "|" + OpTypePlural(type) +
                          "|" + ToLower(principal);
  return static_cast<long>(std::floor(Bucket(key, limits, now).Available(now)));
}

bool Throttler::enabled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return enabled_;
}

double Throttler::scale() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return scale_;
}

void Throttler::Configure(bool enabled, double scale) {
  std::lock_guard<std::mutex> lock(mutex_);
  enabled_ = enabled;
  if (scale != scale_) buckets_.clear();  // limits changed: start again from full buckets
  scale_ = scale;
}

void Throttler::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  buckets_.clear();
}

namespace {

struct Scope {
  std::string id;
  bool tenant = false;
};

// Subscription-scope when the route has a subscription; otherwise the caller's tenant.
Scope ScopeOf(const RequestContext& request) {
  auto it = request.vars.find("subscriptionId");
  if (it != request.vars.end()) return {it->second, false};
  return {request.caller ? request.caller->tenant_id : "", true};
}

bool Counted(const RequestContext& request, const Route* route) {
  return route != nullptr && route->requires_auth && request.caller.has_value();
}

}  // namespace

void InstallThrottling(Server& server, Throttler& throttler) {
  Stats* stats = &server.stats();
  server.AddInterceptor([&throttler, stats](RequestContext& request,
                                            const Route& route) -> std::optional<Reply> {
    if (!Counted(request, &route)) return std::nullopt;
    Scope scope = ScopeOf(request);
    OpType type = OpTypeForMethod(request.method);
    ThrottleDecision d =
        throttler.Admit(scope.id, scope.tenant, request.caller->object_id, type, request.now);
    if (d.allowed) return std::nullopt;
    stats->RecordThrottled(request.operation_id);
    std::string retry = std::to_string(d.retry_after_seconds);
    // ARM-NOTES §2.2 message text.
    std::string message = std::string("Number of '") + OpTypeSingular(type) + "' requests for " +
                          (scope.tenant ? "tenant '" : "subscription '") + scope.id + "' actor '" +
                          request.caller->object_id + "' exceeded. Please try again after '" +
                          retry +
                          "' seconds after additional tokens are available. Refer to "
                          "https://aka.ms/arm-throttling for additional information.";
    return Reply::Error({429,
                         scope.tenant ? "TenantRequestsThrottled" : "SubscriptionRequestsThrottled",
                         message,
                         {{"Retry-After", retry}, {"x-ms-failure-cause", "gateway"}}});
  });
  server.AddDecorator(
      [&throttler](const RequestContext& request, const Route* route, Reply& reply) {
        if (!Counted(request, route)) return;
        Scope scope = ScopeOf(request);
        OpType type = OpTypeForMethod(request.method);
        long remaining = reply.status == 429 && !reply.error_code.empty() &&
                                 reply.error_code.find("RequestsThrottled") != std::string::npos
                             ? 0
                             : throttler.Remaining(scope.id, scope.tenant,
                                                   request.caller->object_id, type, request.now);
        reply.WithHeader(std::string("x-ms-ratelimit-remaining-") +
                             (scope.tenant ? "tenant-" : "subscription-") + OpTypePlural(type),
                         std::to_string(remaining));
      });
  // Runtime knob: GET / PUT /_emulator/throttling {"enabled": bool, "scale": number}.
  auto state = [&throttler] {
    return nlohmann::json{{"enabled", throttler.enabled()}, {"scale", throttler.scale()}};
  };
  server.router().Add({"GET", "/_emulator/throttling", "_emulator", ApiFamily::kNone, false,
                       [state](RequestContext&) { return Reply::Json(200, state()); }});
  server.router().Add(
      {"PUT", "/_emulator/throttling", "_emulator", ApiFamily::kNone, false,
       [&throttler, state](RequestContext& request) {
         nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
         bool enabled = throttler.enabled();
         double scale = throttler.scale();
         if (!body.is_object() || (body.contains("enabled") && !body["enabled"].is_boolean()) ||
             (body.contains("scale") &&
              (!body["scale"].is_number() || body["scale"].get<double>() <= 0))) {
           return Reply::Error({400, "InvalidThrottlingSettings",
                                "expected {\"enabled\": bool, \"scale\": positive number}"});
         }
         if (body.contains("enabled")) enabled = body["enabled"].get<bool>();
         if (body.contains("scale")) scale = body["scale"].get<double>();
         throttler.Configure(enabled, scale);
         return Reply::Json(200, state());
       }});
}

}  // namespace keyward::emulator
