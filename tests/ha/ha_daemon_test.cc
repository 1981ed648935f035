// Daemon high availability and sharding against real services (docs/ha.md): three `keyward
// daemon --mode heal` replicas share six stacks through a real 3-member etcd cluster, and heal
// drift in the real keyward-arm-emulator. Faults are real too: kill -9 of a leader, SIGSTOP of a
// leader mid-apply, killing etcd members and the whole cluster. Every test ends by checking, from
// the emulator's request log, that the write windows of two replicas on one stack never overlap.
//
// Timing: TTL 3 s (keep-alive every 1 s, safety margin 0.6 s), loop interval 3 s. Bounds below are
// the ones docs/ha.md states; each test prints what it measured.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/ha/ha_test_util.h"

namespace keyward::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr int kTtlSeconds = 3;
constexpr int kIntervalSeconds = 3;

class HaDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TestRoot("keyward-ha");
    emulator_ = StartHaEmulator();
    ASSERT_NE(emulator_, nullptr);
    etcd_ = EtcdCluster::Start(3);
    ASSERT_NE(etcd_, nullptr);
    log_ = std::make_unique<WriteLog>(emulator_.get(), StackOfPath);
  }
  void TearDown() override {
    replicas_.clear();
    if (!std::getenv("KEYWARD_KEEP_TEST_ROOT")) std::filesystem::remove_all(root_);
  }

  // Starts replica `id` serving every stack under root_/stacks.
  DaemonProcess& StartReplica(const std::string& id, int interval = kIntervalSeconds) {
    std::vector<std::string> args = {
        "daemon", "--stacks-dir", (root_ / "stacks").string(), "--mode", "heal", "--interval",
        std::to_string(interval) + "s", "--jitter", "0%", "--listen", "127.0.0.1:0", "--log-format",
        "json", "--replica-id", id, "--lock-backend", "etcd", "--lock-etcd-endpoints",
        etcd_->Endpoints(), "--lock-ttl", std::to_string(kTtlSeconds) + "s",
        // A change that races the test's own out-of-band writes
        // fails verification; retry it soon (backoff is not
        // what these tests are about).
        "--backoff-initial", "1s"};
    auto env = KeywardEnv(*emulator_, (root_ / ("state-" + id)).string());
    replicas_[id] = std::make_unique<DaemonProcess>(args, env, (root_ / (id + ".log")).string());
    return *replicas_[id];
  }

  HttpsResult Arm(const std::string& method, const std::string& path,
                  const nlohmann::json& body = nullptr) {
    if (token_.empty()) token_ = GetToken(*emulator_);
    return ArmRequest(*emulator_, token_, method, path, body);
  }
  // "" while the vault does not exist yet.
  std::string PublicNetworkAccess(const std::string& stack) {
    const nlohmann::json vault = Arm("GET", VaultArmPath(stack)).Json();
    if (!vault.is_object() || !vault.contains("properties")) return "";
    return vault["properties"].value("publicNetworkAccess", "");
  }
  void EnableOutOfBand(const std::string& stack) {
    ASSERT_EQ(
        Arm("PATCH", VaultArmPath(stack), {{"properties", {{"publicNetworkAccess", "Enabled"}}}})
            .status,
        200);
  }

  // stack -> replica, from every running replica's /status: the leader each one reports for
  // itself (role leader). Empty string when two replicas claim a stack (never expected).
  std::map<std::string, std::string> Leaders() {
    std::map<std::string, std::string> leaders;
    for (auto& [id, replica] : replicas_) {
      if (replica->Exited()) continue;
      const auto status = replica->Status();
      for (const auto& entry : status.value("stacks", nlohmann::json::array())) {
        if (entry["leadership"].value("role", "") != "leader") continue;
        const std::string stack = entry["stack_dir"];
        leaders[stack] = leaders.count(stack) ? "" : id;
      }
    }
    return leaders;
  }
  // The per-stack entries of a replica's /status (a copy: Status() returns a temporary).
  static nlohmann::json StacksOf(DaemonProcess& replica) {
    return replica.Status().value("stacks", nlohmann::json::array());
  }
  // Every stack's leader saw no drift in its latest loop (nothing left to heal).
  bool NoDrift() {
    for (auto& [id, replica] : replicas_) {
      if (replica->Exited()) continue;
      for (const auto& entry : StacksOf(*replica))
        if (entry["leadership"].value("role", "") == "leader" &&
            !entry.value("drift", nlohmann::json::array()).empty())
          return false;
    }
    return true;
  }
  // Every standby seat names the replica that leads its stack.
  bool StandbysNameTheLeader(const std::map<std::string, std::string>& leaders) {
    for (auto& [id, replica] : replicas_) {
      if (replica->Exited()) continue;
      for (const auto& entry : StacksOf(*replica)) {
        const auto& leadership = entry["leadership"];
        if (leadership.value("role", "") != "standby") continue;
        const auto& leader = leadership["leader"];
        if (!leader.is_object() ||
            leader.value("replica", "") != leaders.at(entry.value("stack_dir", "")))
          return false;
      }
    }
    return true;
  }
  bool AllReady() {
    for (auto& [id, replica] : replicas_)
      if (!replica->Exited() && !replica->Status().value("ready", false)) return false;
    return true;
  }
  std::string Logs() {
    std::string out;
    for (auto& [id, replica] : replicas_) out += "--- " + id + " ---\n" + replica->Log();
    return out;
  }
  void ExpectNoOverlappingWrites() {
    const std::string overlaps = log_->Overlaps();
    EXPECT_EQ(overlaps, "") << Logs();
    EXPECT_EQ(log_->dropped(), 0) << "the request log lost entries; the check is incomplete";
    std::printf("[ measured ] %zu ARM writes by replicas checked for overlapping windows\n",
                log_->writes().size());
  }

  std::filesystem::path root_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::unique_ptr<WriteLog> log_;
  std::map<std::string, std::unique_ptr<DaemonProcess>> replicas_;
  std::string token_;
};

