// The `local` backend, and the default: an exclusive flock on <state dir>/<stack>.lock. The
// kernel drops it when the process exits (even on a crash), so a stale lock never blocks anyone,
// and it cannot lapse while its process lives (CheckWrite always allows). The file holds the
// holder as JSON, only to make the "locked by ..." message and `keyward lock status` useful.
//
// Scope: one machine (one state dir). Writers on different machines must share the state dir, or
// use the etcd or azureblob backend.
#pragma once

#include <string>

#include "coordination/stack_lock.h"

namespace keyward::coordination {

// Stack names become file names: anything outside [A-Za-z0-9._-] turns into '_'.
std::string StackFileStem(const std::string& stack);

class LocalLockBackend : public LockBackend {
 public:
  explicit LocalLockBackend(std::string state_dir) : state_dir_(std::move(state_dir)) {}
  engine::LockBackendKind kind() const override { return engine::LockBackendKind::kLocal; }

  // Waiting polls once a second. A lock file that cannot be created or locked at all (read-only
  // state dir) is kPermissionDenied.
  Result<std::shared_ptr<HeldLock>> Acquire(const AcquireRequest& request,
                                            const Context& ctx) override;
  Result<LockStatus> Status(const std::string& stack, const Context& ctx) override;
  // A flock cannot be taken from a live process: kFailedPrecondition naming the pid to stop.
  Result<std::optional<LockHolder>> Break(const std::string& stack, const Context& ctx) override;

  std::string PathFor(const std::string& stack) const;

 private:
  std::string state_dir_;
};

}  // namespace keyward::coordination
