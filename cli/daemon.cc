#include "cli/daemon.h"

#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cli/commands.h"
#include "cli/daemon_http.h"
#include "cli/lock.h"
#include "cli/manifest_sources.h"
#include "cli/stack_lock.h"
#include "coordination/local_lock.h"
#include "coordination/shard_coordinator.h"
#include "engine/apply.h"
#include "engine/daemon.h"
#include "engine/metrics.h"
#include "engine/saved_plan.h"
#include "engine/scrubber.h"
#include "engine/url.h"
#include "providers/azure/arm/arm_client.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

std::string NowIso8601Millis() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(millis));
  return out;
}

// One line per event on stderr: JSON objects (--log-format json) or "time LEVEL msg k=v ...".
// Fields carry addresses, actions, field paths and errors; never values (secrets stay out).
class DaemonLog {
 public:
  explicit DaemonLog(bool json) : json_(json) {}

  void Write(const char* level, const std::string& message, const Json& fields = Json::object()) {
    std::string line;
    if (json_) {
      Json out = {{"time", NowIso8601Millis()}, {"level", level}, {"msg", message}};
      for (const auto& [key, value] : fields.items()) out[key] = value;
      line = out.dump(-1, ' ', false, Json::error_handler_t::replace);
    } else {
      line = NowIso8601Millis() + " " + level + " " + message;
      for (const auto& [key, value] : fields.items())
        line += " " + key + "=" +
                (value.is_string() ? value.get<std::string>()
                                   : value.dump(-1, ' ', false, Json::error_handler_t::replace));
    }
    std::lock_guard lock(mu_);
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }

 private:
  bool json_;
  std::mutex mu_;
};

// Status and journal files: private to the daemon's user (they name resources and errors) and
// scrubbed like everything else the daemon writes. A failed write is not fatal: the next loop
// writes again, and /status has the same content.
void WriteStateFile(const std::string& path, const std::string& text) {
  [[maybe_unused]] auto written =
      engine::WriteFilePrivateAtomically(path, engine::Scrubber::Process().Scrub(text));
}

// The changes apply has started and not yet finished, persisted before each write and cleared
// after it, so a daemon killed mid-write (or a crash) leaves a record that the next start logs
// and reports. Writes are idempotent PUTs and every loop re-reads live state, so the next loop's
// plan re-checks exactly those resources; there is nothing else to resume.
class InFlightJournal : public engine::ApplyObserver {
 public:
  InFlightJournal(std::string path, DaemonLog* log, long loop_id)
      : path_(std::move(path)), log_(log), loop_id_(loop_id) {}

  void OnStarted(const engine::Change& change) override {
    entries_[change.address] = {{"action", engine::ActionName(change.action)},
                                {"arm_id", change.arm_id},
                                {"started_at", NowIso8601Millis()},
                                {"loop", loop_id_}};
    Save();
  }

  void OnFinished(const engine::Change& change, const engine::ChangeOutcome& outcome) override {
    entries_.erase(change.address);
    Save();
    Json fields = {{"loop", loop_id_},
                   {"address", change.address},
                   {"action", engine::ActionName(change.action)},
                   {"status", engine::ChangeStatusName(outcome.status)},
                   {"elapsed_ms", outcome.elapsed.count()}};
    if (outcome.status != engine::ChangeStatus::kSucceeded)
      fields["error"] = outcome.error.ToString();
    log_->Write(outcome.status == engine::ChangeStatus::kSucceeded ? "info" : "warn", "change",
                fields);
  }

 private:
  void Save() {
    std::error_code ec;
    if (entries_.empty()) {
      std::filesystem::remove(path_, ec);
      return;
    }
    Json journal = Json::object();
    for (const auto& [address, entry] : entries_) journal[address] = entry;
    WriteStateFile(path_, journal.dump(2));
  }

  std::string path_;
  DaemonLog* log_;
  long loop_id_;
  std::map<std::string, Json> entries_;
};

struct ListenAddress {
  std::string host;
  int port = 0;
};

std::optional<ListenAddress> ParseListen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']')
    address.host = address.host.substr(1, address.host.size() - 2);
  try {
    size_t used = 0;
    address.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || address.port < 0 || address.port > 65535)
      return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return address;
}

