// The stack lock as the CLI uses it (docs/ha.md): the --lock-* flags, resolving keyward.yaml's
// `lock:` with them and the KEYWARD_LOCK_* environment, building the backend (coordination/), and
// `keyward lock status` / `keyward lock break --force`.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/options.h"
#include "coordination/stack_lock.h"
#include "engine/lock_config.h"
#include "engine/resource.h"

namespace CLI {
class App;
}

namespace keyward::cli {

// --lock-backend, --lock-ttl, --lock-etcd-endpoints, --lock-etcd-prefix, --lock-azureblob-url,
// --lock-azureblob-container, --lock-azureblob-blob.
void AddLockFlags(CLI::App* command, engine::LockOverrides& flags);

// keyward.yaml's `lock:` < KEYWARD_LOCK_* < flags.
Result<engine::LockConfig> ResolveLock(const nlohmann::json& yaml_lock,
                                       const engine::LockOverrides& flags);

// What the flags and KEYWARD_LOCK_* say, checked before any keyward.yaml is read.
Status CheckLockFlags(const engine::LockOverrides& flags);

// The backend for a resolved config. Azure Storage tokens come from keyward's credential chain.
Result<std::shared_ptr<coordination::LockBackend>> MakeLockBackend(const GlobalOptions& global,
                                                                   const engine::LockConfig& config,
                                                                   const std::string& state_dir);

// Takes a stack's lock for a writing command ("apply", "export"): resolves the config, waits
// (printing who holds it) or fails naming the holder. The lock is also the write guard to put in
// the Context of the writes it covers. `kind` (optional) receives the backend used.
Result<std::shared_ptr<coordination::HeldLock>> AcquireStackLock(
    const GlobalOptions& global, const engine::StackConfig& config,
    const engine::LockOverrides& flags, const std::string& command, bool wait, const Context& ctx,
    engine::LockBackendKind* kind = nullptr);

struct LockCommandFlags {
  std::vector<std::string> paths;  // a manifest directory: its keyward.yaml names the stack
  std::string stack;               // or the stack, with the lock settings from flags / env
  engine::LockOverrides lock;
  bool json = false;
  bool force = false;
};
void AddLockCommand(CLI::App& app, LockCommandFlags& flags, CLI::App** status, CLI::App** brk);
int RunLockStatus(const GlobalOptions& global, const LockCommandFlags& flags);
int RunLockBreak(const GlobalOptions& global, const LockCommandFlags& flags);

}  // namespace keyward::cli
