#include "engine/daemon.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Serves scripted revisions, one per Load; the last one repeats.
class ScriptedSource : public ManifestSource {
 public:
  void Good(const std::string& revision) {
    auto manifests = std::make_shared<ValidationResult>();
    manifests->set.config.stack = revision;  // lets the pass see which revision it got
    script_.push_back({revision, manifests, {}});
  }
  void Broken(const std::string& revision, const std::string& error) {
    script_.push_back({revision, nullptr, {error}});
  }
  LoadedRevision Load(const Context&) override {
    LoadedRevision next = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return next;
  }

 private:
  std::deque<LoadedRevision> script_;
};

ChangeResult Outcome(const std::string& address, ChangeStatus status) {
  ChangeResult result;
  result.address = address;
  result.kind = "Vault";
  result.action = Action::kUpdate;
  result.outcome.status = status;
  if (status == ChangeStatus::kFailed) result.outcome.error = {ErrorCode::kUnavailable, "503"};
  return result;
}

DriftItem Drift(const std::string& address, const std::string& kind = "Vault") {
  return {address, kind, Action::kUpdate, "", "", {"properties.publicNetworkAccess"}, false};
}

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest() { ctx_.clock = &clock_; }

  std::unique_ptr<Daemon> Make(ReconcileFn fn, DaemonOptions options = {}) {
    return std::make_unique<Daemon>(options, &source_, std::move(fn), &metrics_);
  }

  // A pass that records when its loop started in starts_, then runs `then` (to cancel, trigger).
  ReconcileFn RecordingStarts(std::function<void(const Context&)> then) {
    return [this, then = std::move(then)](const PassRequest&, const Context& ctx) {
      starts_.push_back(ctx.clock->Now());
      then(ctx);
      return PassResult{};
    };
  }

  testing::FakeClock clock_;
  Context ctx_;
  ScriptedSource source_;
  MetricsRegistry metrics_;
  std::vector<Clock::TimePoint> starts_;  // filled by RecordingStarts
};

TEST_F(DaemonTest, TwoStacksShareOneRegistryWithoutClearingEachOthersSeries) {
  source_.Good("r1");
  ScriptedSource other;
  other.Good("r9");
  DaemonOptions a_options, b_options;
  a_options.metric_labels = {{"stack", "payments"}};
  b_options.metric_labels = {{"stack", "billing"}};
  Daemon a(
      a_options, &source_,
      [](const PassRequest&, const Context&) {
        PassResult result;
        result.drift = {Drift("Vault/a")};
        return result;
      },
      &metrics_);
  Daemon b(
      b_options, &other, [](const PassRequest&, const Context&) { return PassResult{}; },
      &metrics_);
  EXPECT_TRUE(a.RunOnce(ctx_));
  EXPECT_TRUE(b.RunOnce(ctx_));  // clears its own drift series, not payments'
  EXPECT_EQ(metrics_.Value("keyward_drifted_resources", {{"stack", "payments"}, {"kind", "Vault"}}),
            1);
  EXPECT_EQ(metrics_.Value("keyward_ready", {{"stack", "billing"}}), 1);
  EXPECT_EQ(metrics_.Value("keyward_revision_info", {{"stack", "payments"}, {"revision", "r1"}}),
            1);
  EXPECT_EQ(metrics_.Value("keyward_revision_info", {{"stack", "billing"}, {"revision", "r9"}}), 1);
  EXPECT_EQ(metrics_.Value("keyward_reconcile_loops_total",
                           {{"stack", "billing"}, {"result", "success"}}),
            1);
}

// Records what the daemon reports through its observer.
class RecordingObserver : public DaemonObserver {
 public:
  void OnNewFinding(long loop_id, const nlohmann::json& finding) override {
    new_findings.push_back(std::to_string(loop_id) + " " + finding.value("rule_id", "") + " " +
                           finding.value("address", ""));
  }
  std::vector<std::string> new_findings;
};

guardrails::Finding MakeFinding(const std::string& rule, const std::string& address,
                                bool waived = false) {
  guardrails::Finding f;
  f.rule_id = rule;
  f.severity = guardrails::Severity::kHigh;
  f.address = address;
  f.field = "spec.x";
  if (waived) f.waiver = guardrails::AppliedWaiver{"reason", "2099-01-01"};
  return f;
}

