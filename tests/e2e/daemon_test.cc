// End to end: the real `keyward daemon` process against the real emulator. Intervals are short
// (hundreds of milliseconds) so that "within two intervals" is testable; deadlines below are
// generous multiples because the test machine is shared, and each test prints what it measured.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/daemon_test_util.h"
#include "tests/e2e/e2e_test_util.h"
#include "tests/support/https.h"

namespace keyward::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

const std::string kVaultPath = VaultApiPath("rg-daemon", "daemon-kv-01");

std::string KeywardYaml() {
  return std::string("stack: daemon-e2e\ndefaults:\n  subscription: ") + kSubscriptionId +
         "\n  resourceGroup: rg-daemon\n  location: westeurope\n  tenantId: " + kTenantId + "\n";
}
constexpr char kRgYaml[] =
    "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: rg-daemon\n"
    "spec:\n  location: westeurope\n";
std::string VaultYaml(const std::string& team) {
  return "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: daemon-kv-01\n"
         "spec:\n  location: westeurope\n  sku: { family: A, name: standard }\n"
         "  publicNetworkAccess: Disabled\n  softDeleteRetentionInDays: 30\n"
         "  tags: { team: " +
         team + " }\n";
}

class DaemonTest : public KeywardE2eTest {
 protected:
  DaemonTest() : KeywardE2eTest("keyward-daemon", 0.1) {}
  void SetUpTest() override {
    manifests_ = dir_ / "manifests";
    state_ = dir_ / "state";
    std::filesystem::create_directories(manifests_);
    std::filesystem::create_directories(state_);
    Write(manifests_, "keyward.yaml", KeywardYaml());
    Write(manifests_, "rg.yaml", kRgYaml);
    Write(manifests_, "vault.yaml", VaultYaml("payments"));
  }

  static void Write(const std::filesystem::path& dir, const std::string& name,
                    const std::string& text) {
    std::ofstream(dir / name) << text;
  }

  std::unique_ptr<DaemonProcess> StartDaemon(std::vector<std::string> args,
                                             const std::string& log_name = "daemon.log",
                                             std::map<std::string, std::string> extra_env = {}) {
    args.insert(args.begin(), "daemon");
    for (const char* arg : {"--listen", "127.0.0.1:0", "--log-format", "json", "--jitter", "0%"})
      args.push_back(arg);
    auto env = KeywardEnv(*emulator_, state_.string());
    env.insert(extra_env.begin(), extra_env.end());
    return std::make_unique<DaemonProcess>(args, env, (dir_ / log_name).string());
  }

  void ApplyOnce() {
    auto apply = RunKeyward({"apply", manifests_.string(), "--auto-approve"},
                            {{"KEYWARD_STATE_DIR", state_.string()}});
    ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  }

  std::string LivePublicNetworkAccess() {
    return Arm("GET", kVaultPath).Json()["properties"].value("publicNetworkAccess", "");
  }
  void PatchPublicNetworkAccessOutOfBand() {
    ASSERT_EQ(
        Arm("PATCH", kVaultPath, {{"properties", {{"publicNetworkAccess", "Enabled"}}}}).status,
        200);
  }
  long WriteRequestCount() {
    auto stats = HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {}, "",
                              emulator_->ca_file())
                     .Json();
    long writes = 0;
    auto ends_with = [](const std::string& text, const std::string& suffix) {
      return text.size() >= suffix.size() &&
             text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    for (const auto& [operation, count] : stats["operations"].items())
      if (ends_with(operation, "_CreateOrUpdate") || ends_with(operation, "_Update") ||
          ends_with(operation, "_Delete") || ends_with(operation, "_UpdateAccessPolicy"))
        writes += count.get<long>();
    return writes;
  }
  static bool HasDrift(const nlohmann::json& status, const std::string& address,
                       const std::string& field) {
    for (const auto& item : status.value("drift", nlohmann::json::array()))
      if (item["address"] == address)
        for (const auto& f : item["fields"])
          if (f == field) return true;
    return false;
  }
  void ExpectCleanExit(DaemonProcess& daemon) {
    auto [code, took] = daemon.Terminate(seconds(15));
    ASSERT_TRUE(code.has_value()) << "no exit within 15 s of SIGTERM\n" << daemon.Log();
    EXPECT_EQ(*code, 0) << daemon.Log();
    std::printf("[ measured ] SIGTERM to exit: %lld ms\n", static_cast<long long>(took.count()));
  }

  std::filesystem::path manifests_, state_;
};