void DescribeArmMetrics(engine::MetricsRegistry& m) {
  m.Describe("keyward_arm_requests_total", engine::MetricType::kCounter,
             "ARM requests (every try) by HTTP status code; code=\"transport_error\" when no "
             "response came back.");
  m.Describe("keyward_arm_retries_total", engine::MetricType::kCounter, "ARM request retries.");
  m.Describe("keyward_arm_throttled_waits_total", engine::MetricType::kCounter,
             "Client-side waits for an ARM rate-limit token.");
  m.Describe("keyward_arm_throttled_wait_seconds_total", engine::MetricType::kCounter,
             "Time spent waiting for ARM rate-limit tokens.");
  m.Describe("keyward_arm_throttled_responses_total", engine::MetricType::kCounter,
             "429 responses received from ARM.");
}

// Mirrors the ARM client's counters into the registry (they are cumulative already).
void CopyArmMetrics(const azure::ArmMetricsSnapshot& s, engine::MetricsRegistry& m) {
  for (const auto& [status, count] : s.requests_by_status)
    m.Set("keyward_arm_requests_total",
          {{"code", status == 0 ? "transport_error" : std::to_string(status)}},
          static_cast<double>(count));
  m.Set("keyward_arm_retries_total", {}, static_cast<double>(s.retries));
  m.Set("keyward_arm_throttled_waits_total", {}, static_cast<double>(s.throttled_waits));
  m.Set("keyward_arm_throttled_wait_seconds_total", {}, s.throttled_wait_time.count() / 1000.0);
  m.Set("keyward_arm_throttled_responses_total", {}, static_cast<double>(s.throttled_responses));
}

// One pass, as `plan` (observe) or `apply` (heal) would do it.
//
// Heal mode takes the stack's lock first (docs/ha.md). With the local lock, as on one machine:
// the daemon holds it for its lifetime, and exits when another writer has it (or waits, with
// --wait-for-lock). With etcd or azureblob, several replicas share the stack: the shard
// coordinator runs the election and hands the lease to the stack's Seat; a replica that leads
// heals under that lease (it fences every write), the others run the same pass as observers.
class Reconciler {
 public:
  // `use_config` takes each pass's keyward.yaml before any ARM call (timeouts).
  Reconciler(const GlobalOptions& global, const DaemonFlags& flags, engine::DaemonMode mode,
             std::string state_dir, const engine::HandlerRegistry* registry, DaemonLog* log,
             coordination::Seat* seat, std::function<void(const engine::StackConfig&)> use_config)
      : global_(global),
        flags_(flags),
        mode_(mode),
        state_dir_(std::move(state_dir)),
        registry_(registry),
        log_(log),
        seat_(seat),
        use_config_(std::move(use_config)) {
    plan_flags_.prune = flags.prune;
    plan_flags_.parallelism = flags.parallelism;
    plan_flags_.read_cache = false;  // one registry serves every stack: its caches stay in memory
  }

