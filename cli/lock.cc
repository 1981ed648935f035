#include "cli/lock.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "cli/stack_lock.h"
#include "coordination/lock_factory.h"
#include "engine/file_reader.h"
#include "engine/validate.h"

namespace keyward::cli {
namespace {

std::string Env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? value : "";
}

// Prints the error of a failed call; true when it failed.
template <typename T>
bool PrintedError(const Result<T>& result) {
  if (result) return false;
  std::fprintf(stderr, "error: %s\n", result.error().ToString().c_str());
  return true;
}

}  // namespace

void AddLockFlags(CLI::App* command, engine::LockOverrides& flags) {
  command
      ->add_option("--lock-backend", flags.backend,
                   "Stack lock: local, etcd or azureblob (env KEYWARD_LOCK_BACKEND; default: "
                   "keyward.yaml lock.backend, else local)")
      ->check(CLI::IsMember({"local", "etcd", "azureblob"}));
  command->add_option("--lock-ttl", flags.ttl,
                      "Lease TTL, e.g. 15s (env KEYWARD_LOCK_TTL); keep-alive every TTL/3");
  command->add_option("--lock-etcd-endpoints", flags.etcd_endpoints,
                      "etcd client URLs, comma-separated (env KEYWARD_LOCK_ETCD_ENDPOINTS)");
  command->add_option("--lock-etcd-prefix", flags.etcd_prefix,
                      "etcd key prefix (env KEYWARD_LOCK_ETCD_PREFIX; default /keyward)");
  command->add_option("--lock-azureblob-url", flags.blob_account_url,
                      "Storage account blob URL (env KEYWARD_LOCK_AZUREBLOB_URL)");
  command->add_option("--lock-azureblob-container", flags.blob_container,
                      "Container of the lock blobs (env KEYWARD_LOCK_AZUREBLOB_CONTAINER)");
  command->add_option(
      "--lock-azureblob-blob", flags.blob_name,
      "Lock blob name (env KEYWARD_LOCK_AZUREBLOB_BLOB; default keyward/STACK.lock)");
}

Result<engine::LockConfig> ResolveLock(const nlohmann::json& yaml_lock,
                                       const engine::LockOverrides& flags) {
  return engine::ResolveLockConfig(yaml_lock, flags, Env);
}

Status CheckLockFlags(const engine::LockOverrides& flags) {
  return engine::CheckLockOverrides(flags, Env);
}

Result<std::shared_ptr<coordination::LockBackend>> MakeLockBackend(const GlobalOptions& global,
                                                                   const engine::LockConfig& config,
                                                                   const std::string& state_dir) {
  coordination::LockBackendDeps deps;
  deps.state_dir = state_dir;
  deps.env = Env;
  if (config.backend == engine::LockBackendKind::kAzureBlob) {
    // Built only when needed: the chain reads its environment on construction.
    auto auth = std::make_shared<AzureAuth>(MakeAzureAuth(global));
    deps.storage_token = [auth](const Context& ctx) -> Result<std::string> {
      azure::TokenRequest request;
      request.scopes = {"https://storage.azure.com/.default"};
      KEYWARD_ASSIGN_OR_RETURN(auto token, auth->credential->GetToken(request, ctx));
      return token.token;
    };
  }
  return coordination::MakeLockBackend(config, deps);
}

Result<std::shared_ptr<coordination::HeldLock>> AcquireStackLock(const GlobalOptions& global,
                                                                 const engine::StackConfig& config,
                                                                 const engine::LockOverrides& flags,
                                                                 const std::string& command,
                                                                 bool wait, const Context& ctx,
                                                                 engine::LockBackendKind* kind) {
  KEYWARD_ASSIGN_OR_RETURN(auto resolved, ResolveLock(config.lock, flags));
  if (kind) *kind = resolved.backend;
  KEYWARD_ASSIGN_OR_RETURN(auto backend, MakeLockBackend(global, resolved, StateDir("")));
  coordination::AcquireRequest request;
  request.stack = config.stack;
  request.holder = coordination::CurrentHolder(command, global.replica_id, *ctx.clock);
  request.wait = wait;
  request.on_wait = [](const coordination::LockHolder& holder) {
    std::fprintf(stderr, "Waiting for the stack lock held by %s...\n", holder.ToString().c_str());
  };
  return backend->Acquire(request, ctx);
}

