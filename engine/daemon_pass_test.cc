#include "engine/daemon_pass.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

using testing::FakeHandler;

// Records the pass's reports in order, as the daemon's log would show them.
class RecordingPassObserver : public PassObserver {
 public:
  void OnDrift(const std::vector<DriftItem>& drift) override {
    for (const DriftItem& item : drift) lines.push_back("drift " + item.address);
  }
  void OnStarted(const Change& change) override { lines.push_back("started " + change.address); }
  void OnFinished(const Change& change, const ChangeOutcome& outcome) override {
    lines.push_back(std::string(ChangeStatusName(outcome.status)) + " " + change.address);
  }
  void OnLockLost(const Error& error) override { lines.push_back("lock lost: " + error.message); }
  std::vector<std::string> lines;
};

class LostLease : public WriteGuard {
 public:
  std::optional<Error> CheckWrite() const override {
    return Error{ErrorCode::kAborted, "lock lost: the lease expired"};
  }
};

// A daemon pass over FakeHandlers: one Vault kind whose live state the tests set.
class DaemonPassTest : public ::testing::Test {
 protected:
  DaemonPassTest() {
    vaults_ = fakes_.Add("Vault");
    settings_.files = &files_;
    settings_.env = &env_;
  }

  void Desire(std::vector<DesiredResource> resources) {
    manifests_.set = MakeDesiredSet(std::move(resources));
    request_.manifests = &manifests_;
  }
  void Live(const std::string& name, Json live) {
    vaults_->refresh_response.resources.push_back(
        MakeObserved("Vault", "Vault/" + name, FakeArmId("Vault", name), std::move(live)));
  }
  PassResult Run() { return RunPass(request_, settings_, fakes_.registry, observer_, ctx_); }
  // One vault that wants public access off but has it on: the drift most scenarios start from.
  PassResult RunDriftedVault(bool heal);

  FakeRegistry fakes_;
  FakeHandler* vaults_;
  FakeFileReader files_;
  FakeEnvironment env_;
  ValidationResult manifests_;
  PassRequest request_;
  PassSettings settings_;
  RecordingPassObserver observer_;
  Context ctx_;
};

const Json kPublic = {{"properties", {{"publicNetworkAccess", "Enabled"}}}};
const Json kPrivate = {{"properties", {{"publicNetworkAccess", "Disabled"}}}};

PassResult DaemonPassTest::RunDriftedVault(bool heal) {
  Desire({MakeDesired("Vault", "kv", kPrivate)});
  Live("kv", kPublic);
  settings_.heal = heal;
  return Run();
}

TEST_F(DaemonPassTest, NoDifferenceMeansNoDriftAndNoWrite) {
  Desire({MakeDesired("Vault", "kv", kPrivate)});
  Live("kv", kPrivate);
  settings_.heal = true;
  const PassResult result = Run();
  EXPECT_FALSE(result.error);
  EXPECT_TRUE(result.drift.empty());
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(observer_.lines.empty());
  EXPECT_EQ(fakes_.log.IndexOf("start Vault/kv"), -1);
}

TEST_F(DaemonPassTest, HealReportsTheDriftThenAppliesIt) {
  const PassResult result = RunDriftedVault(/*heal=*/true);
  ASSERT_FALSE(result.error) << result.error->ToString();
  ASSERT_EQ(result.drift.size(), 1u);
  EXPECT_EQ(result.drift[0].fields, std::vector<std::string>{"properties.publicNetworkAccess"});
  EXPECT_EQ(result.summary.change, 1);
  ASSERT_EQ(result.changes.size(), 1u);
  EXPECT_EQ(result.changes[0].outcome.status, ChangeStatus::kSucceeded);
  EXPECT_EQ(observer_.lines,
            (std::vector<std::string>{"drift Vault/kv", "started Vault/kv", "succeeded Vault/kv"}));
}

TEST_F(DaemonPassTest, ObserveReportsTheDriftAndWritesNothing) {
  const PassResult result = RunDriftedVault(/*heal=*/false);
  EXPECT_FALSE(result.error);
  EXPECT_EQ(result.drift.size(), 1u);
  EXPECT_TRUE(result.changes.empty());
  EXPECT_EQ(observer_.lines, std::vector<std::string>{"drift Vault/kv"});
  EXPECT_EQ(fakes_.log.IndexOf("start Vault/kv"), -1);
}

TEST_F(DaemonPassTest, ABackedOffResourceIsBlockedAndItsNeighbourStillHealed) {
  Desire({MakeDesired("Vault", "kv", kPrivate), MakeDesired("Vault", "other", kPrivate)});
  Live("kv", kPublic);
  Live("other", kPublic);
  settings_.heal = true;
  request_.backed_off = {"Vault/kv"};
  const PassResult result = Run();
  ASSERT_FALSE(result.error);
  EXPECT_EQ(result.drift.size(), 2u);  // still reported
  EXPECT_EQ(fakes_.log.IndexOf("start Vault/kv"), -1);
  EXPECT_NE(fakes_.log.IndexOf("start Vault/other"), -1);
  for (const ChangeResult& change : result.changes) {
    if (change.address != "Vault/kv") continue;
    EXPECT_EQ(change.action, Action::kBlocked);
    EXPECT_EQ(change.outcome.status, ChangeStatus::kBlocked);
  }
}

