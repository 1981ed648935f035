// Command-line options shared by the keyward subcommands, and the wiring that turns them into a
// handler registry backed by a real ARM client. This is the only place engine and providers meet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/lock_config.h"
#include "engine/resource_handler.h"
#include "engine/saved_plan.h"
#include "providers/azure/arm/credential.h"

namespace keyward::azure {
class ArmClient;
}

namespace keyward::cli {

struct GlobalOptions {
  std::string arm_endpoint;  // --arm-endpoint, else KEYWARD_ARM_ENDPOINT, else Azure public cloud
  std::string ca_file;       // --ca-file, else KEYWARD_CA_FILE
  bool verbose = false;
  bool color = false;
  // Durations (engine/duration.h), checked when parsed; "" = keyward.yaml's, else the default.
  std::string timeout;          // --timeout: one long-running ARM operation
  std::string request_timeout;  // --request-timeout: one ARM request, retries included
  // --replica-id, else KEYWARD_REPLICA_ID, else <hostname>-<pid>. Names this process in the
  // stack locks it holds and in the User-Agent of its ARM requests ("replica/<id>"), so writes can
  // be attributed (docs/ha.md).
  std::string replica_id;
};

struct PlanFlags {
  std::vector<std::string> paths;
  bool detailed_exitcode = false;
  bool prune = false;
  bool show_no_ops = false;
  int parallelism = 0;  // 0 = keyward.yaml's policies.parallelism
  bool auto_approve = false;
  bool allow_destroy = false;
  bool allow_replace = false;
  std::string sarif;           // validate / plan --sarif FILE: guardrail findings as SARIF 2.1.0
  engine::LockOverrides lock;  // --lock-* (docs/ha.md)
  bool wait_for_lock = true;   // apply: wait for another writer; --no-wait-for-lock fails instead
  // The key read cache in the state directory (providers/azure/kinds/key_read_cache.h); off with
  // --no-read-cache, and in the daemon, whose handlers keep it in memory.
  bool read_cache = true;
};

// ARM calls at once, refresh and apply alike: `--parallelism`, else keyward.yaml's.
inline int Parallelism(const PlanFlags& flags, const engine::StackConfig& config) {
  return flags.parallelism > 0 ? flags.parallelism : config.parallelism;
}

// Saved plans and plan formats: `plan --out/--format`, `show FILE`, `apply FILE [PATHS...]`.
struct PlanFileFlags {
  std::string out;              // plan --out: write a saved plan here (mode 0600)
  std::string format = "text";  // text | json | markdown
  std::string markdown_dir;     // also write the Markdown parts to DIR/plan-001.md, ...
  std::string plan_file;        // the saved plan that show / apply read
  // apply FILE without PATHS: the variable holding the key the plan's signature must verify with.
  std::string plan_key_env = engine::kDefaultPlanKeyEnv;
};
// How keyward authenticates to ARM: the DefaultAzureCredential chain (with --ca-file and
// AZURE_AUTHORITY_HOST), the ARM endpoint, and the token request whose scope follows that endpoint
// (sovereign clouds, the emulator). `keyward auth whoami` and the ARM client share it.
struct AzureAuth {
  std::string arm_endpoint;
  std::string ca_file;
  std::shared_ptr<azure::ChainedTokenCredential> credential;
  azure::TokenRequest token_request;
};
AzureAuth MakeAzureAuth(const GlobalOptions& options);
// The CA file (--ca-file, else KEYWARD_CA_FILE), when one is set, must be readable and hold a
// certificate (azure::CheckCaFile).
Status CheckTlsOptions(const GlobalOptions& options);
struct ExportFlags {
  std::string subscription;
  std::string resource_group;  // empty: the whole subscription
  std::string stack;           // empty: keyward.yaml takes no ownership
  std::string out;
  bool force = false;          // write into a non-empty --out directory
  engine::LockOverrides lock;  // --force takes the stack's lock (docs/ha.md)
};

// Gives `client` the timeouts of this run: --timeout / --request-timeout, else keyward.yaml's
// `timeouts:` (config), else the ARM client's defaults. Called once the manifests are loaded
// (and again on every daemon loop, which may bring a new keyward.yaml).
void UseTimeouts(const GlobalOptions& options, const engine::StackConfig& config,
                 azure::ArmClient& client);

// Registers every Azure kind handler, sharing one ARM client. Credentials are read lazily (on the
// first ARM call), so `validate` works without any. `client`, when given, receives that client
// (the daemon reads its request counters for /metrics).
std::unique_ptr<engine::HandlerRegistry> MakeAzureRegistry(
    const GlobalOptions& options, std::shared_ptr<azure::ArmClient>* client = nullptr);

}  // namespace keyward::cli
