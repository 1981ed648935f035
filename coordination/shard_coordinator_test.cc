#include "coordination/shard_coordinator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace keyward::coordination {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// An in-memory lock service shared by several replicas' backends: one holder per stack, a
// membership list, and leases the test can make lapse.
struct FakeService {
  std::mutex mu;
  std::map<std::string, LockHolder> holders;
  std::set<std::string> members;
  std::set<std::string> lapsed;  // replica ids whose leases lapsed
};

class FakeLease : public HeldLock {
 public:
  FakeLease(FakeService* service, std::string stack, std::string replica, bool membership)
      : service_(service),
        stack_(std::move(stack)),
        replica_(std::move(replica)),
        membership_(membership) {}
  std::optional<Error> CheckWrite() const override {
    std::lock_guard lock(service_->mu);
    if (released_ || service_->lapsed.count(replica_))
      return Error{ErrorCode::kAborted, "lock lost: fake lease", {}};
    return std::nullopt;
  }
  const std::string& stack() const override { return stack_; }
  std::string where() const override { return "fake"; }
  void Release() override {
    std::lock_guard lock(service_->mu);
    if (released_) return;
    released_ = true;
    if (membership_) {
      service_->members.erase(replica_);
    } else if (service_->holders.count(stack_) && service_->holders[stack_].replica == replica_) {
      service_->holders.erase(stack_);
    }
  }

 private:
  FakeService* service_;
  std::string stack_;
  std::string replica_;
  bool membership_;
  bool released_ = false;
};

class FakeBackend : public LockBackend {
 public:
  explicit FakeBackend(FakeService* service) : service_(service) {}
  engine::LockBackendKind kind() const override { return engine::LockBackendKind::kEtcd; }
  Result<std::shared_ptr<HeldLock>> Acquire(const AcquireRequest& request,
                                            const Context&) override {
    std::lock_guard lock(service_->mu);
    ++acquires;
    if (service_->holders.count(request.stack))
      return tl::unexpected(LockedBy(request.stack, service_->holders[request.stack], "fake"));
    service_->holders[request.stack] = request.holder;
    return std::shared_ptr<HeldLock>(
        std::make_shared<FakeLease>(service_, request.stack, request.holder.replica, false));
  }
  Result<LockStatus> Status(const std::string& stack, const Context&) override {
    std::lock_guard lock(service_->mu);
    LockStatus status;
    status.stack = stack;
    if (service_->holders.count(stack)) status.holder = service_->holders[stack];
    return status;
  }
  Result<std::optional<LockHolder>> Break(const std::string&, const Context&) override {
    return std::optional<LockHolder>();
  }
  bool HasMembership() const override { return true; }
  Result<std::vector<LockHolder>> Members(const Context&) override {
    std::lock_guard lock(service_->mu);
    std::vector<LockHolder> out;
    for (const auto& m : service_->members) out.push_back({"", 0, "daemon", "", m});
    return out;
  }
  Result<std::shared_ptr<HeldLock>> Join(const LockHolder& self, const Context&) override {
    std::lock_guard lock(service_->mu);
    if (service_->lapsed.count(self.replica))
      return MakeError(ErrorCode::kUnavailable, "partitioned");
    service_->members.insert(self.replica);
    return std::shared_ptr<HeldLock>(std::make_shared<FakeLease>(service_, "", self.replica, true));
  }
  int acquires = 0;

 private:
  FakeService* service_;
};

engine::LockConfig EtcdConfig() {
  engine::LockConfig config;
  config.backend = engine::LockBackendKind::kEtcd;
  config.etcd_endpoints = {"http://fake:2379"};
  config.ttl = std::chrono::seconds(3);
  return config;
}

// One daemon replica: its seats (one per stack), its coordinator and what it was told to run.
struct Replica {
  Replica(const std::string& id, FakeService* service, int stacks,
          engine::LockConfig config = EtcdConfig())
      : backend(std::make_shared<FakeBackend>(service)), seats(stacks) {
    std::vector<Seat*> pointers;
    for (int i = 0; i < stacks; ++i) {
      seats[i].SetStack("stack-" + std::to_string(i + 1), config);
      pointers.push_back(&seats[i]);
    }
    ShardCoordinatorOptions options;
    options.self = {"host", 1, "daemon", "", id};
    options.seats = pointers;
    options.backend_for = [this](const engine::LockConfig&) {
      return Result<std::shared_ptr<LockBackend>>(backend);
    };
    options.metrics = &metrics;
    options.trigger = [this](size_t seat) { triggered.push_back(seat); };
    coordinator = std::make_unique<ShardCoordinator>(options);
  }
  std::vector<std::string> Leading() const {
    std::vector<std::string> out;
    for (const Seat& seat : seats)
      if (seat.Lease()) out.push_back(seat.Stack()->first);
    return out;
  }
  void Tick() { coordinator->TickOnce(ctx); }

  std::shared_ptr<FakeBackend> backend;
  std::vector<Seat> seats;
  engine::MetricsRegistry metrics;
  std::vector<size_t> triggered;
  std::unique_ptr<ShardCoordinator> coordinator;
  Context ctx;
};

