// The etcd and azureblob lock backends against the real services: a 3-member etcd cluster
// (Debian's etcd-server) and Azurite, started by tests/support/service_process.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <functional>
#include <thread>

#include "coordination/blob_lock.h"
#include "coordination/etcd_lock.h"
#include "coordination/lock_factory.h"
#include "tests/support/service_process.h"

namespace keyward::coordination {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

AcquireRequest Request(const std::string& stack, const std::string& command,
                       const std::string& replica, bool wait = false) {
  AcquireRequest request;
  request.stack = stack;
  request.holder = CurrentHolder(command, replica, SystemClock::Instance());
  request.wait = wait;
  return request;
}

template <class F>
bool Within(milliseconds limit, F done) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

// The backend MakeLockBackend made (nullptr, and a failed test, if it refused).
std::shared_ptr<LockBackend> Made(Result<std::shared_ptr<LockBackend>> backend) {
  EXPECT_TRUE(backend) << backend.error().ToString();
  return backend ? *backend : nullptr;
}

// `refused` is how replica-b's `keyward apply` was turned away from stack 'payments' while this
// process held it as replica-a: naming the holder, and the lock at `where`.
void ExpectRefusedNamingReplicaA(const Result<std::shared_ptr<HeldLock>>& refused,
                                 const std::string& where) {
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message,
              HasSubstr("stack 'payments' is locked by pid " + std::to_string(::getpid()) +
                        " (keyward apply) on host "));
  EXPECT_THAT(refused.error().message, HasSubstr("replica replica-a"));
  EXPECT_THAT(refused.error().message, HasSubstr(where));
}

// Breaks the lock on stack 'payments', which replica-a holds.
void BreakReplicaAsLock(LockBackend& backend, Context& ctx) {
  auto broken = backend.Break("payments", ctx);
  ASSERT_TRUE(broken) << broken.error().ToString();
  ASSERT_TRUE(*broken);
  EXPECT_EQ((*broken)->replica, "replica-a");
}

// replica-b's `keyward apply`, on a thread of its own, waiting for stack 'payments': `on_wait`
// hears whom it waits for; `acquired` is set once it has the lock, which it then releases.
std::thread WaitForPayments(LockBackend& backend, std::function<void(const LockHolder&)> on_wait,
                            std::atomic<bool>& acquired) {
  return std::thread([&backend, on_wait = std::move(on_wait), &acquired] {
    AcquireRequest request = Request("payments", "apply", "replica-b", /*wait=*/true);
    request.on_wait = on_wait;
    Context ctx;
    auto got = backend.Acquire(request, ctx);
    acquired = got.has_value();
    if (got) (*got)->Release();
  });
}

// What the etcd and Azure Blob suites share: two backends on the same lock service, for two
// writers contending for one stack.
class LockServiceTest : public ::testing::Test {
 protected:
  virtual std::shared_ptr<LockBackend> DefaultBackend() = 0;
  // What the service logged, for a failure's message.
  virtual std::string ServiceLog() const = 0;

  // Makes a_ and b_; replica-a's `keyward <command>` then holds stack 'payments' through a_.
  void HoldPaymentsAsReplicaA(const std::string& command) {
    a_ = DefaultBackend();
    b_ = DefaultBackend();
    ASSERT_TRUE(a_ && b_);
    auto held = a_->Acquire(Request("payments", command, "replica-a"), ctx_);
    ASSERT_TRUE(held) << held.error().ToString() << ServiceLog();
    held_ = *held;
  }
  // Released while the service still runs (the suites' own members, it among them, go first).
  void TearDown() override {
    held_.reset();
    b_.reset();
    a_.reset();
  }

  std::shared_ptr<LockBackend> a_;
  std::shared_ptr<LockBackend> b_;
  std::shared_ptr<HeldLock> held_;
  Context ctx_;
};

