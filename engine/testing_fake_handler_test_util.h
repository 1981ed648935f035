// Test doubles for engine-level tests (ninja's FakeCommandRunner / VirtualFileSystem): a fake
// kind handler with scriptable plan / refresh / apply behaviour, a fake clock, a recording
// observer, and builders for desired and observed resources. Header-only and named *_test_util.h
// so the engine library glob (engine/*.cc) never picks it up.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/apply.h"
#include "engine/context.h"
#include "engine/diff.h"
#include "engine/planner.h"
#include "engine/resource_handler.h"

namespace keyward::engine::testing {

inline constexpr char kTestStack[] = "test-stack";
inline constexpr char kTestSubscription[] = "00000000-0000-0000-0000-000000000001";

inline std::string FakeArmId(const std::string& kind, const std::string& name) {
  return std::string("/subscriptions/") + kTestSubscription +
         "/resourceGroups/rg/providers/Fake.Provider/" + kind + "/" + name;
}

inline DesiredResource MakeDesired(const std::string& kind, const std::string& name, Json spec,
                                   std::vector<std::string> depends_on = {},
                                   ReconcilePolicy policy = ReconcilePolicy::kManage) {
  DesiredResource d;
  d.kind = kind;
  d.name = name;
  d.subscription = kTestSubscription;
  d.resource_group = "rg";
  d.address = kind + "/" + name;
  d.arm_id = FakeArmId(kind, name);
  d.spec = std::move(spec);
  d.policy = policy;
  d.depends_on = std::move(depends_on);
  return d;
}

// A live resource; `owned` adds this test stack's ownership tag to live.tags.
inline ObservedResource MakeObserved(const std::string& kind, const std::string& address,
                                     const std::string& arm_id, Json live, bool owned = true) {
  ObservedResource o;
  o.kind = kind;
  o.address = address;
  o.arm_id = arm_id;
  if (!live.is_object()) live = Json::object();
  if (owned) live["tags"]["keyward-stack"] = kTestStack;
  o.live = std::move(live);
  o.fingerprint = FingerprintOf(o.live);
  return o;
}

// Starts at a fixed instant; moves only when told (or when someone sleeps on it).
class FakeClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::milliseconds(1'800'000'000'000LL + now_ms_.load()));
  }
  bool SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) override {
    now_ms_ += duration.count();
    return !(cancelled && cancelled->load());
  }
  void Advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }

 private:
  std::atomic<long long> now_ms_{0};
};

// What a FakeHandler saw, in order, across all handlers sharing one log.
class EventLog {
 public:
  void Add(std::string event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  // Position of an event, or -1.
  int IndexOf(const std::string& event) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < events_.size(); ++i)
      if (events_[i] == event) return static_cast<int>(i);
    return -1;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

// A handler for kind `kind` whose planning follows the engine's conventions with plain
// DiffManagedFields, and whose apply "succeeds" by echoing the planned body (plus the
// ownership tag) as the re-read live state. Every behaviour can be overridden per test.
class FakeHandler : public ResourceHandler {
 public:
  FakeHandler(std::string kind, EventLog* log = nullptr, DiffRules rules = {})
      : kind_(std::move(kind)), log_(log), rules_(std::move(rules)) {}

  std::string_view Kind() const override { return kind_; }
  KindTraits Traits() const override { return traits; }

  ResolveResponse Resolve(const ResolveRequest& request) const override {
    ResolveResponse r;
    r.address = kind_ + "/" + request.resource->name;
    r.arm_id = FakeArmId(kind_, request.resource->name);
    return r;
  }

  Change PlanChange(const PlanChangeRequest& r) const override {
    ++plan_calls;
    if (plan_override) return plan_override(r);
    Change c;
    if (!r.desired) {
      c.action = Action::kDelete;
      c.before = r.observed->live;
      c.fingerprint = r.observed->fingerprint;
      c.reason = "not in the manifests and owned by this stack";
      c.reason_code = "pruned";
      return c;
    }
    c.after = r.desired->spec;
    if (!r.observed) {
      if (r.soft_deleted) {
        c.action = Action::kRecover;
        c.reason = "a soft-deleted " + kind_ +
                   " holds the name; recover it, then apply the "
                   "desired properties";
        c.reason_code = "recover_soft_deleted";
      } else if (r.name_unavailable) {
        c.action = Action::kBlocked;
        c.reason = *r.name_unavailable;
        c.reason_code = "name_unavailable";
      } else {
        c.action = Action::kCreate;
      }
      return c;
    }
    c.before = r.observed->live;
    c.fingerprint = r.observed->fingerprint;
    c.field_changes = DiffManagedFields(r.desired->spec, r.observed->live, rules_);
    if (r.options && !r.options->stack.empty() &&
        !IsOwnedByStack(r.observed->live, r.options->stack)) {
      c.action = Action::kAdopt;
      c.reason = "exists without the keyward-stack tag";
      c.reason_code = "adopt_untagged";
    } else {
      c.action = c.field_changes.empty() ? Action::kNoOp : Action::kUpdate;
    }
    return c;
  }