TEST_F(DaemonTest, ObserveReportsOutOfBandDriftInStatusAndMetricsAndNeverWrites) {
  ApplyOnce();
  auto daemon = StartDaemon({manifests_.string(), "--interval", "300ms", "--mode", "observe"});
  ASSERT_TRUE(WaitUntil(
      [&] { return daemon->Get("/readyz") && daemon->Get("/readyz")->status == 200; }, seconds(30)))
      << daemon->Log();
  EXPECT_EQ(daemon->Get("/healthz")->status, 200);

  PatchPublicNetworkAccessOutOfBand();
  const long writes_before = WriteRequestCount();
  const auto patched = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return HasDrift(daemon->Status(), "Vault/daemon-kv-01", "properties.publicNetworkAccess");
      },
      seconds(20)))
      << daemon->Log();
  std::printf(
      "[ measured ] drift reported %lld ms after the out-of-band change (interval 300 ms)\n",
      static_cast<long long>(
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - patched)
              .count()));
  const auto status = daemon->Status();
  EXPECT_EQ(status["mode"], "observe");
  EXPECT_EQ(status["summary"]["change"], 1);
  EXPECT_TRUE(status["revision"].get<std::string>().rfind("sha256:", 0) == 0) << status.dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return MetricValue(daemon->Metrics(), "keyward_drifted_resources{kind=\"Vault\"}") == 1.0;
      },
      seconds(10)));
  const std::string metrics = daemon->Metrics();
  EXPECT_THAT(metrics, HasSubstr("# TYPE keyward_reconcile_duration_seconds histogram"));
  EXPECT_GT(MetricValue(metrics, "keyward_arm_requests_total{code=\"200\"}").value_or(0), 0);
  EXPECT_GT(MetricValue(metrics, "keyward_last_success_timestamp_seconds").value_or(0), 1.7e9);
  EXPECT_TRUE(MetricValue(metrics, "keyward_arm_throttled_waits_total").has_value());

  EXPECT_EQ(LivePublicNetworkAccess(), "Enabled") << "observe never writes";
  EXPECT_EQ(WriteRequestCount(), writes_before)
      << HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {}, "",
                      emulator_->ca_file())
             .body;
  auto drift_lines = daemon->LogLines("drift");
  ASSERT_FALSE(drift_lines.empty());
  EXPECT_EQ(drift_lines.back()["address"], "Vault/daemon-kv-01");
  EXPECT_TRUE(drift_lines.back().contains("loop"));
  EXPECT_FALSE(daemon->LogLines("loop").empty());
  ExpectCleanExit(*daemon);
}

TEST_F(DaemonTest, HealCreatesThenHealsOutOfBandChangeWithinTwoIntervals) {
  auto daemon = StartDaemon({manifests_.string(), "--interval", "500ms", "--mode", "heal"});
  ASSERT_TRUE(WaitUntil([&] { return Arm("GET", kVaultPath).status == 200; }, seconds(30)))
      << daemon->Log();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return daemon->Status().value("drift", nlohmann::json::array()).empty() &&
               daemon->Status().value("loop_id", 0) > 1;
      },
      seconds(30)))
      << daemon->Log();

  PatchPublicNetworkAccessOutOfBand();
  const auto patched = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return LivePublicNetworkAccess() == "Disabled"; }, seconds(20)))
      << daemon->Log();
  const auto healed_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - patched);
  std::printf("[ measured ] healed %lld ms after the out-of-band change (interval 500 ms)\n",
              static_cast<long long>(healed_ms.count()));

  ASSERT_TRUE(WaitUntil(
      [&] {
        return MetricValue(daemon->Metrics(), "keyward_changes_applied_total{action=\"update\"}")
                   .value_or(0) >= 1;
      },
      seconds(10)));
  const std::string metrics = daemon->Metrics();
  EXPECT_GE(MetricValue(metrics, "keyward_changes_applied_total{action=\"create\"}").value_or(0),
            2);
  auto change_lines = daemon->LogLines("change");
  ASSERT_GE(change_lines.size(), 3u) << daemon->Log();
  EXPECT_EQ(change_lines.back()["address"], "Vault/daemon-kv-01");
  EXPECT_EQ(change_lines.back()["status"], "succeeded");
  EXPECT_FALSE(std::filesystem::exists(state_ / "daemon-e2e.inflight.json"))
      << "the in-flight journal is cleared after each change";
  ExpectCleanExit(*daemon);
  auto status = nlohmann::json::parse(std::ifstream(state_ / "daemon-e2e.status.json"));
  EXPECT_TRUE(status["ready"].get<bool>()) << "status written at exit";
}