  engine::PassResult Pass(const engine::PassRequest& request, const Context& ctx) {
    engine::PassResult result;
    const std::string& stack = request.manifests->set.config.stack;
    stack_ = stack;
    use_config_(request.manifests->set.config);
    bool heal = mode_ == engine::DaemonMode::kHeal;
    Context pass_ctx = ctx;
    std::unique_lock<std::mutex> pass_lock;  // the coordinator does not resign mid-pass
    if (heal) {
      auto lock = ResolveLock(request.manifests->set.config.lock, flags_.lock);
      if (!lock) {
        result.error = lock.error();
        return result;
      }
      if (lock->backend == engine::LockBackendKind::kLocal || !seat_) {
        if (auto error = EnsureLock(stack, ctx)) {
          result.error = *error;
          return result;
        }
        pass_ctx.write_guard = lock_;
      } else {
        seat_->SetStack(stack, *lock);
        pass_lock = seat_->LockPass();
        auto lease = seat_->Lease();
        if (lease && lease->StillHeld())
          pass_ctx.write_guard = lease;
        else
          heal = false;  // standby: observe and report, never write
      }
    }
    ReportJournalOnce(stack);

    // Secret sources are read on every pass (a rotated file is picked up), into a copy: the
    // last good manifests stay as loaded.
    engine::ValidationResult manifests = *request.manifests;
    const engine::Diagnostics secrets = ResolveSecrets(manifests.set);
    if (secrets.HasErrors()) {
      std::string text;
      for (const auto& d : secrets.items())
        if (d.severity == engine::Severity::kError)
          text += (text.empty() ? "" : "; ") + d.ToString();
      result.error = Error{ErrorCode::kInvalidArgument, "secret values could not be read: " + text};
      return result;
    }
    auto plan = RefreshAndPlan(manifests, plan_flags_, *registry_, pass_ctx);
    if (!plan) {
      result.error = plan.error();
      return result;
    }
    if (plan->diagnostics.HasErrors()) {
      std::string text;
      for (const auto& d : plan->diagnostics.items())
        if (d.severity == engine::Severity::kError)
          text += (text.empty() ? "" : "; ") + d.ToString();
      result.error = Error{ErrorCode::kFailedPrecondition, "the plan has errors: " + text};
      return result;
    }
    result.summary = plan->Summary();
    result.drift = engine::DriftOf(*plan);
    result.findings = plan->findings;
    for (const auto& item : result.drift)
      log_->Write("info", "drift",
                  {{"loop", request.loop_id},
                   {"address", item.address},
                   {"action", engine::ActionName(item.action)},
                   {"reason_code", item.reason_code},
                   {"report_only", item.report_only || !heal},
                   {"fields", item.fields}});
    if (!heal || !plan->HasChanges()) return result;

    // Backed-off resources are planned as blocked: apply does not touch them, and their
    // dependents are skipped rather than failing against a missing parent.
    engine::Plan to_apply = *plan;
    for (engine::Change& change : to_apply.changes) {
      if (!request.backed_off.count(change.address) || !engine::IsWrite(change.action)) continue;
      change.action = engine::Action::kBlocked;
      change.reason = "backing off after earlier failures";
      change.reason_code = "daemon_backoff";
    }
    engine::ApplyOptions options;
    options.parallelism = Parallelism(plan_flags_, manifests.set.config);
    options.allow_destroy = flags_.allow_destroy;
    options.allow_replace = flags_.allow_replace;
    InFlightJournal journal(JournalPath(stack), log_, request.loop_id);
    const engine::ApplyReport report =
        engine::Apply(to_apply, &manifests.set, *registry_, options, journal, pass_ctx);
    result.changes = report.results;
    if (report.lock_lost) {
      // The lease lapsed mid-apply: nothing more was written. The coordinator turns this
      // replica standby for the stack; the loop reports the error.
      log_->Write(
          "error", "lock lost: apply stopped",
          {{"loop", request.loop_id}, {"stack", stack}, {"error", report.lock_lost->message}});
      result.error = *report.lock_lost;
    }
    return result;
  }

  // Set when this daemon must stop: another writer holds the stack.
  const std::optional<Error>& fatal() const { return fatal_; }
  const std::string& stack() const { return stack_; }
  // The in-flight journal found at start (null when there was none), for /status.
  const Json& resumed() const { return resumed_; }

 private:
  std::string JournalPath(const std::string& stack) const {
    return state_dir_ + "/" + StackFileStem(stack) + ".inflight.json";
  }

  std::optional<Error> EnsureLock(const std::string& stack, const Context& ctx) {
    if (lock_ && lock_->stack() == stack) return std::nullopt;
    lock_.reset();  // the stack was renamed in the manifests: release the old one
    coordination::LocalLockBackend local(state_dir_);
    coordination::AcquireRequest request;
    request.stack = stack;
    request.holder = coordination::CurrentHolder("daemon", global_.replica_id, *ctx.clock);
    request.wait = flags_.wait_for_lock;
    auto lock = local.Acquire(request, ctx);
    if (!lock) {
      if (lock.error().code != ErrorCode::kCancelled) fatal_ = lock.error();
      ctx.Cancel();
      return lock.error();
    }
    log_->Write("info", "stack lock acquired", {{"stack", stack}, {"lock", (*lock)->where()}});
    lock_ = *lock;
    return std::nullopt;
  }

