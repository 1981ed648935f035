// Daemon high availability and sharding (docs/ha.md): N replicas of `keyward daemon --mode heal`
// with the same configuration, each serving the same stacks; exactly one heals each stack, the
// others observe it. Each stack is one election in the lock service (an etcd election, or a blob
// lease); the coordinator decides which elections this replica enters and which it leaves
// (engine/leadership.h: at most ceil(stacks / replicas) + 1 each, rebalanced as replicas join and
// leave) and keeps each stack's Seat up to date.
//
// Every tick (the shortest lock TTL / 3): re-announce this replica if its membership lapsed, read
// the live replicas and each stack's leader, drop leases that lapsed (lock lost: the stack turns
// standby), resign the surplus, and campaign for leaderless stacks this replica should take. A
// stack won is healed at once (trigger), not at the next interval: failover takes the dead
// leader's TTL plus one tick plus one pass.
//
// A Seat is shared by the coordinator (writer of the lease) and the stack's daemon loop (reader):
// the loop holds the seat's pass lock for a whole pass, and the coordinator only resigns a stack
// between passes, so a rebalance never cuts an apply in half. A lapsed lease needs no such care:
// its writes are already refused by the lease's own check.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coordination/stack_lock.h"
#include "engine/leadership.h"
#include "engine/lock_config.h"
#include "engine/metrics.h"

namespace keyward::coordination {

class Seat {
 public:
  // Set by the stack's loop each time it loads manifests (the stack name and lock settings come
  // from keyward.yaml). The coordinator ignores a seat until it knows its stack.
  void SetStack(const std::string& stack, const engine::LockConfig& config);
  std::optional<std::pair<std::string, engine::LockConfig>> Stack() const;

  // Held by the stack's loop for a whole pass.
  std::unique_lock<std::mutex> LockPass() { return std::unique_lock<std::mutex>(pass_mu_); }
  // The lease to heal under: non-null while this replica leads the stack.
  std::shared_ptr<HeldLock> Lease() const;
  // {"role": "leader"|"standby", "leader": holder or null, "since": ...}
  nlohmann::json StatusJson() const;

 private:
  friend class ShardCoordinator;
  mutable std::mutex mu_;
  std::string stack_;
  engine::LockConfig config_;
  bool known_ = false;
  std::shared_ptr<HeldLock> lease_;
  std::optional<LockHolder> leader_;  // as last read from the lock service
  std::string role_since_;
  std::mutex pass_mu_;
};

using BackendFor =
    std::function<Result<std::shared_ptr<LockBackend>>(const engine::LockConfig& config)>;
using CoordinatorLog =
    std::function<void(const char* level, const std::string& message, const nlohmann::json&)>;

struct ShardCoordinatorOptions {
  LockHolder self;  // command "daemon"; replica = this replica's id
  std::vector<Seat*> seats;
  BackendFor backend_for;
  engine::MetricsRegistry* metrics = nullptr;  // leadership gauges and transition counters
  CoordinatorLog log;
  std::function<void(size_t seat)> trigger;  // start a loop now for a stack just won
  std::chrono::milliseconds tick{0};         // 0: the shortest TTL among the stacks / 3
};

class ShardCoordinator {
 public:
  explicit ShardCoordinator(ShardCoordinatorOptions options);
  ~ShardCoordinator();

  void Start();  // ticks on a thread until Stop
  // Stops ticking and resigns every stack (and the membership), so others take over at once.
  void Stop();
  void TickOnce(const Context& ctx);

  // {"replica", "replicas": live members seen, "target", "cap", "leading": [stacks]}
  nlohmann::json Status() const;

 private:
  struct Group {  // stacks that share a lock service
    std::shared_ptr<LockBackend> backend;
    std::shared_ptr<HeldLock> membership;
    std::vector<size_t> seats;
  };
  nlohmann::json TickGroup(Group& group, const Context& ctx);
  // The steps of a tick: drop lapsed leases; announce this replica and list the live ones
  // (`just_joined`: announced this tick); resign the surplus and campaign for leaderless stacks.
  void DropLapsedLeases(const Group& group);
  std::vector<std::string> LiveMembers(Group& group, const Context& ctx, bool* just_joined);
  void Rebalance(Group& group, engine::ShardDecision decision,
                 const std::map<std::string, size_t>& seat_of, bool just_joined,
                 const Context& ctx);
  void BecomeLeader(size_t seat, std::shared_ptr<HeldLock> lease);
  void BecomeStandby(size_t seat, const char* why);
  void Log(const char* level, const std::string& message, const nlohmann::json& fields) const;

  ShardCoordinatorOptions options_;
  std::map<std::string, Group> groups_;  // by LockConfig::Key()

  mutable std::mutex status_mu_;
  nlohmann::json status_ = nlohmann::json::object();

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
  Context ctx_;
};

void DescribeLeadershipMetrics(engine::MetricsRegistry& metrics);

}  // namespace keyward::coordination