TEST_F(DaemonTest, GitCommitIsAppliedNextLoopAndABrokenCommitKeepsTheLastGoodRevision) {
  const std::string repo = (dir_ / "repo").string();
  std::filesystem::create_directories(dir_ / "repo" / "stack");
  Git(repo, {"init", "--quiet", "--initial-branch=main"});
  Write(dir_ / "repo" / "stack", "keyward.yaml", KeywardYaml());
  Write(dir_ / "repo" / "stack", "rg.yaml", kRgYaml);
  Write(dir_ / "repo" / "stack", "vault.yaml", VaultYaml("payments"));
  Git(repo, {"add", "-A"});
  Git(repo, {"commit", "--quiet", "-m", "first"});
  const std::string first = Git(repo, {"rev-parse", "HEAD"});
  ASSERT_EQ(first.size(), 40u);

  auto daemon = StartDaemon({"--git-url", "file://" + repo, "--git-ref", "main", "--git-path",
                             "stack", "--interval", "400ms", "--mode", "heal"});
  ASSERT_TRUE(WaitUntil(
      [&] {
        return daemon->Status().value("revision", "") == first &&
               daemon->Status().value("ready", false);
      },
      seconds(30)))
      << daemon->Log();
  ASSERT_EQ(Arm("GET", kVaultPath).Json()["tags"]["team"], "payments");

  Write(dir_ / "repo" / "stack", "vault.yaml", VaultYaml("treasury"));
  Git(repo, {"commit", "--quiet", "-am", "retag"});
  const std::string second = Git(repo, {"rev-parse", "HEAD"});
  ASSERT_TRUE(WaitUntil([&] { return Arm("GET", kVaultPath).Json()["tags"]["team"] == "treasury"; },
                        seconds(20)))
      << daemon->Log();
  ASSERT_TRUE(
      WaitUntil([&] { return daemon->Status().value("revision", "") == second; }, seconds(10)));
  EXPECT_EQ(MetricValue(daemon->Metrics(), "keyward_revision_info{revision=\"" + second + "\"}"),
            1.0);

  Write(dir_ / "repo" / "stack", "vault.yaml",
        VaultYaml("treasury") + "  lokation: westeurope\n");  // unknown field
  Git(repo, {"commit", "--quiet", "-am", "broken"});
  const std::string broken = Git(repo, {"rev-parse", "HEAD"});
  ASSERT_TRUE(WaitUntil([&] { return daemon->Status().value("attempted_revision", "") == broken; },
                        seconds(20)))
      << daemon->Log();
  auto status = daemon->Status();
  EXPECT_EQ(status["revision"], second) << "the last good revision keeps running";
  ASSERT_FALSE(status["manifest_errors"].empty());
  EXPECT_THAT(status["manifest_errors"][0].get<std::string>(), HasSubstr("vault.yaml:"));
  EXPECT_THAT(status["manifest_errors"][0].get<std::string>(), HasSubstr("lokation"));
  EXPECT_EQ(MetricValue(daemon->Metrics(), "keyward_manifest_errors"), 1.0);

  // The last good revision is still reconciled: out-of-band drift is still healed.
  PatchPublicNetworkAccessOutOfBand();
  EXPECT_TRUE(WaitUntil([&] { return LivePublicNetworkAccess() == "Disabled"; }, seconds(20)))
      << daemon->Log();
  ExpectCleanExit(*daemon);
}

TEST_F(DaemonTest, SecondHealDaemonOnTheSameStackExitsWithAClearMessageWithoutWriting) {
  // The first writer converges once, then idles for an hour while holding the stack lock.
  auto first =
      StartDaemon({manifests_.string(), "--interval", "1h", "--mode", "heal"}, "first.log");
  ASSERT_TRUE(WaitUntil([&] { return first->Status().value("ready", false); }, seconds(30)))
      << first->Log();
  // Drift that the second daemon would heal if it were allowed to write.
  PatchPublicNetworkAccessOutOfBand();
  const long writes_before = WriteRequestCount();

  auto second =
      StartDaemon({manifests_.string(), "--interval", "300ms", "--mode", "heal"}, "second.log");
  auto code = second->WaitExit(seconds(30));
  ASSERT_TRUE(code.has_value()) << second->Log();
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(second->Log(), HasSubstr("stack 'daemon-e2e' is locked by pid " +
                                       std::to_string(first->pid()) + " (keyward daemon)"));
  EXPECT_THAT(second->Log(), HasSubstr("this daemon made no changes"));
  EXPECT_EQ(WriteRequestCount(), writes_before);
  EXPECT_EQ(LivePublicNetworkAccess(), "Enabled");
  ExpectCleanExit(*first);
}