TEST_F(DaemonPassTest, PlanErrorsAreJoinedIntoOnePassErrorAndNothingIsWritten) {
  Desire({MakeDesired("Vault", "a", kPrivate), MakeDesired("Vault", "b", kPrivate)});
  vaults_->plan_override = [](const PlanChangeRequest& r) -> Change {
    throw std::runtime_error("unexpected live shape for " + r.desired->name);
  };
  settings_.heal = true;
  const PassResult result = Run();
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error->message,
            "the plan has errors: <input>: error: Vault/a: cannot plan: unexpected live shape for "
            "a; <input>: error: Vault/b: cannot plan: unexpected live shape for b");
  EXPECT_TRUE(observer_.lines.empty());
}

TEST_F(DaemonPassTest, AnUnreadableSecretSourceFailsThePassBeforeAnyArmRead) {
  fakes_.Add("Secret");
  Desire({MakeDesired("Secret", "s", {{"valueFrom", {{"env", "PASS_TEST_SECRET"}}}})});
  env_.Set("KEYWARD_FINGERPRINT_KEY", "pass-test-fingerprint-key-3f9c");
  const PassResult result = Run();
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error->message.rfind("secret values could not be read: ", 0), 0u)
      << result.error->message;
  EXPECT_NE(result.error->message.find("Secret/s: cannot read the secret value"),
            std::string::npos);
  EXPECT_EQ(fakes_.log.IndexOf("refresh Vault"), -1);
}

TEST_F(DaemonPassTest, SecretValuesAreFingerprintedForThisPassOnly) {
  FakeHandler* secrets = fakes_.Add("Secret");
  Desire({MakeDesired("Secret", "s", {{"valueFrom", {{"env", "PASS_TEST_SECRET"}}}})});
  env_.Set("KEYWARD_FINGERPRINT_KEY", "pass-test-fingerprint-key-3f9c");
  env_.Set("PASS_TEST_SECRET", "pass-test-value-8d1e");
  std::string planned_fingerprint;
  secrets->plan_override = [&](const PlanChangeRequest& r) {
    planned_fingerprint = r.desired->value_fingerprint;
    Change c;
    c.action = Action::kNoOp;
    return c;
  };
  const PassResult result = Run();
  ASSERT_FALSE(result.error) << result.error->ToString();
  EXPECT_FALSE(planned_fingerprint.empty());
  EXPECT_TRUE(manifests_.set.resources[0].value_fingerprint.empty());  // the loaded set untouched
}

TEST_F(DaemonPassTest, ALostLeaseStopsTheApplyAndFailsThePass) {
  ctx_.write_guard = std::make_shared<LostLease>();
  const PassResult result = RunDriftedVault(/*heal=*/true);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->message, "lock lost: the lease expired");
  EXPECT_EQ(fakes_.log.IndexOf("start Vault/kv"), -1);
  EXPECT_EQ(observer_.lines.back(), "lock lost: lock lost: the lease expired");
}

// The pass as the daemon loop runs it: a failed write goes into backoff, and the next loop's pass
// blocks it instead of writing again.
TEST_F(DaemonPassTest, InTheDaemonLoopAFailedWriteIsBackedOffAndNotRetriedByTheNextPass) {
  class OneRevision : public ManifestSource {
   public:
    explicit OneRevision(std::shared_ptr<const ValidationResult> manifests)
        : manifests_(std::move(manifests)) {}
    LoadedRevision Load(const Context&) override { return {"r1", manifests_, {}}; }

   private:
    std::shared_ptr<const ValidationResult> manifests_;
  };
  Desire({MakeDesired("Vault", "kv", kPrivate)});
  Live("kv", kPublic);
  vaults_->failing = {"Vault/kv"};
  settings_.heal = true;
  testing::FakeClock clock;
  ctx_.clock = &clock;
  OneRevision source(std::make_shared<ValidationResult>(manifests_));
  MetricsRegistry metrics;
  DaemonOptions options;
  options.mode = DaemonMode::kHeal;
  Daemon daemon(
      options, &source,
      [&](const PassRequest& request, const Context& ctx) {
        return RunPass(request, settings_, fakes_.registry, observer_, ctx);
      },
      &metrics);

  EXPECT_TRUE(daemon.RunOnce(ctx_));  // one failing resource does not fail the loop
  EXPECT_EQ(daemon.Backoff().count("Vault/kv"), 1u);
  EXPECT_TRUE(daemon.RunOnce(ctx_));
  int writes = 0;
  for (const std::string& event : fakes_.log.events()) writes += event == "start Vault/kv";
  EXPECT_EQ(writes, 1);
  EXPECT_EQ(daemon.Status()["drift"][0]["address"], "Vault/kv");  // still reported
}

}  // namespace
}  // namespace keyward::engine