TEST_F(HaDaemonTest,
       ThreeReplicasShareSixStacksAndAKilledLeadersStackIsHealedWithinTtlPlusInterval) {
  const std::vector<std::string> stacks = {"s1", "s2", "s3", "s4", "s5", "s6"};
  for (const auto& stack : stacks) WriteVaultStack(root_ / "stacks" / stack, stack);
  for (const char* id : {"r1", "r2", "r3"}) StartReplica(id);
  const auto started = std::chrono::steady_clock::now();

  // Every stack converges and has exactly one leader; each replica leads at most
  // ceil(6/3) + 1 = 3 (the balance gives 2 each).
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& stack : stacks)
          if (PublicNetworkAccess(stack) != "Disabled") return false;
        const auto leaders = Leaders();
        if (leaders.size() != stacks.size()) return false;
        for (const auto& [stack, replica] : leaders)
          if (replica.empty()) return false;
        return AllReady() && NoDrift();
      },
      seconds(90)))
      << Logs();
  std::printf(
      "[ measured ] 3 replicas started to 6 stacks converged with one leader each: %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started)
              .count()));
  std::map<std::string, int> led;
  for (const auto& [stack, replica] : Leaders()) ++led[replica];
  for (const auto& [replica, count] : led) {
    EXPECT_LE(count, 3) << replica;
    std::printf("[ measured ] %s leads %d stacks\n", replica.c_str(), count);
  }
  // Standby replicas name the leader in /status (from their next tick on).
  const auto leaders = Leaders();
  EXPECT_TRUE(WaitUntil([&] { return StandbysNameTheLeader(leaders); }, seconds(10))) << Logs();
  const std::string metrics = replicas_.at(leaders.at("s1"))->Metrics();
  EXPECT_EQ(MetricValue(metrics, "keyward_stack_leader{stack=\"s1\"}"), 1.0) << metrics;
  EXPECT_GE(MetricValue(metrics, "keyward_leadership_transitions_total{stack=\"s1\",to=\"leader\"}")
                .value_or(0),
            1.0);
  EXPECT_EQ(MetricValue(metrics, "keyward_replicas"), 3.0);

  // kill -9 the leader of s1, change s1 out of band at once: another replica heals it within
  // TTL + one interval.
  const std::string victim = leaders.at("s1");
  ::kill(replicas_.at(victim)->pid(), SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  EnableOutOfBand("s1");
  ASSERT_TRUE(WaitUntil([&] { return PublicNetworkAccess("s1") == "Disabled"; }, seconds(60)))
      << Logs();
  const auto healed_after =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - killed);
  std::printf("[ measured ] kill -9 of s1's leader to s1 healed by another replica: %lld ms\n",
              static_cast<long long>(healed_after.count()));
  EXPECT_LE(healed_after, seconds(kTtlSeconds + kIntervalSeconds)) << Logs();
  replicas_.at(victim)->WaitExit(seconds(5));

  // The survivors take all six stacks between them, at most ceil(6/2) + 1 = 4 each.
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto now = Leaders();
        if (now.size() != stacks.size()) return false;
        for (const auto& [stack, replica] : now)
          if (replica.empty() || replica == victim) return false;
        return true;
      },
      seconds(30)))
      << Logs();
  led.clear();
  for (const auto& [stack, replica] : Leaders()) ++led[replica];
  for (const auto& [replica, count] : led) EXPECT_LE(count, 4) << replica;

  ExpectNoOverlappingWrites();
  for (auto& [id, replica] : replicas_) {
    if (id == victim) continue;
    auto [code, took] = replica->Terminate(seconds(20));
    EXPECT_EQ(code, 0) << replica->Log();
    std::printf("[ measured ] %s: SIGTERM to exit %lld ms\n", id.c_str(),
                static_cast<long long>(took.count()));
  }
}

