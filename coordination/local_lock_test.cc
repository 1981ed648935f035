#include "coordination/local_lock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace keyward::coordination {
namespace {

using ::testing::HasSubstr;

class LocalLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keyward-local-lock-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AcquireRequest Request(const std::string& command, bool wait = false) {
    AcquireRequest request;
    request.stack = "payments";
    request.holder = CurrentHolder(command, "r-test", SystemClock::Instance());
    request.wait = wait;
    return request;
  }

  std::string dir_;
  Context ctx_;
};

TEST_F(LocalLockTest, TheHolderIsNamedAndTheLockIsFreedWithTheHandle) {
  LocalLockBackend backend(dir_);
  auto held = backend.Acquire(Request("apply"), ctx_);
  ASSERT_TRUE(held) << held.error().ToString();
  EXPECT_FALSE((*held)->CheckWrite());  // a flock cannot lapse while its process lives

  auto status = backend.Status("payments", ctx_);
  ASSERT_TRUE(status);
  ASSERT_TRUE(status->holder);
  EXPECT_EQ(status->holder->pid, ::getpid());
  EXPECT_EQ(status->holder->command, "apply");
  EXPECT_THAT(status->ToText(), HasSubstr("held by pid " + std::to_string(::getpid())));

  // A second process on this machine is refused, naming the holder.
  const pid_t child = ::fork();
  if (child == 0) {
    LocalLockBackend other(dir_);
    Context ctx;
    auto again = other.Acquire(Request("daemon"), ctx);
    const bool ok = !again && again.error().code == ErrorCode::kFailedPrecondition &&
                    again.error().message.find("is locked by pid " + std::to_string(getppid()) +
                                               " (keyward apply)") != std::string::npos;
    ::_exit(ok ? 0 : 1);
  }
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

  auto broken = backend.Break("payments", ctx_);
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message, HasSubstr("kill " + std::to_string(::getpid())));

  (*held)->Release();
  status = backend.Status("payments", ctx_);
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->holder);
}

TEST_F(LocalLockTest, AStateDirWhereNoFileCanBeCreatedIsPermissionDenied) {
  LocalLockBackend backend("/proc/keyward-cannot-write-here");
  auto held = backend.Acquire(Request("apply"), ctx_);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().code, ErrorCode::kPermissionDenied);
}

TEST(StackFileStemTest, StackNamesBecomeSafeFileNames) {
  EXPECT_EQ(StackFileStem("team a/b"), "team_a_b");
  EXPECT_EQ(StackFileStem(""), "default");
  EXPECT_EQ(StackFileStem("payments-prod.v2"), "payments-prod.v2");
}

}  // namespace
}  // namespace keyward::coordination
