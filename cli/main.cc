// keyward: GitOps for Azure Key Vault. Hardens the process and scrubs its output first
// (cli/process_hygiene.h), parses the command line, sets up logging and signals, and dispatches to
// cli/commands.cc. The only translation unit family that sees both engine and providers.
#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/daemon.h"
#include "cli/guardrails.h"
#include "cli/lock.h"
#include "cli/process_hygiene.h"
#include "cli/shared_flags.h"
#include "coordination/stack_lock.h"
#include "engine/context.h"
#include "engine/duration.h"
#include "engine/file_reader.h"

namespace {

// A signal handler may only store the flag and write to a pipe; the thread below turns the
// write into a wake-up of every sleeper (throttle, retry and lock waits end now, not at their
// deadline or next cancellation check).
int wake_pipe[2] = {-1, -1};

void OnSignal(int) {
  keyward::cli::CancellationFlag()->store(true);
  if (wake_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t written = write(wake_pipe[1], &byte, 1);
  }
}

void InstallSignalHandlers() {
  keyward::cli::CancellationFlag();  // created here, not first in a signal handler
  if (pipe2(wake_pipe, O_CLOEXEC) == 0) {
    std::thread([] {
      char byte;
      while (read(wake_pipe[0], &byte, 1) < 0 && errno == EINTR) {
      }
      keyward::SystemClock::WakeSleepers();
    }).detach();
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

void AddPlanFlags(CLI::App* command, keyward::cli::PlanFlags& flags) {
  command->add_option("paths", flags.paths, "Manifest directories or files")
      ->required()
      ->check(CLI::ExistingPath);
  keyward::cli::AddPruneAndParallelismFlags(command, flags.prune, flags.parallelism);
  command->add_flag("--read-cache,!--no-read-cache", flags.read_cache,
                    "Skip re-reading keys whose list entry is unchanged (the cache is kept in the "
                    "state directory; default on)");
}

// Output format flags shared by `plan` and `show`.
void AddPlanFormatFlags(CLI::App* command, keyward::cli::PlanFlags& flags,
                        keyward::cli::PlanFileFlags& files) {
  command->add_option("--format", files.format, "Output format: text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  command
      ->add_option("--markdown-dir", files.markdown_dir,
                   "With --format markdown: also write the parts (each under GitHub's 65,536 "
                   "character comment limit) to DIR/plan-001.md, ...")
      ->check(CLI::ExistingDirectory);
  command->add_flag("--detailed-exitcode", flags.detailed_exitcode,
                    "Exit 0 = no changes, 1 = error, 2 = changes present");
  command->add_flag("--show-no-ops", flags.show_no_ops, "List unchanged resources too");
}

// `apply FILE [PATHS...]`: a first argument that is a file but not a manifest (*.yaml, *.yml)
// is a saved plan; the paths after it are the manifests to check its digest against.
void TakeSavedPlanArgument(keyward::cli::PlanFlags& flags, keyward::cli::PlanFileFlags& files) {
  if (flags.paths.empty()) return;
  const std::filesystem::path first(flags.paths.front());
  if (!std::filesystem::is_regular_file(first) ||
      keyward::engine::IsManifestFileName(first.filename().string()))
    return;
  files.plan_file = flags.paths.front();
  flags.paths.erase(flags.paths.begin());
}

// Every subcommand's flags and, once parsed, which command ran. CLI11 keeps pointers into it.
struct Commands {
  keyward::cli::GlobalOptions global;
  keyward::cli::PlanFlags flags;  // validate, plan, show, apply and graph share them
  keyward::cli::PlanFileFlags files;
  bool dot = false;
  keyward::cli::DaemonFlags daemon_flags;
  bool whoami_json = false;
  keyward::cli::ExportFlags export_flags;
  keyward::cli::LockCommandFlags lock_flags;
  keyward::cli::GuardrailCommandFlags guardrail_flags;

  CLI::App* validate = nullptr;
  CLI::App* plan = nullptr;
  CLI::App* show = nullptr;
  CLI::App* apply = nullptr;
  CLI::App* graph = nullptr;
  CLI::App* daemon = nullptr;
  CLI::App* whoami = nullptr;
  CLI::App* export_command = nullptr;
  CLI::App* lock_status = nullptr;
  CLI::App* lock_break = nullptr;
  keyward::cli::GuardrailCommands guardrail_commands;
};

void AddGlobalOptions(CLI::App& app, keyward::cli::GlobalOptions& global) {
  app.add_option("--arm-endpoint", global.arm_endpoint,
                 "ARM endpoint (env KEYWARD_ARM_ENDPOINT; default https://management.azure.com)");
  // Checked by CheckTlsOptions (readable, holds a certificate) rather than CLI::ExistingFile, so
  // that the flag and KEYWARD_CA_FILE fail the same way.
  app.add_option("--ca-file", global.ca_file,
                 "Extra CA certificate (PEM) to trust, e.g. the emulator's (env KEYWARD_CA_FILE)");
  const CLI::Validator duration(
      [](std::string& text) {
        return keyward::engine::ParseDuration(text)
                   ? std::string()
                   : "'" + text + "' is not a duration such as 90s, 30m or 1h (at most 8760h)";
      },
      "DURATION");
  app.add_option("--timeout", global.timeout,
                 "How long one long-running Azure operation (e.g. creating a vault) may take "
                 "(default: keyward.yaml timeouts.operation, else 30m)")
      ->check(duration);
  app.add_option("--request-timeout", global.request_timeout,
                 "How long one ARM request may take, retries included (default: keyward.yaml "
                 "timeouts.request, else 2m)")
      ->check(duration);
  app.add_flag("-v,--verbose", global.verbose, "Log ARM requests (sanitized) to stderr");
  app.add_flag("--color", global.color, "ANSI colors in plan output");
  app.add_option("--replica-id", global.replica_id,
                 "Name of this process in stack locks and in its ARM requests' User-Agent (env "
                 "KEYWARD_REPLICA_ID; default HOSTNAME-PID)");
}

// validate, plan and show: the commands that read manifests or a saved plan and write nothing.
void AddReadingCommands(CLI::App& app, Commands& c) {
  c.validate =
      app.add_subcommand("validate", "Check manifests against the schemas; no Azure calls");
  c.validate->add_option("paths", c.flags.paths, "Manifest directories or files")
      ->required()
      ->check(CLI::ExistingPath);
  c.validate->add_option("--sarif", c.flags.sarif,
                         "Write the guardrail findings as SARIF 2.1.0 (GitHub code scanning)");

  c.plan = app.add_subcommand("plan", "Show what apply would change");
  AddPlanFlags(c.plan, c.flags);
  AddPlanFormatFlags(c.plan, c.flags, c.files);
  c.plan->add_option("--sarif", c.flags.sarif,
                     "Write the guardrail findings as SARIF 2.1.0 (GitHub code scanning)");
  c.plan->add_option(
      "--out", c.files.out,
      "Save the plan to FILE (mode 0600) for `keyward apply FILE` / `keyward show FILE`");

  c.show = app.add_subcommand("show", "Render a saved plan; no Azure calls");
  c.show->add_option("file", c.files.plan_file, "A plan saved with `keyward plan --out`")
      ->required()
      ->check(CLI::ExistingFile);
  AddPlanFormatFlags(c.show, c.flags, c.files);
}

CLI::App* AddApplyCommand(CLI::App& app, Commands& c) {
  auto* apply = app.add_subcommand(
      "apply",
      "Converge Azure to the manifests, or apply exactly a saved plan: apply FILE [PATHS...] "
      "(no prompt; refused when live state or the given manifests moved since the plan)");
  AddPlanFlags(apply, c.flags);
  apply->add_flag("--auto-approve", c.flags.auto_approve, "Apply without asking for confirmation");
  apply->add_flag("--allow-destroy", c.flags.allow_destroy,
                  "Allow deleting vaults, managed HSMs and resource groups");
  apply->add_flag("--allow-replace", c.flags.allow_replace,
                  "Allow delete-then-create for immutable field changes");
  apply->add_flag("--wait-for-lock,!--no-wait-for-lock", c.flags.wait_for_lock,
                  "Wait for another writer of the stack (the default), or fail naming it");
  keyward::cli::AddLockFlags(apply, c.flags.lock);
  apply
      ->add_option("--plan-key-env", c.files.plan_key_env,
                   "apply FILE without PATHS: the environment variable holding the key the saved "
                   "plan's signature must verify with")
      ->capture_default_str();
  return apply;
}

CLI::App* AddExportCommand(CLI::App& app, keyward::cli::ExportFlags& flags) {
  auto* command = app.add_subcommand(
      "export", "Write manifests for the Key Vault resources that exist in Azure");
  command->add_option("--subscription", flags.subscription, "Subscription id")->required();
  command->add_option("--resource-group", flags.resource_group,
                      "Export only this resource group (default: the whole subscription)");
  command->add_option("--stack", flags.stack,
                      "Write this stack into keyward.yaml (the next plan shows adopt)");
  command->add_option("--out", flags.out, "Directory to write the manifests into")->required();
  command->add_flag("--force", flags.force,
                    "Write into a non-empty --out directory (takes the stack's lock)");
  keyward::cli::AddLockFlags(command, flags.lock);
  return command;
}

// Every subcommand, in the order `keyward --help` lists them.
void AddCommands(CLI::App& app, Commands& c) {
  AddGlobalOptions(app, c.global);
  AddReadingCommands(app, c);
  c.apply = AddApplyCommand(app, c);
  c.graph = app.add_subcommand("graph", "Print the dependency graph of the manifests");
  c.graph->add_option("paths", c.flags.paths, "Manifest directories or files")
      ->required()
      ->check(CLI::ExistingPath);
  c.graph->add_flag("--dot", c.dot, "Graphviz dot format");
  c.daemon = keyward::cli::AddDaemonCommand(app, c.daemon_flags);
  auto* auth = app.add_subcommand("auth", "Azure credentials");
  auth->require_subcommand(1);
  c.whoami = auth->add_subcommand(
      "whoami",
      "Show which credential keyward uses and who its token says it is (never the token)");
  c.whoami->add_flag("--json", c.whoami_json, "JSON output");
  c.export_command = AddExportCommand(app, c.export_flags);
  keyward::cli::AddLockCommand(app, c.lock_flags, &c.lock_status, &c.lock_break);
  c.guardrail_commands = keyward::cli::AddGuardrailCommands(app, c.guardrail_flags);
  app.add_subcommand("version", "Print the keyward version");
}

// Commands that talk to Azure stop on a TLS configuration error before anything else.
bool TlsUsable(const Commands& c) {
  for (const CLI::App* remote : {c.plan, c.apply, c.daemon, c.whoami, c.export_command}) {
    if (!remote->parsed()) continue;
    if (auto tls = keyward::cli::CheckTlsOptions(c.global); !tls) {
      std::fprintf(stderr, "error: %s\n", tls.error().message.c_str());
      return false;
    }
  }
  return true;
}

// Runs the command that was parsed; its exit code.
int Dispatch(Commands& c) {
  using namespace keyward::cli;
  if (c.validate->parsed()) return RunValidate(c.global, c.flags);
  if (c.plan->parsed()) return RunPlan(c.global, c.flags, c.files);
  if (c.show->parsed()) return RunShow(c.global, c.flags, c.files);
  if (c.apply->parsed()) {
    TakeSavedPlanArgument(c.flags, c.files);
    return RunApply(c.global, c.flags, c.files);
  }
  if (c.graph->parsed()) return RunGraph(c.global, c.flags, c.dot);
  if (c.daemon->parsed()) return RunDaemon(c.global, c.daemon_flags);
  if (c.whoami->parsed()) return RunAuthWhoami(c.global, c.whoami_json);
  if (c.export_command->parsed()) return RunExport(c.global, c.export_flags);
  if (c.lock_status->parsed()) return RunLockStatus(c.global, c.lock_flags);
  if (c.lock_break->parsed()) return RunLockBreak(c.global, c.lock_flags);
  if (auto code = RunGuardrailCommand(c.global, c.guardrail_commands, c.guardrail_flags))
    return *code;
  std::printf("keyward %s\n", KEYWARD_VERSION);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keyward::cli;
  HardenProcess();
  ScrubStandardStreams();
  CLI::App app{"keyward: GitOps for Azure Key Vault", "keyward"};
  app.require_subcommand(1);
  app.fallthrough();
  Commands commands;
  AddCommands(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; every other parse error is a usage error, exit 1
    // like every other bad input (CLI11's own codes, 105 and so on, mean nothing to a script).
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }

  // Logs go to stderr so that stdout stays the plan (pipes, golden files, PR comments).
  auto logger = spdlog::stderr_color_mt("keyward");
  spdlog::set_default_logger(logger);
  spdlog::set_level(commands.global.verbose ? spdlog::level::debug : spdlog::level::warn);
  InstallSignalHandlers();
  if (commands.global.replica_id.empty())
    commands.global.replica_id = keyward::coordination::DefaultReplicaId();
  if (!TlsUsable(commands)) return kExitError;
  return Dispatch(commands);
}