TEST_F(HaDaemonTest, ALeaderPausedMidApplyBeyondItsTtlMakesNoArmWriteAfterResuming) {
  WriteResourceGroupStack(root_ / "stacks" / "slow", "slow", 12);
  StartReplica("p1", 2);
  StartReplica("p2", 2);
  std::string leader;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto leaders = Leaders();
        if (!leaders.count("slow") || leaders.at("slow").empty()) return false;
        leader = leaders.at("slow");
        return AllReady() && NoDrift() &&
               Arm("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                              "/resourcegroups/rg-slow-12?api-version=2021-04-01")
                       .status == 200;
      },
      seconds(60)))
      << Logs();
  const std::string other = leader == "p1" ? "p2" : "p1";

  // Every heal write takes 400 ms now; change all twelve groups out of band (PATCH is not slowed).
  SlowPuts(*emulator_, "rg-slow", 400);
  const double changed = UnixNow();
  for (int i = 1; i <= 12; ++i) {
    char path[256];
    std::snprintf(path, sizeof path,
                  "/subscriptions/%s/resourcegroups/rg-slow-%02d?api-version=2021-04-01",
                  kSubscriptionId, i);
    ASSERT_EQ(Arm("PATCH", path, {{"tags", {{"owner", "someone-else"}}}}).status, 200);
  }
  // The leader starts healing them one by one: stop it in the middle.
  ASSERT_TRUE(WaitUntil([&] { return !log_->WritesBy(leader, changed).empty(); }, seconds(30)))
      << Logs();
  ::kill(replicas_.at(leader)->pid(), SIGSTOP);
  const double stopped = UnixNow();
  std::this_thread::sleep_for(seconds(kTtlSeconds + 4));  // beyond the TTL: the lease expires
  // Meanwhile the other replica took the stack over and healed.
  const auto by_other = log_->WritesBy(other, stopped);
  EXPECT_FALSE(by_other.empty()) << Logs();
  ::kill(replicas_.at(leader)->pid(), SIGCONT);
  const double resumed = UnixNow();
  std::this_thread::sleep_for(seconds(5));

  const auto after_resume = log_->WritesBy(leader, resumed);
  for (const Write& w : after_resume)
    ADD_FAILURE() << leader << " wrote " << w.method << " " << w.path << " at " << w.start
                  << " after resuming at " << resumed;
  std::printf(
      "[ measured ] %zu writes by the paused leader before SIGSTOP, %zu by the other "
      "replica while it was paused, %zu after SIGCONT\n",
      log_->WritesBy(leader, changed).size(), by_other.size(), after_resume.size());
  EXPECT_THAT(replicas_.at(leader)->Log(), HasSubstr("lock lost"));
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& entry : StacksOf(*replicas_.at(leader)))
          if (entry["leadership"]["role"] == "standby") return true;
        return false;
      },
      seconds(10)))
      << replicas_.at(leader)->Log();
  const std::string metrics = replicas_.at(leader)->Metrics();
  EXPECT_GE(MetricValue(metrics, "keyward_lock_lost_total{stack=\"slow\"}").value_or(0), 1.0)
      << metrics;
  // And the stack converges under its new leader.
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (int i = 1; i <= 12; ++i) {
          char path[256];
          std::snprintf(path, sizeof path,
                        "/subscriptions/%s/resourcegroups/rg-slow-%02d?api-version=2021-04-01",
                        kSubscriptionId, i);
          if (Arm("GET", path).Json()["tags"].value("owner", "") != "keyward") return false;
        }
        return true;
      },
      seconds(60)))
      << Logs();
  ExpectNoOverlappingWrites();
}

