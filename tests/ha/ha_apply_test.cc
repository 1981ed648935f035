// Two `keyward apply` processes on one stack, with the etcd lock (a real 3-member cluster) and the
// blob lease lock (Azurite): the second one waits for the first (the default) or, with
// --no-wait-for-lock, fails naming the holder; `keyward lock status` names it too; and
// `keyward lock break --force` stops a running apply ("lock lost", exit 1, no write after).
// The first apply is made slow (500 ms per resource group PUT, 16 groups, one at a time) so that
// the others meet it mid-apply.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/ha/ha_test_util.h"

namespace keyward::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

enum class Backend { kEtcd, kBlob };

class HaApplyTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    root_ = TestRoot("keyward-ha-apply");
    emulator_ = StartHaEmulator();
    ASSERT_NE(emulator_, nullptr);
    if (GetParam() == Backend::kEtcd) {
      etcd_ = EtcdCluster::Start(3);
      ASSERT_NE(etcd_, nullptr);
    } else {
      azurite_ = AzuriteProcess::Start();
      ASSERT_NE(azurite_, nullptr);
    }
    stack_dir_ = root_ / "app";
    WriteResourceGroupStack(stack_dir_, "app", 16);
    log_ = std::make_unique<WriteLog>(emulator_.get(), StackOfPath);
    SlowPuts(*emulator_, "rg-app", 500);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // The lock flags for this backend.
  std::vector<std::string> LockFlags() const {
    if (GetParam() == Backend::kEtcd)
      return {"--lock-backend",   "etcd",       "--lock-etcd-endpoints",
              etcd_->Endpoints(), "--lock-ttl", "3s"};
    return {"--lock-backend",
            "azureblob",
            "--lock-azureblob-url",
            azurite_->AccountUrl(),
            "--lock-azureblob-container",
            "keyward-locks",
            "--lock-ttl",
            "15s"};
  }
  std::map<std::string, std::string> Env(const std::string& state) const {
    auto env = KeywardEnv(*emulator_, (root_ / state).string());
    if (GetParam() == Backend::kBlob) env["AZURE_STORAGE_KEY"] = AzuriteProcess::kAccountKey;
    return env;
  }
  std::vector<std::string> ApplyArgs(const std::string& replica,
                                     std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"apply", stack_dir_.string(), "--auto-approve", "--replica-id",
                                     replica};
    for (const auto& f : LockFlags()) args.push_back(f);
    for (const auto& f : extra) args.push_back(f);
    return args;
  }
  std::unique_ptr<DaemonProcess> StartApply(const std::string& replica,
                                            std::vector<std::string> extra = {}) {
    return std::make_unique<DaemonProcess>(ApplyArgs(replica, std::move(extra)),
                                           Env("state-" + replica),
                                           (root_ / (replica + ".log")).string());
  }
  CommandResult RunKeyward(std::vector<std::string> args, const std::string& state) {
    args.insert(args.begin(), BinaryPath("keyward"));
    return RunCommand(args, Env(state));
  }
  // Waits until `apply` has written at least once (it holds the lock and is mid-apply).
  void WaitForFirstWrite(const std::string& replica, DaemonProcess& apply) {
    ASSERT_TRUE(WaitUntil([&] { return !log_->WritesBy(replica, 0).empty() || apply.Exited(); },
                          seconds(60)))
        << apply.Log();
    ASSERT_FALSE(apply.Exited()) << "the first apply finished before the test could meet it\n"
                                 << apply.Log();
  }

  std::filesystem::path root_, stack_dir_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::unique_ptr<AzuriteProcess> azurite_;
  std::unique_ptr<WriteLog> log_;
};