class EtcdLockTest : public LockServiceTest {
 protected:
  void SetUp() override {
    cluster_ = testing::EtcdCluster::Start();
    ASSERT_NE(cluster_, nullptr);
  }
  engine::LockConfig Config(milliseconds ttl = milliseconds(3000)) const {
    engine::LockConfig config;
    config.backend = engine::LockBackendKind::kEtcd;
    config.etcd_endpoints = cluster_->ClientUrls();
    config.ttl = ttl;
    return config;
  }
  std::shared_ptr<LockBackend> Backend(milliseconds ttl = milliseconds(3000)) {
    return Made(MakeLockBackend(Config(ttl), {}));
  }
  std::shared_ptr<LockBackend> DefaultBackend() override { return Backend(); }
  std::string ServiceLog() const override { return cluster_->Logs(); }

  std::unique_ptr<testing::EtcdCluster> cluster_;
};

TEST_F(EtcdLockTest, TheSecondWriterFailsNamingTheHolderThenGetsItAfterRelease) {
  ASSERT_NO_FATAL_FAILURE(HoldPaymentsAsReplicaA("apply"));
  EXPECT_TRUE(held_->StillHeld());

  ASSERT_NO_FATAL_FAILURE(
      ExpectRefusedNamingReplicaA(b_->Acquire(Request("payments", "apply", "replica-b"), ctx_),
                                  "etcd election /keyward/stacks/payments"));

  auto status = b_->Status("payments", ctx_);
  ASSERT_TRUE(status) << status.error().ToString();
  ASSERT_TRUE(status->holder);
  EXPECT_EQ(status->holder->replica, "replica-a");
  ASSERT_TRUE(status->ttl_left);
  EXPECT_LE(*status->ttl_left, seconds(3));

  held_->Release();
  auto second = b_->Acquire(Request("payments", "apply", "replica-b"), ctx_);
  ASSERT_TRUE(second) << second.error().ToString();
  // Another stack is independent.
  auto other = a_->Acquire(Request("billing", "apply", "replica-a"), ctx_);
  ASSERT_TRUE(other) << other.error().ToString();
}

TEST_F(EtcdLockTest, AWaitingWriterIsToldWhoHoldsItAndTakesOverOnRelease) {
  ASSERT_NO_FATAL_FAILURE(HoldPaymentsAsReplicaA("daemon"));

  std::atomic<bool> acquired{false};
  std::string told;
  std::thread waiter = WaitForPayments(
      *b_, [&](const LockHolder& holder) { told = holder.ToString(); }, acquired);
  std::this_thread::sleep_for(milliseconds(1500));  // longer than a renewal period
  EXPECT_FALSE(acquired);
  auto status = a_->Status("payments", ctx_);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->waiting.size(), 1u);  // queued behind the holder, in etcd
  EXPECT_EQ(status->waiting[0].replica, "replica-b");
  held_->Release();
  waiter.join();
  EXPECT_TRUE(acquired);
  EXPECT_THAT(told, StartsWith("pid " + std::to_string(::getpid()) + " (keyward daemon)"));
}

TEST_F(EtcdLockTest, BreakRemovesTheHolderWhoseNextKeepAliveThenFails) {
  ASSERT_NO_FATAL_FAILURE(HoldPaymentsAsReplicaA("daemon"));
  ASSERT_NO_FATAL_FAILURE(BreakReplicaAsLock(*b_, ctx_));
  // The holder learns at its next keep-alive (every ttl/3 = 1 s) that its lease is gone.
  EXPECT_TRUE(Within(milliseconds(2500), [&] { return !held_->StillHeld(); }));
  EXPECT_FALSE(held_->Alive());
  EXPECT_THAT(held_->CheckWrite()->message, StartsWith("lock lost: etcd lease"));
  auto taken = b_->Acquire(Request("payments", "apply", "replica-b"), ctx_);
  EXPECT_TRUE(taken) << taken.error().ToString();
}