void TickAll(std::vector<Replica*> replicas, int rounds = 3) {
  for (int r = 0; r < rounds; ++r)
    for (Replica* replica : replicas) replica->Tick();
}

TEST(ShardCoordinatorTest, TwoReplicasSplitFourStacksAndHealWhatTheyWinAtOnce) {
  FakeService service;
  Replica a("replica-a", &service, 4), b("replica-b", &service, 4);
  a.Tick();  // announces itself first, campaigns from the next tick on
  EXPECT_THAT(a.Leading(), IsEmpty());
  a.Tick();  // alone so far: it takes everything it can (target = 4)
  EXPECT_THAT(a.Leading(), SizeIs(4));
  TickAll({&b, &a, &b});  // b joins: a resigns two, b takes them
  EXPECT_THAT(a.Leading(), SizeIs(2));
  EXPECT_THAT(b.Leading(), SizeIs(2));
  EXPECT_THAT(b.triggered, SizeIs(2));  // each stack won starts a loop now
  EXPECT_EQ(a.metrics.Value("keyward_leadership_transitions_total",
                            {{"stack", a.Leading()[0]}, {"to", "leader"}}),
            1);
  EXPECT_EQ(a.metrics.Value("keyward_replicas", {}), 2);
  EXPECT_EQ(b.metrics.Value("keyward_stacks_led", {}), 2);
  // The seats of the standby replica name who leads.
  for (const Seat& seat : b.seats) {
    const auto status = seat.StatusJson();
    if (status["role"] == "standby") {
      EXPECT_EQ(status["leader"]["replica"], "replica-a");
    }
  }
}

TEST(ShardCoordinatorTest, ReplicasStartedTogetherSplitTheStacksWithoutRebalancing) {
  FakeService service;
  Replica a("replica-a", &service, 4), b("replica-b", &service, 4);
  TickAll({&a, &b}, 2);  // both announce, then both campaign knowing of each other
  EXPECT_THAT(a.Leading(), SizeIs(2));
  EXPECT_THAT(b.Leading(), SizeIs(2));
  for (int i = 1; i <= 4; ++i) {
    const std::string stack = "stack-" + std::to_string(i);
    EXPECT_EQ(a.metrics.Value("keyward_leadership_transitions_total",
                              {{"stack", stack}, {"to", "standby"}}),
              0)
        << "no stack changed hands";
  }
}

TEST(ShardCoordinatorTest, ALapsedLeaseTurnsTheStackStandbyAndAnotherReplicaTakesIt) {
  FakeService service;
  Replica a("replica-a", &service, 2), b("replica-b", &service, 2);
  TickAll({&a, &b});
  ASSERT_THAT(a.Leading(), SizeIs(1));
  const std::string stack = a.Leading()[0];
  {
    std::lock_guard lock(service.mu);
    service.lapsed.insert("replica-a");  // a is partitioned: its leases lapse
    service.holders.erase(stack);        // and etcd expires them
    service.members.erase("replica-a");
  }
  b.Tick();
  a.Tick();
  EXPECT_THAT(a.Leading(), IsEmpty());
  EXPECT_EQ(a.metrics.Value("keyward_lock_lost_total", {{"stack", stack}}), 1);
  EXPECT_EQ(a.metrics.Value("keyward_stack_leader", {{"stack", stack}}), 0);
  b.Tick();
  EXPECT_THAT(b.Leading(), SizeIs(2));
}

TEST(ShardCoordinatorTest, StoppingResignsEveryStackSoOthersTakeOverWithoutWaitingForTheTtl) {
  FakeService service;
  Replica a("replica-a", &service, 2), b("replica-b", &service, 2);
  TickAll({&a, &b});
  ASSERT_THAT(a.Leading(), SizeIs(1));
  a.coordinator->Stop();
  EXPECT_THAT(a.Leading(), IsEmpty());
  b.Tick();
  EXPECT_THAT(b.Leading(), SizeIs(2));
}

TEST(ShardCoordinatorTest, RebalancingNeverResignsAStackInTheMiddleOfAPass) {
  FakeService service;
  Replica a("replica-a", &service, 2), b("replica-b", &service, 2);
  a.Tick();
  a.Tick();
  ASSERT_THAT(a.Leading(), SizeIs(2));
  // Both stacks are mid-pass on a: b joins, but a keeps them until the passes end.
  auto pass1 = a.seats[0].LockPass();
  auto pass2 = a.seats[1].LockPass();
  TickAll({&b, &a});
  EXPECT_THAT(a.Leading(), SizeIs(2));
  pass1.unlock();
  pass2.unlock();
  TickAll({&a, &b});
  EXPECT_THAT(a.Leading(), SizeIs(1));
  EXPECT_THAT(b.Leading(), SizeIs(1));
}

TEST(ShardCoordinatorTest, StacksOnTheLocalLockAreNotElected) {
  FakeService service;
  engine::LockConfig local;
  Replica a("replica-a", &service, 2, local);
  a.Tick();
  EXPECT_THAT(a.Leading(), IsEmpty());
  EXPECT_EQ(a.backend->acquires, 0);
}

}  // namespace
}  // namespace keyward::coordination
