// `keyward daemon`: the engine's Daemon loop (engine/daemon.h) wired to the same validate ->
// refresh -> plan -> apply path as `plan` / `apply`, plus what only a long-running process
// needs: a manifest source (directory or git), the stack lock in heal mode, an in-flight journal,
// structured logs, and the HTTP endpoints (/healthz, /readyz, /metrics, /status, /hooks/git).
// docs/daemon.md is the user-facing reference for every flag here.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cli/options.h"
#include "engine/duration.h"

namespace CLI {
class App;
}

namespace keyward::cli {

struct DaemonFlags {
  std::vector<std::string> paths;
  std::string interval = "5m";
  std::string jitter = "10%";
  std::string mode = "observe";
  std::string listen = "127.0.0.1:9464";
  std::string git_url;
  std::string git_ref = "main";
  std::string git_path;
  std::string git_timeout = "5m";
  std::string state_dir;
  bool wait_for_lock = false;
  bool allow_destroy = false;
  bool allow_replace = false;
  bool prune = false;
  int parallelism = 0;
  std::string log_format = "text";
  std::string backoff_initial = "30s";
  std::string backoff_max = "30m";
  long max_loops = 0;
  std::string stacks_dir;      // serve every stack under this directory (docs/ha.md)
  engine::LockOverrides lock;  // --lock-*: heal mode's stack lock
};

CLI::App* AddDaemonCommand(CLI::App& app, DaemonFlags& flags);
int RunDaemon(const GlobalOptions& global, const DaemonFlags& flags);

using engine::ParseDuration;
using engine::ParseJitter;

}  // namespace keyward::cli
