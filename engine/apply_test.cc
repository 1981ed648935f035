#include "engine/apply.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/planner.h"
#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

using testing::FakeClock;
using testing::RecordingObserver;
using testing::TestPlanOptions;

const Json kSpec = {{"location", "westeurope"}, {"properties", {{"sku", {{"name", "premium"}}}}}};

// Every kind the tests use, registered parents first; deleting a group or a vault takes its
// contents with it, as the Azure handlers say.
void AddKinds(FakeRegistry& fakes) {
  for (const char* kind : {"ResourceGroup", "Vault", "Key", "Secret"}) fakes.Add(kind);
  fakes["ResourceGroup"]->traits.delete_needs_allow_destroy = true;
  fakes["Vault"]->traits.delete_needs_allow_destroy = true;
}

// Checks the log: every change started only after each of its in-plan dependencies finished.
void ExpectDependencyOrder(const Plan& plan, const testing::EventLog& log) {
  for (const Change& c : plan.changes) {
    const int start = log.IndexOf("start " + c.address);
    if (start < 0) continue;
    for (const std::string& dep : c.depends_on) {
      if (!plan.Find(dep) || !IsWrite(plan.Find(dep)->action)) continue;
      const int finish = log.IndexOf("finish " + dep);
      ASSERT_GE(finish, 0) << dep << " never finished but " << c.address << " started";
      EXPECT_LT(finish, start) << c.address << " started before " << dep << " finished";
    }
  }
}

TEST(ApplyTest, RespectsDependencyOrderWithParallelism4) {
  FakeRegistry fakes;
  AddKinds(fakes);
  for (auto& [kind, handler] : fakes.handlers) handler->apply_delay = std::chrono::milliseconds(3);
  DesiredSet desired = MakeDesiredSet({
      MakeDesired("ResourceGroup", "rg", {{"location", "westeurope"}}),
      MakeDesired("Vault", "a", kSpec, {"ResourceGroup/rg"}),
      MakeDesired("Vault", "b", kSpec, {"ResourceGroup/rg"}),
      MakeDesired("Key", "a1", {{"kty", "RSA"}}, {"Vault/a"}),
      MakeDesired("Key", "a2", {{"kty", "RSA"}}, {"Vault/a"}),
      MakeDesired("Key", "a3", {{"kty", "EC"}}, {"Vault/a"}),
      MakeDesired("Secret", "b1", {{"contentType", "text/plain"}}, {"Vault/b"}),
      MakeDesired("Secret", "b2", {{"contentType", "text/plain"}}, {"Key/a1", "Vault/b"}),
  });
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  ASSERT_EQ(plan.Summary().add, 8);

  ApplyOptions options;
  options.parallelism = 4;
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, options, observer, ctx);

  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.succeeded, 8);
  for (const auto& r : report.results) EXPECT_TRUE(r.outcome.verified) << r.address;
  ExpectDependencyOrder(plan, fakes.log);
  int max_in_flight = 0;
  for (auto& [kind, handler] : fakes.handlers)
    max_in_flight = std::max(max_in_flight, handler->max_in_flight.load());
  EXPECT_LE(max_in_flight, 4);
  EXPECT_EQ(observer.lines.size(), 16u);  // started + succeeded per change
}

TEST(ApplyTest, FailureSkipsOnlyDependentsWhileIndependentBranchCompletes) {
  FakeRegistry fakes;
  AddKinds(fakes);
  fakes["Vault"]->failing = {"Vault/a"};
  DesiredSet desired = MakeDesiredSet({
      MakeDesired("Vault", "a", kSpec),
      MakeDesired("Vault", "b", kSpec),
      MakeDesired("Key", "a1", {{"kty", "RSA"}}, {"Vault/a"}),
      MakeDesired("Secret", "a1s", {{"contentType", "x"}}, {"Key/a1"}),  // transitive dependent
      MakeDesired("Key", "b1", {{"kty", "RSA"}}, {"Vault/b"}),
  });
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  RecordingObserver observer;
  Context ctx;
  ApplyOptions options;
  options.parallelism = 2;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, options, observer, ctx);

  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.skipped, 2);
  EXPECT_EQ(report.succeeded, 2);
  EXPECT_EQ(report.Find("Vault/a")->outcome.error.message, "injected failure for Vault/a");
  EXPECT_EQ(report.Find("Key/a1")->outcome.status, ChangeStatus::kSkipped);
  EXPECT_EQ(report.Find("Key/a1")->outcome.error.message, "skipped: dependency failed (Vault/a)");
  // The root cause is named, not the skipped change in between.
  EXPECT_EQ(report.Find("Secret/a1s")->outcome.error.message,
            "skipped: dependency failed (Vault/a)");
  EXPECT_EQ(report.Find("Key/b1")->outcome.status, ChangeStatus::kSucceeded);
  EXPECT_EQ(fakes.log.IndexOf("start Key/a1"), -1);
  EXPECT_EQ(fakes.log.IndexOf("start Secret/a1s"), -1);
  EXPECT_NE(std::find(observer.lines.begin(), observer.lines.end(), "skipped Key/a1"),
            observer.lines.end());
}