TEST_F(DaemonTest, FindingsGoToStatusAndTheGaugeAndAreAnnouncedOnceEach) {
  source_.Good("r1");
  std::vector<std::vector<guardrails::Finding>> per_loop = {
      {MakeFinding("KW-KV-001", "Vault/a"), MakeFinding("KW-KV-005", "Vault/a", true)},
      {MakeFinding("KW-KV-001", "Vault/a"), MakeFinding("KW-KV-005", "Vault/a", true)},
      {MakeFinding("KW-KV-001", "Vault/a"), MakeFinding("KW-KV-003", "Vault/b")},
      {}};
  size_t loop = 0;
  bool fail = false;
  RecordingObserver observer;
  Daemon daemon(
      {}, &source_,
      [&](const PassRequest&, const Context&) {
        PassResult result;
        if (fail) {
          result.error = Error{ErrorCode::kUnavailable, "ARM is down"};
          return result;
        }
        result.findings = per_loop[loop++];
        return result;
      },
      &metrics_, &observer);
  const MetricLabels high_001 = {{"rule", "KW-KV-001"}, {"severity", "high"}};
  daemon.RunOnce(ctx_);
  EXPECT_EQ(metrics_.Value(guardrails::kPolicyFindingsMetric, high_001), 1);
  EXPECT_EQ(metrics_.Value(guardrails::kPolicyFindingsMetric,
                           {{"rule", "KW-KV-005"}, {"severity", "high"}}),
            0)
      << "waived findings are not counted";
  EXPECT_EQ(daemon.Status()["findings"].size(), 2u);
  daemon.RunOnce(ctx_);
  // A failed loop keeps the last good findings and announces nothing.
  fail = true;
  daemon.RunOnce(ctx_);
  EXPECT_EQ(daemon.Status()["findings"].size(), 2u);
  EXPECT_EQ(metrics_.Value(guardrails::kPolicyFindingsMetric, high_001), 1);
  fail = false;
  daemon.RunOnce(ctx_);
  EXPECT_THAT(observer.new_findings,
              ElementsAre("1 KW-KV-001 Vault/a", "1 KW-KV-005 Vault/a", "4 KW-KV-003 Vault/b"));
  daemon.RunOnce(ctx_);
  EXPECT_THAT(daemon.Status()["findings"], IsEmpty());
  EXPECT_EQ(metrics_.Value(guardrails::kPolicyFindingsMetric, high_001), 0)
      << "fixed findings leave the gauge";
}