void AddLockCommand(CLI::App& app, LockCommandFlags& flags, CLI::App** status, CLI::App** brk) {
  auto* lock = app.add_subcommand("lock", "Inspect or break a stack's lock (docs/ha.md)");
  lock->require_subcommand(1);
  auto add_common = [&](CLI::App* command) {
    command
        ->add_option("paths", flags.paths,
                     "Manifest directory (its keyward.yaml names the stack and the lock)")
        ->check(CLI::ExistingPath);
    command->add_option("--stack", flags.stack, "The stack, when no manifest directory is given");
    AddLockFlags(command, flags.lock);
  };
  *status = lock->add_subcommand("status", "Who holds a stack's lock, since when");
  add_common(*status);
  (*status)->add_flag("--json", flags.json, "JSON output");
  *brk = lock->add_subcommand(
      "break", "Remove whoever holds a stack's lock (its next keep-alive fails; it stops writing)");
  add_common(*brk);
  (*brk)->add_flag("--force", flags.force, "Required: breaking a lock is never the default");
}

namespace {

// The stack and its lock settings from the manifest directory or --stack, and the backend.
struct LockTarget {
  std::string stack;
  std::shared_ptr<coordination::LockBackend> backend;
};

std::optional<LockTarget> ResolveTarget(const GlobalOptions& global,
                                        const LockCommandFlags& flags) {
  engine::StackConfig config;
  if (!flags.paths.empty()) {
    auto registry = MakeAzureRegistry(global);
    engine::RealFileReader reader;
    const engine::ValidationResult loaded =
        engine::ValidateManifests(flags.paths, reader, *registry);
    config = loaded.set.config;
  }
  if (!flags.stack.empty()) config.stack = flags.stack;
  if (config.stack.empty()) {
    std::fprintf(stderr, "error: name the stack: a manifest directory, or --stack NAME\n");
    return std::nullopt;
  }
  auto resolved = ResolveLock(config.lock, flags.lock);
  if (PrintedError(resolved)) return std::nullopt;
  auto backend = MakeLockBackend(global, *resolved, StateDir(""));
  if (PrintedError(backend)) return std::nullopt;
  return LockTarget{config.stack, *backend};
}

}  // namespace

int RunLockStatus(const GlobalOptions& global, const LockCommandFlags& flags) {
  auto target = ResolveTarget(global, flags);
  if (!target) return kExitError;
  auto status = target->backend->Status(target->stack, MakeContext());
  if (PrintedError(status)) return kExitError;
  if (flags.json)
    std::printf("%s\n", status->ToJson().dump(2).c_str());
  else
    std::fputs(status->ToText().c_str(), stdout);
  return kExitOk;
}

int RunLockBreak(const GlobalOptions& global, const LockCommandFlags& flags) {
  if (!flags.force) {
    std::fprintf(stderr,
                 "error: `keyward lock break` removes another writer's lock; if you are sure "
                 "that writer is gone or must stop, re-run with --force\n");
    return kExitError;
  }
  auto target = ResolveTarget(global, flags);
  if (!target) return kExitError;
  auto broken = target->backend->Break(target->stack, MakeContext());
  if (PrintedError(broken)) return kExitError;
  if (!*broken) {
    std::printf("stack '%s': the lock was free; nothing to break\n", target->stack.c_str());
  } else {
    std::printf("stack '%s': broke the lock held by %s; it stops writing at its next keep-alive\n",
                target->stack.c_str(), (*broken)->ToString().c_str());
  }
  return kExitOk;
}

}  // namespace keyward::cli
