// The `etcd` backend: one etcd election per stack, each campaigner on its own lease.
//
//   election name   PREFIX/stacks/STACK
//   candidate key   PREFIX/stacks/STACK/<lease id in hex>   value: the holder (JSON)
//
// This is etcd's own election (the v3election service's layout, so `etcdctl elect -l` and the
// Leader RPC see the same thing): the leader is the candidate with the oldest key; a key goes
// when its lease is revoked or expires. Acquire grants a lease (TTL from the config), starts its
// keep-alive (ttl/3, LeaseKeeper), enqueues with a put-if-absent transaction, and asks the
// election for its leader: if it is us, the lock is ours. Otherwise, without `wait`, it leaves
// (revokes its lease) and fails naming the leader; with `wait` it calls the election's Campaign,
// which returns once every older candidate is gone — first come, first served.
//
// Release revokes the lease (the key goes with it, the next candidate leads). Break revokes the
// leader's lease: its keep-alives then fail with "lease not found" and it stops writing.
//
// Daemon replicas announce themselves under PREFIX/members/REPLICA, each on its own lease, so the
// shard coordinator can count the live ones.
#pragma once

#include <memory>
#include <string>

#include "coordination/etcd_client.h"
#include "coordination/lease_keeper.h"
#include "coordination/stack_lock.h"

namespace keyward::coordination {

class EtcdLockBackend : public LockBackend {
 public:
  EtcdLockBackend(std::shared_ptr<EtcdClient> client, std::string prefix,
                  std::chrono::milliseconds ttl, MonotonicClock clock = nullptr);
  engine::LockBackendKind kind() const override { return engine::LockBackendKind::kEtcd; }

  Result<std::shared_ptr<HeldLock>> Acquire(const AcquireRequest& request,
                                            const Context& ctx) override;
  Result<LockStatus> Status(const std::string& stack, const Context& ctx) override;
  Result<std::optional<LockHolder>> Break(const std::string& stack, const Context& ctx) override;
  // One range over PREFIX/stacks/ instead of one Leader call per stack.
  Result<std::map<std::string, LockHolder>> Leaders(const std::vector<std::string>& stacks,
                                                    const Context& ctx) override;
  bool HasMembership() const override { return true; }
  Result<std::vector<LockHolder>> Members(const Context& ctx) override;
  Result<std::shared_ptr<HeldLock>> Join(const LockHolder& self, const Context& ctx) override;

  // An unowned manifest set (no stack name) locks as "default", like the local lock's file.
  std::string ElectionName(const std::string& stack) const {
    return prefix_ + "/stacks/" + (stack.empty() ? "default" : stack);
  }

 private:
  // A lease with a running keep-alive.
  Result<std::pair<int64_t, std::shared_ptr<LeaseKeeper>>> GrantKept(const std::string& what);
  std::string Where(const std::string& stack) const;

  std::shared_ptr<EtcdClient> client_;
  std::string prefix_;
  std::chrono::milliseconds ttl_;
  MonotonicClock clock_;
};

}  // namespace keyward::coordination