TEST_F(DaemonTest, JitterKeepsEveryWaitWithinTheConfiguredFraction) {
  source_.Good("r1");
  double u = 0;
  DaemonOptions options;
  options.interval = seconds(60);
  options.jitter = 0.1;
  Daemon daemon(
      options, &source_, [](const PassRequest&, const Context&) { return PassResult{}; }, &metrics_,
      nullptr, [&] { return u; });
  EXPECT_EQ(daemon.NextDelay(), milliseconds(54'000));
  u = 1;
  EXPECT_EQ(daemon.NextDelay(), milliseconds(66'000));
  u = 0.5;
  EXPECT_EQ(daemon.NextDelay(), milliseconds(60'000));
}

TEST_F(DaemonTest, FailedResourceBacksOffExponentiallyWhileOthersAreStillApplied) {
  source_.Good("r1");
  std::vector<std::set<std::string>> seen_backed_off;
  bool vault_a_fails = true;
  auto daemon = Make([&](const PassRequest& request, const Context&) {
    seen_backed_off.push_back(request.backed_off);
    PassResult result;
    result.drift = {Drift("Vault/a"), Drift("Vault/b")};
    if (!request.backed_off.count("Vault/a"))
      result.changes.push_back(
          Outcome("Vault/a", vault_a_fails ? ChangeStatus::kFailed : ChangeStatus::kSucceeded));
    result.changes.push_back(Outcome("Vault/b", ChangeStatus::kSucceeded));
    return result;
  });

  EXPECT_TRUE(daemon->RunOnce(ctx_)) << "one failing resource does not fail the loop";
  ASSERT_EQ(daemon->Backoff().count("Vault/a"), 1u);
  EXPECT_EQ(daemon->Backoff().at("Vault/a").failures, 1);
  EXPECT_EQ(daemon->Backoff().count("Vault/b"), 0u);

  clock_.Advance(seconds(29));
  daemon->RunOnce(ctx_);
  EXPECT_THAT(seen_backed_off.back(), ElementsAre("Vault/a")) << "30 s initial backoff";

  clock_.Advance(seconds(2));
  daemon->RunOnce(ctx_);
  EXPECT_THAT(seen_backed_off.back(), IsEmpty());
  EXPECT_EQ(daemon->Backoff().at("Vault/a").failures, 2);

  clock_.Advance(seconds(59));
  daemon->RunOnce(ctx_);
  EXPECT_THAT(seen_backed_off.back(), ElementsAre("Vault/a")) << "doubled to 60 s";

  clock_.Advance(seconds(2));
  vault_a_fails = false;
  daemon->RunOnce(ctx_);
  EXPECT_THAT(seen_backed_off.back(), IsEmpty());
  EXPECT_TRUE(daemon->Backoff().empty()) << "success clears the backoff";
  EXPECT_EQ(metrics_.Value("keyward_changes_applied_total", {{"action", "update"}}), 6)
      << "Vault/b in all five loops, Vault/a once";
  EXPECT_EQ(metrics_.Value("keyward_change_failures_total", {{"action", "update"}}), 2);
}

TEST_F(DaemonTest, BackoffIsCappedAndForgottenWhenTheResourceConvergesWithoutUs) {
  source_.Good("r1");
  bool drifting = true;
  DaemonOptions options;
  options.backoff_initial = seconds(10);
  options.backoff_max = seconds(25);
  auto daemon = Make(
      [&](const PassRequest& request, const Context&) {
        PassResult result;
        if (drifting) result.drift = {Drift("Vault/a")};
        if (drifting && !request.backed_off.count("Vault/a"))
          result.changes.push_back(Outcome("Vault/a", ChangeStatus::kFailed));
        return result;
      },
      options);
  for (int i = 0; i < 4; ++i) {
    daemon->RunOnce(ctx_);
    clock_.Advance(seconds(26));
  }
  const auto entry = daemon->Backoff().at("Vault/a");
  EXPECT_EQ(entry.failures, 4);
  EXPECT_EQ(entry.retry_after - (clock_.Now() - seconds(26)), seconds(25)) << "capped";

  drifting = false;
  daemon->RunOnce(ctx_);
  EXPECT_TRUE(daemon->Backoff().empty());
}

TEST_F(DaemonTest, BrokenRevisionIsReportedAndTheLastGoodOneKeepsBeingReconciled) {
  source_.Good("r1");
  source_.Broken("r2", "keyward.yaml:3:1: error: unknown field 'stak'");
  source_.Good("r3");
  std::vector<std::string> reconciled;
  auto daemon = Make([&](const PassRequest& request, const Context&) {
    reconciled.push_back(request.revision + "/" + request.manifests->set.config.stack);
    return PassResult{};
  });

  EXPECT_TRUE(daemon->RunOnce(ctx_));
  EXPECT_TRUE(daemon->RunOnce(ctx_)) << "a broken manifest does not stop the loop";
  auto status = daemon->Status();
  EXPECT_EQ(status["attempted_revision"], "r2");
  EXPECT_EQ(status["revision"], "r1");
  EXPECT_EQ(status["last_good_revision"], "r1");
  EXPECT_EQ(status["manifest_errors"][0], "keyward.yaml:3:1: error: unknown field 'stak'");
  EXPECT_EQ(metrics_.Value("keyward_manifest_errors", {}), 1);
  EXPECT_EQ(metrics_.Value("keyward_revision_info", {{"revision", "r1"}}), 1);

  EXPECT_TRUE(daemon->RunOnce(ctx_));
  EXPECT_THAT(reconciled, ElementsAre("r1/r1", "r1/r1", "r3/r3"));
  EXPECT_EQ(metrics_.Value("keyward_manifest_errors", {}), 0);
  EXPECT_EQ(metrics_.Value("keyward_revision_info", {{"revision", "r3"}}), 1);
  EXPECT_EQ(metrics_.Value("keyward_revision_info", {{"revision", "r1"}}), 0) << "old label gone";
  EXPECT_THAT(daemon->Status()["manifest_errors"], IsEmpty());
}

TEST_F(DaemonTest, WithoutAnyGoodRevisionTheLoopFailsAndTheDaemonIsNotReady) {
  source_.Broken("r1", "a.yaml:1:1: error: bad");
  int passes = 0;
  auto daemon = Make([&](const PassRequest&, const Context&) {
    ++passes;
    return PassResult{};
  });
  EXPECT_FALSE(daemon->RunOnce(ctx_));
  EXPECT_EQ(passes, 0);
  EXPECT_FALSE(daemon->ready());
  EXPECT_EQ(daemon->Status()["error"], "no valid manifest revision yet: a.yaml:1:1: error: bad");
  EXPECT_EQ(metrics_.Value("keyward_reconcile_loops_total", {{"result", "error"}}), 1);
  EXPECT_EQ(metrics_.Value("keyward_ready", {}), 0);
}

TEST_F(DaemonTest, ReadyAfterTheFirstSuccessfulLoopAndPassErrorsAreReported) {
  source_.Good("r1");
  bool fail = true;
  auto daemon = Make([&](const PassRequest&, const Context&) {
    PassResult result;
    if (fail) result.error = Error{ErrorCode::kUnavailable, "refresh Vault: 503"};
    return result;
  });
  EXPECT_FALSE(daemon->RunOnce(ctx_));
  EXPECT_FALSE(daemon->ready());
  EXPECT_EQ(daemon->Status()["error"], "refresh Vault: 503");
  EXPECT_TRUE(daemon->Status()["last_success"].is_null());

  fail = false;
  clock_.Advance(seconds(5));
  EXPECT_TRUE(daemon->RunOnce(ctx_));
  EXPECT_TRUE(daemon->ready());
  EXPECT_EQ(daemon->Status()["last_success"], "2027-01-15T08:00:05Z");
  EXPECT_EQ(metrics_.Value("keyward_last_success_timestamp_seconds", {}), 1800000005);

  fail = true;
  EXPECT_FALSE(daemon->RunOnce(ctx_));
  EXPECT_TRUE(daemon->ready()) << "readiness means 'has worked once', not 'last loop worked'";
  EXPECT_EQ(daemon->Status()["last_success"], "2027-01-15T08:00:05Z");
}

TEST_F(DaemonTest, StatusAndMetricsShowDriftByKindAndWhatWasHealed) {
  source_.Good("r1");
  auto daemon = Make([&](const PassRequest&, const Context&) {
    PassResult result;
    result.summary.change = 1;
    result.summary.drift = 1;
    result.drift = {Drift("Vault/a"), Drift("Key/a/k", "Key")};
    result.drift[1].report_only = true;
    result.changes = {Outcome("Vault/a", ChangeStatus::kSucceeded)};
    return result;
  });
  ASSERT_TRUE(daemon->RunOnce(ctx_));
  const auto status = daemon->Status();
  EXPECT_EQ(status["mode"], "observe");
  EXPECT_EQ(status["summary"]["change"], 1);
  ASSERT_EQ(status["drift"].size(), 2u);
  EXPECT_EQ(status["drift"][0]["address"], "Vault/a");
  EXPECT_EQ(status["drift"][0]["healed"], true);
  EXPECT_EQ(status["drift"][0]["fields"][0], "properties.publicNetworkAccess");
  EXPECT_EQ(status["drift"][1]["healed"], false);
  EXPECT_EQ(status["drift"][1]["report_only"], true);
  EXPECT_EQ(status["changes"][0]["status"], "succeeded");
  EXPECT_EQ(metrics_.Value("keyward_drifted_resources", {{"kind", "Key"}}), 1);
  EXPECT_EQ(metrics_.Value("keyward_drifted_resources", {{"kind", "Vault"}}), 0)
      << "healed resources no longer count as drifted";
  EXPECT_EQ(metrics_.Value("keyward_reconcile_loops_total", {{"result", "success"}}), 1);
}

TEST_F(DaemonTest, RunWaitsTheIntervalBetweenLoopsAndStopsWhenCancelled) {
  source_.Good("r1");
  DaemonOptions options;
  options.interval = seconds(10);
  options.jitter = 0;
  auto daemon = Make(RecordingStarts([&](const Context& ctx) {
                       if (starts_.size() == 3) ctx.cancelled->store(true);
                     }),
                     options);
  daemon->Run(ctx_);
  ASSERT_EQ(starts_.size(), 3u) << "cancelled during the third loop: no fourth";
  EXPECT_EQ(starts_[1] - starts_[0], seconds(10));
  EXPECT_EQ(starts_[2] - starts_[1], seconds(10));
}

TEST_F(DaemonTest, TriggerStartsTheNextLoopWithoutWaitingAndMaxLoopsEndsRun) {
  source_.Good("r1");
  DaemonOptions options;
  options.interval = seconds(300);
  options.max_loops = 2;
  std::unique_ptr<Daemon> daemon;
  daemon = Make(RecordingStarts([&](const Context&) {
                  daemon->Trigger();  // a webhook arriving while the loop runs is not lost
                }),
                options);
  daemon->Run(ctx_);
  ASSERT_EQ(starts_.size(), 2u);
  EXPECT_EQ(starts_[1], starts_[0]);
}

}  // namespace
}  // namespace keyward::engine