  void ReportJournalOnce(const std::string& stack) {
    if (journal_checked_.count(stack)) return;
    journal_checked_.insert(stack);
    std::ifstream in(JournalPath(stack));
    if (!in) return;
    const Json journal = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!journal.is_object()) return;
    Json addresses = Json::array();
    for (const auto& [address, entry] : journal.items()) addresses.push_back(address);
    resumed_ = {{"stack", stack}, {"changes", journal}};
    log_->Write("warn",
                "changes were in flight when the previous run stopped; this loop re-reads and "
                "re-plans them",
                {{"addresses", addresses}});
  }

  const GlobalOptions& global_;
  const DaemonFlags& flags_;
  engine::DaemonMode mode_;
  std::string state_dir_;
  const engine::HandlerRegistry* registry_;
  DaemonLog* log_;
  coordination::Seat* seat_;
  std::function<void(const engine::StackConfig&)> use_config_;
  PlanFlags plan_flags_;
  std::shared_ptr<coordination::HeldLock> lock_;
  std::optional<Error> fatal_;
  std::set<std::string> journal_checked_;
  std::string stack_;
  Json resumed_ = nullptr;
};

class LoopLogger : public engine::DaemonObserver {
 public:
  LoopLogger(DaemonLog* log, std::function<void()> after_loop, Json fields = Json::object())
      : log_(log), after_loop_(std::move(after_loop)), fields_(std::move(fields)) {}
  void OnLoopFinished(long loop_id, const Json& summary) override {
    Json fields = summary;
    fields["loop"] = loop_id;
    for (const auto& [key, value] : fields_.items()) fields[key] = value;
    log_->Write(summary.value("ok", false) ? "info" : "error", "loop", fields);
    after_loop_();
  }
  // Once per finding, when it first appears (engine/guardrails/finding_tracker.h).
  void OnNewFinding(long loop_id, const Json& finding) override {
    log_->Write(finding.value("waived", false) ? "info" : "warn", "guardrail finding",
                {{"loop", loop_id},
                 {"rule", finding.value("rule_id", "")},
                 {"severity", finding.value("severity", "")},
                 {"address", finding.value("address", "")},
                 {"field", finding.value("field", "")},
                 {"waived", finding.value("waived", false)},
                 {"message", finding.value("message", "")}});
  }

 private:
  DaemonLog* log_;
  std::function<void()> after_loop_;
  Json fields_;
};

// One stack served by this process: its manifest source, its pass, its loop (on its own thread
// when there are several), and its seat in the stack's election.
struct StackRunner {
  std::string name;  // --stacks-dir: the directory name (metrics label); else ""
  std::unique_ptr<engine::ManifestSource> source;
  coordination::Seat seat;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<LoopLogger> logger;
  std::unique_ptr<engine::Daemon> daemon;
  std::thread thread;
};