TEST(ApplyTest, VaultDeleteWithoutAllowDestroyIsRefusedButItsKeysGo) {
  FakeRegistry fakes;
  AddKinds(fakes);
  DesiredSet desired = MakeDesiredSet({});
  ObservedSet observed;
  observed.resources.push_back(MakeObserved("Vault", "Vault/old", FakeArmId("Vault", "old"), {}));
  observed.resources.push_back(
      MakeObserved("Secret", "Secret/old/s", FakeArmId("Vault", "old") + "/secrets/s", {}));
  const Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions(/*prune=*/true));
  ASSERT_EQ(plan.changes.size(), 2u);

  RecordingObserver observer;
  Context ctx;
  ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(report.Find("Secret/old/s")->outcome.status, ChangeStatus::kSucceeded);
  const ChangeOutcome& vault = report.Find("Vault/old")->outcome;
  EXPECT_EQ(vault.status, ChangeStatus::kFailed);
  EXPECT_EQ(vault.error.code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(vault.error.message,
            "refusing to delete Vault/old: deleting a Vault needs --allow-destroy");
  EXPECT_EQ(fakes.log.IndexOf("start Vault/old"), -1);

  ApplyOptions allow;
  allow.allow_destroy = true;
  report = Apply(plan, &desired, fakes.registry, allow, observer, ctx);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.Find("Vault/old")->outcome.verified);  // re-read found it gone
  EXPECT_LT(fakes.log.IndexOf("finish Secret/old/s"), fakes.log.IndexOf("start Vault/old"));
}