TEST_F(HaDaemonTest, WorkGoesOnWithoutOneEtcdMemberAndStopsWithinAKeepAliveWithoutEtcd) {
  for (const char* stack : {"s1", "s2"}) WriteVaultStack(root_ / "stacks" / stack, stack);
  StartReplica("e1", 2);
  StartReplica("e2", 2);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Leaders().size() == 2 && AllReady() && NoDrift() &&
               PublicNetworkAccess("s1") == "Disabled" && PublicNetworkAccess("s2") == "Disabled";
      },
      seconds(60)))
      << Logs();

  // One member down: healing goes on.
  etcd_->KillMember(0);
  EnableOutOfBand("s1");
  const auto one_down = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return PublicNetworkAccess("s1") == "Disabled"; }, seconds(30)))
      << Logs();
  std::printf("[ measured ] with one etcd member killed, s1 healed after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(
                                         std::chrono::steady_clock::now() - one_down)
                                         .count()));

  // The whole cluster down: every replica stops writing within one keep-alive period (1 s), and
  // keeps observing (loops go on, drift is reported).
  etcd_->StopAll();
  const double down = UnixNow();
  const double keep_alive = kTtlSeconds / 3.0;
  // Drift that appears after one keep-alive period (+ scheduling slack) must not be healed.
  std::this_thread::sleep_for(milliseconds(static_cast<int>((keep_alive + 0.5) * 1000)));
  EnableOutOfBand("s1");
  EnableOutOfBand("s2");
  long loops_before = 0;
  for (auto& [id, replica] : replicas_)
    for (const auto& entry : StacksOf(*replica)) loops_before += entry.value("loop_id", 0L);
  std::this_thread::sleep_for(seconds(8));
  EXPECT_EQ(PublicNetworkAccess("s1"), "Enabled") << "healed without a lock service";
  EXPECT_EQ(PublicNetworkAccess("s2"), "Enabled");
  for (const Write& w : log_->WritesSince(down + keep_alive + 0.5))
    ADD_FAILURE() << w.replica << " wrote " << w.method << " " << w.path << " " << (w.start - down)
                  << " s after etcd stopped";
  long loops_after = 0;
  bool drift_reported = false;
  for (auto& [id, replica] : replicas_) {
    for (const auto& entry : StacksOf(*replica)) {
      loops_after += entry.value("loop_id", 0L);
      for (const auto& item : entry.value("drift", nlohmann::json::array()))
        drift_reported = drift_reported || item["address"] == "Vault/kv-s1";
      // Past the lease's deadline without a keep-alive: every replica dropped to standby.
      EXPECT_EQ(entry["leadership"]["role"], "standby") << id << " " << entry["stack_dir"];
    }
  }
  EXPECT_GT(loops_after, loops_before) << "the replicas stopped observing";
  EXPECT_TRUE(drift_reported) << Logs();

  // etcd back: healing resumes.
  ASSERT_TRUE(etcd_->StartAll()) << etcd_->Logs();
  const auto up = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return PublicNetworkAccess("s1") == "Disabled" && PublicNetworkAccess("s2") == "Disabled";
      },
      seconds(60)))
      << Logs();
  std::printf(
      "[ measured ] etcd restarted: both stacks healed after %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - up).count()));
  ExpectNoOverlappingWrites();
}

}  // namespace
}  // namespace keyward::testing