TEST_F(DaemonTest, SignedWebhookTriggersALoopAndBadSignaturesAreRejected) {
  auto daemon = StartDaemon({manifests_.string(), "--interval", "1h", "--mode", "observe"},
                            "daemon.log", {{"KEYWARD_WEBHOOK_SECRET", "hook-secret"}});
  ASSERT_TRUE(WaitUntil([&] { return daemon->Status().value("loop_id", 0) == 1; }, seconds(30)))
      << daemon->Log();
  httplib::Client client("127.0.0.1", daemon->Port());
  const std::string body = R"({"ref":"refs/heads/main"})";
  auto bad =
      client.Post("/hooks/git", {{"X-Hub-Signature-256", "sha256=00"}}, body, "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  // sha256=HMAC-SHA256("hook-secret", body), computed with openssl for this fixed body.
  auto sign = RunCommand(
      {"/bin/sh", "-c",
       "printf '%s' '" + body + "' | openssl dgst -sha256 -hmac hook-secret | sed 's/^.*= //'"});
  std::string hex = sign.out;
  while (!hex.empty() && hex.back() == '\n') hex.pop_back();
  auto good = client.Post("/hooks/git", {{"X-Hub-Signature-256", "sha256=" + hex}}, body,
                          "application/json");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 202);
  EXPECT_TRUE(WaitUntil([&] { return daemon->Status().value("loop_id", 0) >= 2; }, seconds(20)))
      << "a loop ran long before the 1 h interval";
  ExpectCleanExit(*daemon);
}

TEST_F(DaemonTest, InFlightJournalLeftByAKilledRunIsReportedAndRecheckedOnStart) {
  Write(state_, "daemon-e2e.inflight.json",
        R"({"Vault/daemon-kv-01": {"action": "create", "loop": 7, "started_at": "x"}})");
  auto daemon = StartDaemon({manifests_.string(), "--interval", "300ms", "--mode", "heal"});
  ASSERT_TRUE(WaitUntil([&] { return daemon->Status().value("ready", false); }, seconds(30)))
      << daemon->Log();
  auto status = daemon->Status();
  EXPECT_EQ(status["resumed_in_flight"]["changes"]["Vault/daemon-kv-01"]["action"], "create");
  EXPECT_THAT(daemon->Log(), HasSubstr("changes were in flight when the previous run stopped"));
  EXPECT_EQ(Arm("GET", kVaultPath).status, 200) << "the first loop re-planned and converged it";
  ExpectCleanExit(*daemon);
}

TEST_F(DaemonTest, AStalledGitRemoteFailsTheLoopWithinTheGitTimeout) {
  // A remote that accepts the connection and never answers: the kernel completes the handshake
  // from the listen backlog, nobody ever replies. git has no timeout of its own here.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/platform/keyvaults.git";

  const auto start = std::chrono::steady_clock::now();
  auto daemon = StartDaemon({"--git-url", url, "--git-timeout", "1s", "--interval", "30s"});
  ASSERT_TRUE(WaitUntil(
      [&] { return !daemon->Status().value("manifest_errors", nlohmann::json()).empty(); },
      seconds(30)))
      << daemon->Log();
  const auto took = std::chrono::steady_clock::now() - start;
  const std::string error = daemon->Status()["manifest_errors"][0].get<std::string>();
  EXPECT_THAT(error, HasSubstr("git fetch " + url));
  EXPECT_THAT(error, HasSubstr("did not finish within 1 s"));
  std::printf("[ measured ] stalled git remote reported after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(took).count()));
  ExpectCleanExit(*daemon);
  ::close(listener);
}

TEST_F(DaemonTest, BadFlagsAndMissingManifestsFailWithAClearMessage) {
  auto env = KeywardEnv(*emulator_, state_.string());
  auto bad_interval =
      RunCommand({BinaryPath("keyward"), "daemon", manifests_.string(), "--interval", "soon"}, env);
  EXPECT_EQ(bad_interval.exit_code, 1);
  EXPECT_THAT(bad_interval.err, HasSubstr("--interval 'soon'"));
  auto no_source = RunCommand({BinaryPath("keyward"), "daemon"}, env);
  EXPECT_EQ(no_source.exit_code, 1);
  EXPECT_THAT(no_source.err, HasSubstr("give a manifest path, --stacks-dir, or --git-url"));
}

}  // namespace
}  // namespace keyward::testing