  Result<RefreshResponse> Refresh(const RefreshRequest& request, const Context& ctx) override {
    refresh_desired_counts.push_back(request.desired.size());
    refresh_parent_counts.push_back(request.parents ? request.parents->resources.size() : 0);
    refresh_scopes.push_back(request.scopes);
    refresh_parallelism.push_back(request.parallelism);
    refresh_cache_prefixes.push_back(request.read_cache_prefix);
    if (log_) log_->Add("refresh " + kind_);
    if (on_refresh) on_refresh(request);
    if (refresh_error) return tl::unexpected<Error>(*refresh_error);
    return refresh_response;
  }

  Result<ApplyResponse> Apply(const ApplyRequest& request, const Context& ctx) override {
    const Change& c = *request.change;
    const int now = ++in_flight_;
    for (int seen = max_in_flight.load();
         now > seen && !max_in_flight.compare_exchange_weak(seen, now);) {
    }
    if (log_) log_->Add("start " + c.address);
    if (on_apply) on_apply(c, ctx);
    if (apply_delay.count() > 0) std::this_thread::sleep_for(apply_delay);

    Result<ApplyResponse> result = ApplyResponse{};
    if (failing.count(c.address)) {
      result = MakeError(ErrorCode::kUnavailable, "injected failure for " + c.address);
    } else {
      ApplyResponse response;
      // Deletes re-read as absent unless the test says otherwise.
      auto it = live_after_apply.find(c.address);
      if (it != live_after_apply.end()) {
        response.live = it->second;
      } else if (c.action != Action::kDelete) {
        response.live = c.after;
      }
      if (response.live.is_object()) response.live["tags"]["keyward-stack"] = kTestStack;
      response.fingerprint = FingerprintOf(response.live);
      result = response;
    }
    if (log_) log_->Add("finish " + c.address);
    --in_flight_;
    return result;
  }

  // Overrides and recordings (public on purpose: this is a test double).
  KindTraits traits;
  std::function<Change(const PlanChangeRequest&)> plan_override;
  std::function<void(const Change&, const Context&)> on_apply;
  std::function<void(const RefreshRequest&)> on_refresh;  // e.g. throws like a broken handler
  std::set<std::string> failing;                          // addresses whose Apply fails
  std::map<std::string, Json> live_after_apply;           // what the "re-read" returns
  std::chrono::milliseconds apply_delay{0};  // real sleep, to let parallel work overlap
  RefreshResponse refresh_response;
  std::optional<Error> refresh_error;
  std::vector<size_t> refresh_desired_counts;
  std::vector<size_t> refresh_parent_counts;
  std::vector<std::vector<std::string>> refresh_scopes;
  std::vector<size_t> refresh_parallelism;
  std::vector<std::string> refresh_cache_prefixes;
  mutable std::atomic<int> plan_calls{0};
  std::atomic<int> max_in_flight{0};

 private:
  std::string kind_;
  EventLog* log_;
  DiffRules rules_;
  std::atomic<int> in_flight_{0};
};

// Registers FakeHandlers and keeps raw pointers for scripting them.
struct FakeRegistry {
  HandlerRegistry registry;
  std::map<std::string, FakeHandler*> handlers;
  EventLog log;

  FakeHandler* Add(const std::string& kind, DiffRules rules = {}) {
    auto handler = std::make_unique<FakeHandler>(kind, &log, std::move(rules));
    FakeHandler* raw = handler.get();
    registry.Register(std::move(handler));
    handlers[kind] = raw;
    return raw;
  }
  FakeHandler* operator[](const std::string& kind) { return handlers.at(kind); }
};

class RecordingObserver : public ApplyObserver {
 public:
  void OnStarted(const Change& change) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines.push_back("started " + change.address);
  }
  void OnFinished(const Change& change, const ChangeOutcome& outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines.push_back(std::string(ChangeStatusName(outcome.status)) + " " + change.address);
  }
  std::vector<std::string> lines;

 private:
  std::mutex mu_;
};

inline DesiredSet MakeDesiredSet(std::vector<DesiredResource> resources) {
  DesiredSet set;
  set.config.stack = kTestStack;
  set.config.default_subscription = kTestSubscription;
  set.resources = std::move(resources);
  return set;
}

inline PlanOptions TestPlanOptions(bool prune = false) {
  PlanOptions options;
  options.prune = prune;
  options.stack = kTestStack;
  return options;
}

}  // namespace keyward::engine::testing

namespace keyward::engine {

// Every engine test scenario builds desired and observed resources for fake kinds; these read
// better unqualified, and one list here keeps the test files' headers from repeating it.
using testing::FakeArmId;
using testing::FakeRegistry;
using testing::MakeDesired;
using testing::MakeDesiredSet;
using testing::MakeObserved;

}  // namespace keyward::engine