TEST_F(EtcdLockTest, ALeaseOutlivesItsTtlWhileKeptAliveAndSurvivesLosingOneMember) {
  // A 4 s lease: each kill below costs an election, and on a loaded 2-core machine (CTest runs
  // four tests at once) that sometimes took over the 1.3 s a 2 s lease leaves the holder. The
  // three kills still span far more than one TTL, which is what the test is about.
  auto a = Backend(milliseconds(4000));
  auto held = a->Acquire(Request("payments", "daemon", "replica-a"), ctx_);
  ASSERT_TRUE(held) << held.error().ToString();
  for (int member = 0; member < cluster_->size(); ++member) {
    // Kill each member in turn (the leader among them): the keep-alive moves on to the others.
    cluster_->KillMember(member);
    const auto end = std::chrono::steady_clock::now() + seconds(3);
    int refused = 0;
    while (std::chrono::steady_clock::now() < end) {
      refused += (*held)->StillHeld() ? 0 : 1;
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_TRUE((*held)->Alive()) << "after killing member " << member << "\n" << cluster_->Logs();
    EXPECT_TRUE(Within(seconds(3), [&] { return (*held)->StillHeld(); }));
    ASSERT_TRUE(cluster_->StartMember(member));
    ASSERT_TRUE(cluster_->WaitHealthy(30));
  }
  EXPECT_TRUE((*held)->StillHeld());
}

TEST_F(EtcdLockTest, WithoutEtcdAHolderStopsWritingWithinOneKeepAlivePeriod) {
  auto a = Backend(milliseconds(3000));  // keep-alive every 1 s
  auto held = a->Acquire(Request("payments", "daemon", "replica-a"), ctx_);
  ASSERT_TRUE(held) << held.error().ToString();
  cluster_->StopAll();
  const auto stopped = std::chrono::steady_clock::now();
  ASSERT_TRUE(Within(seconds(10), [&] { return !(*held)->StillHeld(); }));
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - stopped);
  // One keep-alive period (1 s), plus scheduling slack; far less than the TTL.
  EXPECT_LE(took, milliseconds(1500)) << took.count() << " ms";
  EXPECT_THAT((*held)->CheckWrite()->message, HasSubstr("keep-alive failed"));

  ASSERT_TRUE(cluster_->StartAll());
  // etcd keeps leases across a restart. If it came back before the holder's deadline, the holder's
  // keep-alives resume and it writes again; otherwise its lease is lost for good and the lock is
  // free for another writer. Never both.
  auto b = Backend();
  std::shared_ptr<HeldLock> taken;
  ASSERT_TRUE(Within(seconds(15), [&] {
    if ((*held)->StillHeld()) return true;
    auto again = b->Acquire(Request("payments", "daemon", "replica-b"), ctx_);
    if (again) taken = *again;
    return taken != nullptr;
  }));
  if (taken) {
    EXPECT_FALSE((*held)->Alive());
    std::printf("[ measured ] etcd was back after the holder's deadline: replica-b took over\n");
  } else {
    auto refused = b->Acquire(Request("payments", "daemon", "replica-b"), ctx_);
    EXPECT_FALSE(refused);
    std::printf("[ measured ] etcd was back before the holder's deadline: it kept the lock\n");
  }
}

TEST_F(EtcdLockTest, MembersAreListedUntilTheyLeave) {
  auto a = Backend();
  auto ra = a->Join(Request("", "daemon", "replica-a").holder, ctx_);
  auto rb = a->Join(Request("", "daemon", "replica-b").holder, ctx_);
  ASSERT_TRUE(ra && rb);
  auto members = a->Members(ctx_);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  (*rb)->Release();
  members = a->Members(ctx_);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].replica, "replica-a");
}

TEST_F(EtcdLockTest, LeadersAreReadInOneRange) {
  auto a = Backend();
  auto p = a->Acquire(Request("payments", "daemon", "replica-a"), ctx_);
  auto q = a->Acquire(Request("billing", "daemon", "replica-b"), ctx_);
  ASSERT_TRUE(p && q);
  auto leaders = a->Leaders({"payments", "billing", "search"}, ctx_);
  ASSERT_TRUE(leaders) << leaders.error().ToString();
  ASSERT_EQ(leaders->size(), 2u);
  EXPECT_EQ(leaders->at("payments").replica, "replica-a");
  EXPECT_EQ(leaders->at("billing").replica, "replica-b");
}