TEST(ApplyTest, ReplaceAndPurgeNeedExplicitPermission) {
  FakeRegistry fakes;
  AddKinds(fakes);
  Plan plan;
  Change replace;
  replace.action = Action::kReplace;
  replace.address = "Key/kv/k";
  replace.kind = "Key";
  replace.after = {{"kty", "EC"}};
  Change purge;
  purge.action = Action::kPurgeThenCreate;
  purge.address = "Vault/kv2";
  purge.kind = "Vault";
  purge.after = kSpec;
  plan.changes = {replace, purge};
  RecordingObserver observer;
  Context ctx;
  ApplyReport report = Apply(plan, nullptr, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(report.failed, 2);
  EXPECT_NE(report.Find("Key/kv/k")->outcome.error.message.find("--allow-replace"),
            std::string::npos);
  EXPECT_NE(report.Find("Vault/kv2")->outcome.error.message.find("--allow-destroy"),
            std::string::npos);

  ApplyOptions allow;
  allow.allow_replace = true;
  allow.allow_destroy = true;
  report = Apply(plan, nullptr, fakes.registry, allow, observer, ctx);
  EXPECT_TRUE(report.ok());
  // Without a DesiredSet there is nothing to re-plan against.
  EXPECT_FALSE(report.Find("Key/kv/k")->outcome.verified);
}

TEST(ApplyTest, PostApplyMismatchIsAFailure) {
  FakeRegistry fakes;
  AddKinds(fakes);
  Json wrong = kSpec;
  wrong["properties"]["sku"]["name"] = "standard";
  fakes["Vault"]->live_after_apply["Vault/kv"] = wrong;
  DesiredSet desired = MakeDesiredSet(
      {MakeDesired("Vault", "kv", kSpec), MakeDesired("Key", "k", {{"kty", "RSA"}}, {"Vault/kv"})});
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  const ChangeOutcome& vault = report.Find("Vault/kv")->outcome;
  EXPECT_EQ(vault.status, ChangeStatus::kFailed);
  EXPECT_EQ(vault.error.code, ErrorCode::kAborted);
  EXPECT_EQ(vault.error.message,
            "applied but live state does not match the plan: properties.sku.name");
  EXPECT_EQ(report.Find("Key/k")->outcome.status, ChangeStatus::kSkipped);
}

// Creates Vault/a, b and c one change at a time, so that whatever Vault/a's apply does (cancel,
// lose the lease) happens before b and c would start.
ApplyReport ApplyThreeVaultsInOrder(const FakeRegistry& fakes, const Context& ctx) {
  DesiredSet desired =
      MakeDesiredSet({MakeDesired("Vault", "a", kSpec), MakeDesired("Vault", "b", kSpec),
                      MakeDesired("Vault", "c", kSpec)});
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  ApplyOptions options;
  options.parallelism = 1;
  RecordingObserver observer;
  return Apply(plan, &desired, fakes.registry, options, observer, ctx);
}

TEST(ApplyTest, CancellationStopsNewWorkAndLetsInFlightFinish) {
  FakeRegistry fakes;
  AddKinds(fakes);
  fakes["Vault"]->on_apply = [](const Change& c, const Context& ctx) {
    if (c.address == "Vault/a") ctx.cancelled->store(true);
  };
  Context ctx;
  const ApplyReport report = ApplyThreeVaultsInOrder(fakes, ctx);
  EXPECT_EQ(report.Find("Vault/a")->outcome.status,
            ChangeStatus::kSucceeded);  // in flight: finished
  for (const char* address : {"Vault/b", "Vault/c"}) {
    EXPECT_EQ(report.Find(address)->outcome.status, ChangeStatus::kSkipped) << address;
    EXPECT_EQ(report.Find(address)->outcome.error.code, ErrorCode::kCancelled);
  }
  EXPECT_EQ(fakes.log.events(), (std::vector<std::string>{"start Vault/a", "finish Vault/a"}));
  EXPECT_FALSE(report.ok());
}

// A write guard whose lease lapses when told (the lock backends' fencing check).
class SwitchableGuard : public WriteGuard {
 public:
  std::optional<Error> CheckWrite() const override {
    ++checks;
    if (!lapsed) return std::nullopt;
    return Error{ErrorCode::kAborted, "lock lost: the stack lease lapsed", {}};
  }
  mutable std::atomic<int> checks{0};
  std::atomic<bool> lapsed{false};
};

TEST(ApplyTest, LapsedLeaseStopsNewChangesAndNamesTheLostLock) {
  FakeRegistry fakes;
  AddKinds(fakes);
  auto guard = std::make_shared<SwitchableGuard>();
  // The lease lapses while the first change is in flight (a paused process, a lost network).
  fakes["Vault"]->on_apply = [&](const Change& c, const Context&) {
    if (c.address == "Vault/a") guard->lapsed = true;
  };
  Context ctx;
  ctx.write_guard = guard;
  const ApplyReport report = ApplyThreeVaultsInOrder(fakes, ctx);

  EXPECT_EQ(report.Find("Vault/a")->outcome.status, ChangeStatus::kSucceeded);
  for (const char* address : {"Vault/b", "Vault/c"}) {
    EXPECT_EQ(report.Find(address)->outcome.status, ChangeStatus::kSkipped) << address;
    EXPECT_EQ(report.Find(address)->outcome.error.code, ErrorCode::kAborted) << address;
    EXPECT_EQ(report.Find(address)->outcome.error.message,
              "skipped: lock lost: the stack lease lapsed");
  }
  // Nothing started after the guard refused.
  EXPECT_EQ(fakes.log.events(), (std::vector<std::string>{"start Vault/a", "finish Vault/a"}));
  ASSERT_TRUE(report.lock_lost.has_value());
  EXPECT_EQ(report.lock_lost->message, "lock lost: the stack lease lapsed");
  EXPECT_FALSE(report.ok());
  EXPECT_GE(guard->checks.load(), 2);  // before a, and before b
}

TEST(ApplyTest, ValidLeaseIsCheckedBeforeEveryChange) {
  FakeRegistry fakes;
  AddKinds(fakes);
  auto guard = std::make_shared<SwitchableGuard>();
  DesiredSet desired =
      MakeDesiredSet({MakeDesired("Vault", "a", kSpec), MakeDesired("Vault", "b", kSpec),
                      MakeDesired("Vault", "c", kSpec)});
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  RecordingObserver observer;
  Context ctx;
  ctx.write_guard = guard;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  EXPECT_TRUE(report.ok());
  EXPECT_FALSE(report.lock_lost.has_value());
  EXPECT_EQ(guard->checks.load(), 3);
}

TEST(ApplyTest, ReportOnlyBlockedAndUnsupportedAreNeverExecuted) {
  FakeRegistry fakes;
  AddKinds(fakes);
  Plan plan;
  auto add = [&](Action action, const std::string& address, std::vector<std::string> deps = {},
                 bool report_only = false) {
    Change c;
    c.action = action;
    c.address = address;
    c.kind = address.substr(0, address.find('/'));
    c.after = kSpec;
    c.depends_on = std::move(deps);
    c.report_only = report_only;
    c.reason = "why";
    plan.changes.push_back(c);
  };
  add(Action::kUpdate, "Vault/observed", {}, /*report_only=*/true);
  add(Action::kBlocked, "Vault/held");
  add(Action::kUnsupported, "Key/kv/k");
  add(Action::kNoOp, "Vault/steady");
  add(Action::kCreate, "Key/held/k", {"Vault/held"});  // its vault cannot be created
  add(Action::kCreate, "Secret/steady/s", {"Vault/steady", "Key/kv/k", "Vault/observed"});
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(plan, nullptr, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(fakes.log.events(),
            (std::vector<std::string>{"start Secret/steady/s", "finish Secret/steady/s"}));
  EXPECT_EQ(report.blocked, 1);
  EXPECT_EQ(report.Find("Vault/held")->outcome.error.message, "blocked: why");
  EXPECT_EQ(report.Find("Key/held/k")->outcome.status, ChangeStatus::kSkipped);
  EXPECT_EQ(report.not_executed, 3);
  EXPECT_EQ(report.succeeded, 1);
  EXPECT_FALSE(report.ok());
}

TEST(ApplyTest, ElapsedTimeComesFromTheContextClock) {
  FakeRegistry fakes;
  AddKinds(fakes);
  FakeClock clock;
  fakes["Vault"]->on_apply = [&clock](const Change&, const Context&) {
    clock.Advance(std::chrono::milliseconds(1500));
  };
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "kv", kSpec)});
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  RecordingObserver observer;
  Context ctx;
  ctx.clock = &clock;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(report.Find("Vault/kv")->outcome.elapsed, std::chrono::milliseconds(1500));
  EXPECT_EQ(observer.lines, (std::vector<std::string>{"started Vault/kv", "succeeded Vault/kv"}));
}