TEST_P(HaApplyTest, TheSecondApplyFailsNamingTheHolderOrWaitsForIt) {
  auto first = StartApply("apply-a");
  WaitForFirstWrite("apply-a", *first);
  const std::string holder = "locked by pid " + std::to_string(first->pid()) + " (keyward apply)";

  // Without waiting: exit 1, naming the holder (host, process, command, since when).
  auto refused = RunKeyward(ApplyArgs("apply-b", {"--no-wait-for-lock"}), "state-b");
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("stack 'app' is " + holder + " on host "));
  EXPECT_THAT(refused.err, HasSubstr(" since "));
  EXPECT_THAT(refused.err, HasSubstr("replica apply-a"));
  EXPECT_TRUE(log_->WritesBy("apply-b", 0).empty());

  std::vector<std::string> status_args = {"lock", "status", stack_dir_.string()};
  for (const auto& f : LockFlags()) status_args.push_back(f);
  auto status = RunKeyward(status_args, "state-s");
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out,
              HasSubstr("held by pid " + std::to_string(first->pid()) + " (keyward apply)"));

  // Waiting (the default): it says for whom, and applies once the first is done.
  auto second = StartApply("apply-c");
  ASSERT_TRUE(WaitUntil(
      [&] {
        return second->Log().find("Waiting for the stack lock held by pid") != std::string::npos;
      },
      seconds(30)))
      << second->Log();
  EXPECT_THAT(second->Log(), HasSubstr("Waiting for the stack lock held by pid " +
                                       std::to_string(first->pid()) + " (keyward apply)"));
  auto first_code = first->WaitExit(seconds(90));
  ASSERT_TRUE(first_code.has_value()) << first->Log();
  EXPECT_EQ(*first_code, 0) << first->Log();
  auto second_code = second->WaitExit(seconds(90));
  ASSERT_TRUE(second_code.has_value()) << second->Log();
  EXPECT_EQ(*second_code, 0) << second->Log();

  // Lock first, then read and plan: the waiting apply sees the first one's work already live, so
  // it has nothing to write (a plan made before the lock would have re-written every group).
  EXPECT_FALSE(log_->WritesBy("apply-a", 0).empty());
  EXPECT_THAT(second->Log(),
              HasSubstr("No changes. Your infrastructure matches the configuration."));
  EXPECT_TRUE(log_->WritesBy("apply-c", 0).empty()) << "the waiting apply planned stale state";
  EXPECT_EQ(log_->Overlaps(), "");
  EXPECT_EQ(log_->dropped(), 0);
  std::printf("[ measured ] apply-a: %zu writes, apply-c (waited, then re-planned): %zu writes\n",
              log_->WritesBy("apply-a", 0).size(), log_->WritesBy("apply-c", 0).size());
}

TEST_P(HaApplyTest, BreakingTheLockStopsTheRunningApplyWithLockLost) {
  auto first = StartApply("apply-a");
  WaitForFirstWrite("apply-a", *first);
  std::vector<std::string> args = {"lock", "break", stack_dir_.string()};
  for (const auto& f : LockFlags()) args.push_back(f);
  auto without_force = RunKeyward(args, "state-s");
  EXPECT_EQ(without_force.exit_code, 1);
  EXPECT_THAT(without_force.err, HasSubstr("--force"));
  args.push_back("--force");
  auto broken = RunKeyward(args, "state-s");
  const double broke = UnixNow();
  ASSERT_EQ(broken.exit_code, 0) << broken.out << broken.err;
  EXPECT_THAT(broken.out, HasSubstr("broke the lock held by pid " + std::to_string(first->pid())));

  auto code = first->WaitExit(seconds(60));
  ASSERT_TRUE(code.has_value()) << first->Log();
  EXPECT_EQ(*code, 1) << first->Log();
  EXPECT_THAT(first->Log(), HasSubstr("lock lost"));
  // The holder learns it at its next renewal (every TTL/3), then writes nothing more; a write
  // already on the wire then may still land (docs/ha.md: the window).
  const double renewal = GetParam() == Backend::kEtcd ? 1.0 : 5.0;
  const auto late = log_->WritesBy("apply-a", broke + renewal + 0.5);
  EXPECT_TRUE(late.empty()) << late.size() << " writes after the lock was broken\n" << first->Log();
}

INSTANTIATE_TEST_SUITE_P(Backends, HaApplyTest, ::testing::Values(Backend::kEtcd, Backend::kBlob),
                         [](const auto& info) {
                           return info.param == Backend::kEtcd ? "Etcd" : "AzureBlob";
                         });

}  // namespace
}  // namespace keyward::testing