// The subdirectories of `dir` that hold manifests, by name.
std::vector<std::string> StackDirectories(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    bool manifests = false;
    for (const auto& file : std::filesystem::directory_iterator(entry.path(), ec)) {
      const std::string ext = file.path().extension().string();
      manifests = manifests || ext == ".yaml" || ext == ".yml";
    }
    if (manifests) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

CLI::App* AddDaemonCommand(CLI::App& app, DaemonFlags& flags) {
  auto* daemon = app.add_subcommand(
      "daemon", "Reconcile in a loop: report drift (observe) or converge it (heal)");
  daemon->add_option("paths", flags.paths,
                     "Manifest directories or files (with --git-url: not used)");
  daemon->add_option("--interval", flags.interval, "Time between loops, e.g. 30s, 5m")
      ->capture_default_str();
  daemon->add_option("--jitter", flags.jitter, "Random spread of each wait, e.g. 10%")
      ->capture_default_str();
  daemon->add_option("--mode", flags.mode, "observe: report drift; heal: apply it")
      ->check(CLI::IsMember({"observe", "heal"}))
      ->capture_default_str();
  daemon
      ->add_option("--listen", flags.listen,
                   "Address of /healthz, /readyz, /metrics, /status (port 0 = any)")
      ->capture_default_str();
  daemon->add_option("--git-url", flags.git_url, "Fetch manifests from this git repository");
  daemon->add_option("--git-ref", flags.git_ref, "Branch, tag or commit to fetch")
      ->capture_default_str();
  daemon->add_option("--git-path", flags.git_path, "Manifest directory inside the repository");
  daemon->add_option("--git-timeout", flags.git_timeout,
                     "Longest a git command may run before the loop gives up on it, e.g. 5m");
  daemon->add_option("--state-dir", flags.state_dir,
                     "Lock, status and git cache (env KEYWARD_STATE_DIR; default "
                     "$XDG_STATE_HOME/keyward or ~/.local/state/keyward)");
  daemon->add_flag("--wait-for-lock", flags.wait_for_lock,
                   "Heal: wait for another writer of the stack instead of exiting");
  daemon->add_flag("--allow-destroy", flags.allow_destroy,
                   "Heal: allow deleting vaults, managed HSMs and resource groups");
  daemon->add_flag("--allow-replace", flags.allow_replace,
                   "Heal: allow delete-then-create for immutable field changes");
  daemon->add_flag("--prune", flags.prune,
                   "Plan deletes of resources owned by this stack that left the manifests");
  daemon
      ->add_option("--parallelism", flags.parallelism,
                   "ARM calls at once, refresh and apply (default: keyward.yaml, else 8)")
      ->check(CLI::Range(1, 64));
  daemon->add_option("--log-format", flags.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  daemon
      ->add_option("--backoff-initial", flags.backoff_initial,
                   "First wait before retrying a failed resource")
      ->capture_default_str();
  daemon->add_option("--backoff-max", flags.backoff_max, "Longest wait for a failed resource")
      ->capture_default_str();
  daemon->add_option("--max-loops", flags.max_loops,
                     "Stop after N loops (0 = run until signalled)");
  daemon
      ->add_option("--stacks-dir", flags.stacks_dir,
                   "Serve every subdirectory of DIR that holds manifests, one stack each; "
                   "replicas share them out through the lock service (docs/ha.md)")
      ->check(CLI::ExistingDirectory);
  AddLockFlags(daemon, flags.lock);
  return daemon;
}

int RunDaemon(const GlobalOptions& global, const DaemonFlags& flags) {
  DaemonLog log(flags.log_format == "json");
  auto usage = [&](const std::string& message) {
    std::fprintf(stderr, "error: %s\n", message.c_str());
    return kExitError;
  };
  engine::DaemonOptions options;
  options.mode = flags.mode == "heal" ? engine::DaemonMode::kHeal : engine::DaemonMode::kObserve;
  options.max_loops = flags.max_loops;
  const auto interval = ParseDuration(flags.interval);
  if (!interval) return usage("--interval '" + flags.interval + "': expected e.g. 30s, 5m, 1h");
  options.interval = *interval;
  const auto jitter = ParseJitter(flags.jitter);
  if (!jitter) return usage("--jitter '" + flags.jitter + "': expected a percentage, e.g. 10%");
  options.jitter = *jitter;
  const auto backoff_initial = ParseDuration(flags.backoff_initial);
  const auto backoff_max = ParseDuration(flags.backoff_max);
  if (!backoff_initial || !backoff_max)
    return usage("--backoff-initial / --backoff-max: expected durations, e.g. 30s, 30m");
  options.backoff_initial = *backoff_initial;
  options.backoff_max = *backoff_max;
  const auto listen = ParseListen(flags.listen);
  if (!listen) return usage("--listen '" + flags.listen + "': expected HOST:PORT");
  if (!flags.stacks_dir.empty() && (!flags.git_url.empty() || !flags.paths.empty()))
    return usage(
        "--stacks-dir serves every stack under one directory; give no other path or "
        "--git-url with it");
  if (flags.stacks_dir.empty() && flags.git_url.empty() && flags.paths.empty())
    return usage("give a manifest path, --stacks-dir, or --git-url");
  for (const auto& path : flags.paths)
    if (flags.git_url.empty() && !std::filesystem::exists(path))
      return usage("manifest path '" + path + "' does not exist");
  // Lock settings given by flags or the environment are checked now, not at the first loop.
  if (auto lock = CheckLockFlags(flags.lock); !lock) return usage(lock.error().ToString());

  const std::string state_dir = StateDir(flags.state_dir);
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return usage("cannot create the state directory " + state_dir + ": " + ec.message());

  std::shared_ptr<azure::ArmClient> arm;
  auto registry = MakeAzureRegistry(global, &arm);

  // A token in --git-url ("https://x-access-token:TOKEN@host/...") is a credential like any other.
  for (const std::string& credential : engine::UrlCredentials(flags.git_url))
    engine::Scrubber::Process().Add(credential);
  std::vector<std::unique_ptr<StackRunner>> runners;
  if (!flags.stacks_dir.empty()) {
    for (const std::string& dir : StackDirectories(flags.stacks_dir)) {
      auto runner = std::make_unique<StackRunner>();
      runner->name = std::filesystem::path(dir).filename().string();
      runner->source =
          std::make_unique<DirectorySource>(std::vector<std::string>{dir}, registry.get());
      runners.push_back(std::move(runner));
    }
    if (runners.empty())
      return usage("--stacks-dir " + flags.stacks_dir + " has no subdirectory with manifests");
  } else {
    auto runner = std::make_unique<StackRunner>();
    if (!flags.git_url.empty()) {
      GitSourceOptions git;
      git.url = flags.git_url;
      git.ref = flags.git_ref;
      git.subpath = flags.git_path;
      const auto git_timeout = ParseDuration(flags.git_timeout);
      if (!git_timeout) return usage("--git-timeout '" + flags.git_timeout + "': expected e.g. 5m");
      git.timeout = *git_timeout;
      git.cache_dir = state_dir + "/git/" +
                      std::to_string(std::hash<std::string>{}(flags.git_url + "#" + flags.git_ref));
      runner->source = std::make_unique<GitSource>(std::move(git), registry.get());
    } else {
      runner->source = std::make_unique<DirectorySource>(flags.paths, registry.get());
    }
    runners.push_back(std::move(runner));
  }
  const bool sharded = runners.size() > 1 || !flags.stacks_dir.empty();

  Context ctx;
  ctx.cancelled = CancellationFlag();
  engine::MetricsRegistry metrics;
  DescribeArmMetrics(metrics);

  std::mt19937_64 random(std::random_device{}());
  std::mutex random_mu;
  auto random01 = [&] {
    std::lock_guard lock(random_mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(random);
  };

  for (auto& runner_ptr : runners) {
    StackRunner& runner = *runner_ptr;
    runner.reconciler = std::make_unique<Reconciler>(
        global, flags, options.mode, state_dir, registry.get(), &log, &runner.seat,
        [&](const engine::StackConfig& config) { UseTimeouts(global, config, *arm); });
    auto write_status = [&runner, &state_dir] {
      if (!runner.daemon) return;
      WriteStateFile(state_dir + "/" + StackFileStem(runner.reconciler->stack()) + ".status.json",
                     runner.daemon->Status().dump(2));
    };
    runner.logger = std::make_unique<LoopLogger>(
        &log,
        [&runner, write_status] {
          if (!runner.reconciler->resumed().is_null())
            runner.daemon->SetStatusExtra("resumed_in_flight", runner.reconciler->resumed());
          write_status();
        },
        sharded ? Json{{"stack_dir", runner.name}} : Json::object());
    engine::DaemonOptions stack_options = options;
    if (sharded) stack_options.metric_labels = {{"stack", runner.name}};
    runner.daemon = std::make_unique<engine::Daemon>(
        stack_options, runner.source.get(),
        [&runner](const engine::PassRequest& request, const Context& pass_ctx) {
          return runner.reconciler->Pass(request, pass_ctx);
        },
        &metrics, runner.logger.get(), random01);
  }

  // Heal mode on etcd / azureblob: the elections, sharding and failover (docs/ha.md).
  std::unique_ptr<coordination::ShardCoordinator> coordinator;
  std::map<std::string, std::shared_ptr<coordination::LockBackend>> backends;
  std::mutex backends_mu;
  if (options.mode == engine::DaemonMode::kHeal) {
    coordination::ShardCoordinatorOptions shard;
    shard.self = coordination::CurrentHolder("daemon", global.replica_id, *ctx.clock);
    for (auto& runner : runners) shard.seats.push_back(&runner->seat);
    shard.backend_for = [&](const engine::LockConfig& config)
        -> Result<std::shared_ptr<coordination::LockBackend>> {
      std::lock_guard lock(backends_mu);
      auto& backend = backends[config.Key()];
      if (!backend) {
        auto made = MakeLockBackend(global, config, state_dir);
        if (!made) return tl::unexpected(made.error());
        backend = *made;
      }
      return backend;
    };
    shard.metrics = &metrics;
    shard.log = [&log](const char* level, const std::string& message, const Json& fields) {
      log.Write(level, message, fields);
    };
    shard.trigger = [&runners](size_t seat) { runners[seat]->daemon->Trigger(); };
    coordinator = std::make_unique<coordination::ShardCoordinator>(std::move(shard));
  }

  auto all_ready = [&] {
    for (const auto& runner : runners)
      if (!runner->daemon->ready()) return false;
    return true;
  };
  // /status: one stack's document as before (plus its leadership in heal mode); with
  // --stacks-dir, one entry per stack.
  auto status = [&] {
    auto one = [&](const StackRunner& runner) {
      Json doc = runner.daemon->Status();
      if (options.mode == engine::DaemonMode::kHeal) {
        doc["leadership"] = runner.seat.StatusJson();
        doc["leadership"]["replica"] = global.replica_id;
      }
      return doc;
    };
    if (!sharded) return one(*runners.front());
    Json doc = {{"replica", global.replica_id},
                {"mode", engine::DaemonModeName(options.mode)},
                {"ready", all_ready()}};
    Json stacks = Json::array();
    for (const auto& runner : runners) {
      Json entry = one(*runner);
      entry["stack_dir"] = runner->name;
      stacks.push_back(std::move(entry));
    }
    doc["stacks"] = std::move(stacks);
    if (coordinator) doc["coordinator"] = coordinator->Status();
    return doc;
  };

  // The HTTP endpoints (cli/daemon_http.h). Loopback by default: /status names resources and
  // errors.
  httplib::Server server;
  const char* secret_env = std::getenv("KEYWARD_WEBHOOK_SECRET");
  DaemonEndpoints endpoints;
  endpoints.webhook_secret = secret_env ? secret_env : "";
  engine::Scrubber::Process().Add(endpoints.webhook_secret);
  endpoints.ready = all_ready;
  endpoints.metrics = [&] {
    CopyArmMetrics(arm->metrics(), metrics);
    return engine::Scrubber::Process().Scrub(metrics.Render());
  };
  endpoints.status = status;
  endpoints.trigger = [&] {
    for (auto& runner : runners) runner->daemon->Trigger();
  };
  endpoints.log = [&](const char* level, const std::string& message, const Json& fields) {
    log.Write(level, message, fields);
  };
  InstallDaemonEndpoints(server, endpoints);
  const int port = listen->port == 0
                       ? server.bind_to_any_port(listen->host)
                       : (server.bind_to_port(listen->host, listen->port) ? listen->port : -1);
  if (port < 0) return usage("cannot listen on " + flags.listen);
  std::atomic<bool> http_returned{false};
  std::thread http([&] {
    server.listen_after_bind();
    http_returned = true;
  });
  // cpp-httplib's stop() does nothing until the listen loop runs: a daemon that stops at once (the
  // stack is locked by another writer) would otherwise wait for ever in http.join().
  while (!server.is_running() && !http_returned)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto& runner : runners)
    runner->daemon->SetStatusExtra("listen", listen->host + ":" + std::to_string(port));

  log.Write("info", "daemon started",
            {{"mode", engine::DaemonModeName(options.mode)},
             {"interval_ms", options.interval.count()},
             {"listen", listen->host + ":" + std::to_string(port)},
             {"source", !flags.stacks_dir.empty() ? "stacks-dir"
                        : flags.git_url.empty()   ? "directory"
                                                  : "git"},
             {"stacks", runners.size()},
             {"replica", global.replica_id},
             {"state_dir", state_dir}});

  if (coordinator) coordinator->Start();
  if (runners.size() == 1) {
    runners.front()->daemon->Run(ctx);
  } else {
    for (auto& runner : runners)
      runner->thread = std::thread([&ctx, daemon = runner->daemon.get()] { daemon->Run(ctx); });
    for (auto& runner : runners) runner->thread.join();
  }
  // Resign every stack now, so other replicas take over without waiting for the TTL.
  if (coordinator) coordinator->Stop();

  for (auto& runner : runners)
    WriteStateFile(state_dir + "/" + StackFileStem(runner->reconciler->stack()) + ".status.json",
                   runner->daemon->Status().dump(2));
  server.stop();
  http.join();
  for (const auto& runner : runners) {
    if (!runner->reconciler->fatal()) continue;
    log.Write("error", "exiting: " + runner->reconciler->fatal()->ToString());
    std::fprintf(stderr, "error: %s; this daemon made no changes\n",
                 runner->reconciler->fatal()->ToString().c_str());
    return kExitError;
  }
  long loops = 0;
  for (const auto& runner : runners) loops += runner->daemon->Status().value("loop_id", 0L);
  log.Write("info", "daemon stopped", {{"loops", loops}});
  return kExitOk;
}

}  // namespace keyward::cli