TEST_F(EtcdLockTest, WithEtcdAuthenticationTheUserAndPasswordComeFromTheEnvironment) {
  // Turn authentication on through the gateway itself: a root role and user, then auth/enable.
  const std::string endpoint = cluster_->ClientUrls()[0];
  httplib::Client admin(endpoint);
  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/v3/auth/role/add", R"({"name":"root"})"},
           {"/v3/auth/user/add", R"({"name":"root","password":"s3cret-Pw"})"},
           {"/v3/auth/user/grant", R"({"user":"root","role":"root"})"},
           {"/v3/auth/enable", "{}"}}) {
    auto res = admin.Post(path, body, "application/json");
    ASSERT_TRUE(res && res->status == 200) << path << " " << (res ? res->body : "no answer");
  }
  const engine::LockConfig config = Config();
  auto with_password = [](const std::string& password) {
    return [password](const std::string& name) {
      if (name == "KEYWARD_LOCK_ETCD_USER") return std::string("root");
      if (name == "KEYWARD_LOCK_ETCD_PASSWORD") return password;
      return std::string();
    };
  };
  LockBackendDeps deps;
  deps.env = with_password("s3cret-Pw");
  auto backend = MakeLockBackend(config, deps);
  ASSERT_TRUE(backend);
  auto held = (*backend)->Acquire(Request("payments", "apply", "replica-a"), ctx_);
  ASSERT_TRUE(held) << held.error().ToString();
  std::this_thread::sleep_for(milliseconds(2500));  // keep-alives pass with the token too
  EXPECT_TRUE((*held)->StillHeld());

  deps.env = with_password("wrong");
  auto wrong = MakeLockBackend(config, deps);
  ASSERT_TRUE(wrong);
  auto refused = (*wrong)->Status("payments", ctx_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(refused.error().message, HasSubstr("etcd authentication as 'root' failed"));
  EXPECT_THAT(refused.error().message, ::testing::Not(HasSubstr("wrong")));

  deps.env = nullptr;  // no credentials at all: etcd says so
  auto anonymous = MakeLockBackend(config, deps);
  ASSERT_TRUE(anonymous);
  auto denied = (*anonymous)->Status("payments", ctx_);
  ASSERT_FALSE(denied);
  EXPECT_THAT(denied.error().message, HasSubstr("user name is empty"));
}

TEST(EtcdLockUnreachableTest, ANonAnsweringClusterIsUnavailable) {
  engine::LockConfig config;
  config.backend = engine::LockBackendKind::kEtcd;
  config.etcd_endpoints = {"http://127.0.0.1:" + std::to_string(testing::PickFreePort())};
  auto backend = MakeLockBackend(config, {});
  ASSERT_TRUE(backend);
  Context ctx;
  auto held = (*backend)->Acquire(Request("payments", "apply", "r"), ctx);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(held.error().message, HasSubstr("no member answered"));
}

class BlobLockTest : public LockServiceTest {
 protected:
  void SetUp() override {
    azurite_ = testing::AzuriteProcess::Start();
    ASSERT_NE(azurite_, nullptr);
  }
  std::shared_ptr<LockBackend> Backend(
      const std::string& key = testing::AzuriteProcess::kAccountKey) {
    engine::LockConfig config;
    config.backend = engine::LockBackendKind::kAzureBlob;
    config.blob_account_url = azurite_->AccountUrl();
    config.blob_container = "keyward-locks";
    config.ttl = seconds(15);
    LockBackendDeps deps;
    deps.env = [key](const std::string& name) {
      return name == "AZURE_STORAGE_KEY" ? key : std::string();
    };
    return Made(MakeLockBackend(config, deps));
  }
  std::shared_ptr<LockBackend> DefaultBackend() override { return Backend(); }
  std::string ServiceLog() const override { return azurite_->Log(); }

