// One writer per stack, on any of three backends (docs/ha.md): `local` (a file lock on this
// machine; the default), `etcd` (a lease and an election per stack), `azureblob` (a blob lease,
// as Terraform's azurerm backend does it). `apply`, `apply FILE`, `daemon --mode heal` and
// `export --force` take the lock before writing; the daemon's replicas also use it to elect one
// healer per stack.
//
// Contract of every backend:
//  - Acquire either returns a HeldLock, or fails with kFailedPrecondition naming the holder
//    ("stack 'x' is locked by pid 12 (keyward apply) on host h since ..."), or — with `wait` —
//    calls on_wait once with the holder and waits until the lock is free or ctx is cancelled
//    (kCancelled). A lock service that cannot be reached is kUnavailable.
//  - The holder (host, pid, command, since, replica) is stored with the lock, so status and the
//    conflict message can name it from any machine.
//  - A HeldLock is a WriteGuard: CheckWrite() refuses ("lock lost: ...") once its lease lapsed.
//    Destroying it (or Release) gives the lock up.
//  - Break removes whoever holds the lock (its next keep-alive fails and it stops writing).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/lock_config.h"
#include "engine/result.h"
#include "engine/write_guard.h"

namespace keyward::coordination {

struct LockHolder {
  std::string host;
  long pid = 0;
  std::string command;  // "apply", "daemon", "export"
  std::string since;    // ISO-8601 UTC, when the lock was taken
  std::string replica;  // names this process's ARM writes (User-Agent "replica/<id>")

  // "pid 12 (keyward apply) on host h since 2025-01-01T00:00:00Z, replica r".
  std::string ToString() const;
  nlohmann::json ToJson() const;
  // Tolerant: unknown or missing fields are left empty (another version may have written it).
  static LockHolder FromJson(const nlohmann::json& json);
};

// This process as a holder: hostname, pid, `command`, now, and the replica id.
LockHolder CurrentHolder(const std::string& command, const std::string& replica,
                         const Clock& clock);
// KEYWARD_REPLICA_ID, else "<hostname>-<pid>".
std::string DefaultReplicaId();

struct LockStatus {
  std::string stack;
  std::string backend;                                // "local", "etcd", "azureblob"
  std::string where;                                  // lock file, etcd election, blob URL
  std::optional<LockHolder> holder;                   // empty: free
  std::optional<std::chrono::milliseconds> ttl_left;  // when the backend knows it
  std::vector<LockHolder> waiting;                    // etcd: queued campaigners, in order

  nlohmann::json ToJson() const;
  std::string ToText() const;  // what `keyward lock status` prints
};

class HeldLock : public WriteGuard {
 public:
  virtual const std::string& stack() const = 0;
  virtual std::string where() const = 0;
  // Gives the lock up now (idempotent). Errors are not fatal: the lease expires anyway.
  virtual void Release() = 0;
  // False once the lease is gone for good (not just a failed keep-alive round): the holder must
  // acquire again.
  virtual bool Alive() const { return !CheckWrite().has_value(); }
  bool StillHeld() const { return !CheckWrite().has_value(); }
};

struct AcquireRequest {
  std::string stack;
  LockHolder holder;
  bool wait = false;
  std::function<void(const LockHolder& holder)> on_wait;  // called once when waiting starts
};

class LockBackend {
 public:
  virtual ~LockBackend() = default;
  virtual engine::LockBackendKind kind() const = 0;

  virtual Result<std::shared_ptr<HeldLock>> Acquire(const AcquireRequest& request,
                                                    const Context& ctx) = 0;
  virtual Result<LockStatus> Status(const std::string& stack, const Context& ctx) = 0;
  // Removes the current holder; returns who it was (nullopt when the lock was free).
  virtual Result<std::optional<LockHolder>> Break(const std::string& stack, const Context& ctx) = 0;

  // Holders of these stacks' locks (stacks without one are absent). Default: Status per stack.
  virtual Result<std::map<std::string, LockHolder>> Leaders(const std::vector<std::string>& stacks,
                                                            const Context& ctx);
  // Daemon replicas that announced themselves (Join) and are alive. Backends without membership
  // (local, azureblob) return an empty list: every replica then acts alone.
  virtual bool HasMembership() const { return false; }
  virtual Result<std::vector<LockHolder>> Members(const Context& ctx) {
    return std::vector<LockHolder>{};
  }
  // Announces this replica until the returned handle is released or its lease lapses.
  virtual Result<std::shared_ptr<HeldLock>> Join(const LockHolder& self, const Context& ctx) {
    return std::shared_ptr<HeldLock>();
  }
};

// The message every backend uses when the lock is taken.
Error LockedBy(const std::string& stack, const LockHolder& holder, const std::string& where);

}  // namespace keyward::coordination