TEST(ApplyTest, HandlerExceptionFailsOnlyThatChange) {
  FakeRegistry fakes;
  AddKinds(fakes);
  fakes["Vault"]->on_apply = [](const Change& c, const Context&) {
    if (c.address == "Vault/bad") throw std::runtime_error("boom");
  };
  DesiredSet desired =
      MakeDesiredSet({MakeDesired("Vault", "bad", kSpec), MakeDesired("Vault", "good", kSpec)});
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(report.Find("Vault/bad")->outcome.error.message, "handler threw: boom");
  EXPECT_EQ(report.Find("Vault/good")->outcome.status, ChangeStatus::kSucceeded);
}

TEST(ApplyTest, RecoverIsVerifiedAgainstTheDesiredProperties) {
  FakeRegistry fakes;
  AddKinds(fakes);
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "kv", kSpec)});
  ObservedSet observed;
  observed.soft_deleted.push_back(
      {"Vault", "kv", testing::kTestSubscription, "", "", "", "", true});
  const Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  ASSERT_EQ(plan.changes.at(0).action, Action::kRecover);
  // Recovery restored the old configuration and the handler forgot to apply the desired one.
  Json old = kSpec;
  old["properties"]["sku"]["name"] = "standard";
  fakes["Vault"]->live_after_apply["Vault/kv"] = old;
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(report.Find("Vault/kv")->outcome.status, ChangeStatus::kFailed);
}

TEST(ApplyTest, PlanWithErrorsIsNotApplied) {
  FakeRegistry fakes;
  AddKinds(fakes);
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "a", kSpec, {"Vault/b"}),
                                       MakeDesired("Vault", "b", kSpec, {"Vault/a"})});
  const Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  ASSERT_TRUE(plan.diagnostics.HasErrors());
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(plan, &desired, fakes.registry, {}, observer, ctx);
  EXPECT_EQ(report.skipped, 2);
  EXPECT_TRUE(fakes.log.events().empty());
}

TEST(ApplyTest, EmptyPlanDoesNothing) {
  FakeRegistry fakes;
  RecordingObserver observer;
  Context ctx;
  const ApplyReport report = Apply(Plan{}, nullptr, fakes.registry, {}, observer, ctx);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.results.empty());
}

}  // namespace
}  // namespace keyward::engine