  std::unique_ptr<testing::AzuriteProcess> azurite_;
};

TEST_F(BlobLockTest, TheSecondWriterFailsNamingTheHolderStoredInTheBlobMetadata) {
  ASSERT_NO_FATAL_FAILURE(HoldPaymentsAsReplicaA("apply"));
  ASSERT_NO_FATAL_FAILURE(
      ExpectRefusedNamingReplicaA(b_->Acquire(Request("payments", "apply", "replica-b"), ctx_),
                                  azurite_->AccountUrl() + "/keyward-locks/keyward/payments.lock"));
  auto status = b_->Status("payments", ctx_);
  ASSERT_TRUE(status) << status.error().ToString();
  ASSERT_TRUE(status->holder);
  EXPECT_EQ(status->holder->command, "apply");

  held_->Release();
  status = b_->Status("payments", ctx_);
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->holder);  // the metadata stays, but no lease: free
  auto second = b_->Acquire(Request("payments", "apply", "replica-b"), ctx_);
  EXPECT_TRUE(second) << second.error().ToString();
}

TEST_F(BlobLockTest, RenewalsKeepTheLeaseBeyondItsDurationAndBreakEndsIt) {
  ASSERT_NO_FATAL_FAILURE(HoldPaymentsAsReplicaA("daemon"));
  std::this_thread::sleep_for(seconds(17));  // the lease lasts 15 s unless renewed
  EXPECT_TRUE(held_->StillHeld());
  auto refused = b_->Acquire(Request("payments", "apply", "replica-b"), ctx_);
  EXPECT_FALSE(refused);

  ASSERT_NO_FATAL_FAILURE(BreakReplicaAsLock(*b_, ctx_));
  auto taken = b_->Acquire(Request("payments", "apply", "replica-b"), ctx_);
  ASSERT_TRUE(taken) << taken.error().ToString();
  // The old holder's next renewal (every 5 s) is refused: it is lost for good.
  EXPECT_TRUE(Within(seconds(7), [&] { return !held_->Alive(); }));
  EXPECT_THAT(held_->CheckWrite()->message, StartsWith("lock lost: blob lease on"));
}

TEST_F(BlobLockTest, AWaitingWriterGetsTheLeaseWhenItIsReleased) {
  ASSERT_NO_FATAL_FAILURE(HoldPaymentsAsReplicaA("daemon"));
  std::atomic<bool> acquired{false};
  std::atomic<bool> told{false};
  std::thread waiter = WaitForPayments(
      *b_, [&](const LockHolder& holder) { told = holder.replica == "replica-a"; }, acquired);
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_FALSE(acquired);
  held_->Release();
  waiter.join();
  EXPECT_TRUE(acquired);
  EXPECT_TRUE(told);
}

TEST_F(BlobLockTest, AWrongAccountKeyIsRefusedClearly) {
  auto a = Backend("d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXk=");
  auto held = a->Acquire(Request("payments", "apply", "replica-a"), ctx_);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(held.error().message, HasSubstr("403"));
}

TEST(BlobLockConfigTest, LeaseDurationsOutsideAzuresBoundsAreRefused) {
  engine::LockConfig config;
  config.backend = engine::LockBackendKind::kAzureBlob;
  config.blob_account_url = "https://acct.blob.core.windows.net";
  config.blob_container = "locks";
  config.ttl = seconds(5);
  auto backend = MakeLockBackend(config, {});
  ASSERT_FALSE(backend);
  EXPECT_THAT(backend.error().message, HasSubstr("between 15s and 60s"));
  config.ttl = seconds(15);
  config.blob_account_url = "http://acct.example";
  backend = MakeLockBackend(config, {});  // no key, no SAS: a bearer token, never over http
  ASSERT_FALSE(backend);
  EXPECT_THAT(backend.error().message, HasSubstr("refusing to send an Azure token"));
}

}  // namespace
}  // namespace keyward::coordination
