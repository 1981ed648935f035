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
#include "cli/shared_flags.h"
#include "cli/stack_lock.h"
#include "coordination/local_lock.h"
#include "coordination/shard_coordinator.h"
#include "engine/apply.h"
#include "engine/daemon.h"
#include "engine/daemon_pass.h"
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

// What one pass reports in the log: its drift (before anything is applied), each change as the
// journal records it, and a lost lock.
class PassLogger : public engine::PassObserver {
 public:
  PassLogger(DaemonLog* log, InFlightJournal* journal, long loop_id, std::string stack, bool heal)
      : log_(log), journal_(journal), loop_id_(loop_id), stack_(std::move(stack)), heal_(heal) {}

  void OnDrift(const std::vector<engine::DriftItem>& drift) override {
    for (const auto& item : drift)
      log_->Write("info", "drift",
                  {{"loop", loop_id_},
                   {"address", item.address},
                   {"action", engine::ActionName(item.action)},
                   {"reason_code", item.reason_code},
                   {"report_only", item.report_only || !heal_},
                   {"fields", item.fields}});
  }
  void OnStarted(const engine::Change& change) override { journal_->OnStarted(change); }
  void OnFinished(const engine::Change& change, const engine::ChangeOutcome& outcome) override {
    journal_->OnFinished(change, outcome);
  }
  // The lease lapsed mid-apply: nothing more was written. The coordinator turns this replica
  // standby for the stack; the loop reports the error.
  void OnLockLost(const Error& error) override {
    log_->Write("error", "lock lost: apply stopped",
                {{"loop", loop_id_}, {"stack", stack_}, {"error", error.message}});
  }

 private:
  DaemonLog* log_;
  InFlightJournal* journal_;
  long loop_id_;
  std::string stack_;
  bool heal_;
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
    run_settings_.prune = flags.prune;
    run_settings_.parallelism = flags.parallelism;
    run_settings_.allow_destroy = flags.allow_destroy;
    run_settings_.allow_replace = flags.allow_replace;
    // No read_cache_prefix: one registry serves every stack, its caches stay in memory.
  }

  engine::PassResult Pass(const engine::PassRequest& request, const Context& ctx) {
    const std::string& stack = request.manifests->set.config.stack;
    stack_ = stack;
    use_config_(request.manifests->set.config);
    bool heal = false;
    Context pass_ctx = ctx;
    std::unique_lock<std::mutex> pass_lock;  // the coordinator does not resign mid-pass
    if (mode_ == engine::DaemonMode::kHeal) {
      auto may_write = GuardWrites(request.manifests->set.config, &pass_ctx, &pass_lock);
      if (!may_write) {
        engine::PassResult result;
        result.error = may_write.error();
        return result;
      }
      heal = *may_write;
    }
    ReportJournalOnce(stack);

    engine::PassSettings settings;
    settings.run = run_settings_;
    settings.heal = heal;
    settings.files = &files_;
    settings.env = &env_;
    InFlightJournal journal(JournalPath(stack), log_, request.loop_id);
    PassLogger logger(log_, &journal, request.loop_id, stack, heal);
    return engine::RunPass(request, settings, *registry_, logger, pass_ctx);
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

  // Heal mode: fences the pass's writes (ctx->write_guard) with the stack's local lock, or with
  // the lease of the stack's seat when the lock is shared (etcd, azureblob), holding the seat's
  // pass lock in `pass_lock`. False when this replica is a standby for the stack: it observes.
  Result<bool> GuardWrites(const engine::StackConfig& config, Context* ctx,
                           std::unique_lock<std::mutex>* pass_lock) {
    KEYWARD_ASSIGN_OR_RETURN(auto lock, ResolveLock(config.lock, flags_.lock));
    if (lock.backend == engine::LockBackendKind::kLocal || !seat_) {
      if (auto error = EnsureLock(config.stack, *ctx)) return tl::unexpected(*error);
      ctx->write_guard = lock_;
      return true;
    }
    seat_->SetStack(config.stack, lock);
    *pass_lock = seat_->LockPass();
    auto lease = seat_->Lease();
    if (!lease || !lease->StillHeld()) return false;
    ctx->write_guard = lease;
    return true;
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
  engine::RunSettings run_settings_;
  engine::RealFileReader files_;  // Secret values are read from files
  engine::RealEnvironment env_;   // and from the environment
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

Error Usage(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

// The loop's schedule and backoff (engine::DaemonOptions) from the flags.
Result<engine::DaemonOptions> LoopOptions(const DaemonFlags& flags) {
  engine::DaemonOptions options;
  options.mode = flags.mode == "heal" ? engine::DaemonMode::kHeal : engine::DaemonMode::kObserve;
  options.max_loops = flags.max_loops;
  const auto interval = ParseDuration(flags.interval);
  if (!interval)
    return tl::unexpected(Usage("--interval '" + flags.interval + "': expected e.g. 30s, 5m, 1h"));
  options.interval = *interval;
  const auto jitter = ParseJitter(flags.jitter);
  if (!jitter)
    return tl::unexpected(
        Usage("--jitter '" + flags.jitter + "': expected a percentage, e.g. 10%"));
  options.jitter = *jitter;
  const auto backoff_initial = ParseDuration(flags.backoff_initial);
  const auto backoff_max = ParseDuration(flags.backoff_max);
  if (!backoff_initial || !backoff_max)
    return tl::unexpected(
        Usage("--backoff-initial / --backoff-max: expected durations, e.g. 30s, 30m"));
  options.backoff_initial = *backoff_initial;
  options.backoff_max = *backoff_max;
  return options;
}

// Exactly one manifest source (paths, --stacks-dir or --git-url), paths that exist, and lock
// settings given by flags or the environment checked now, not at the first loop.
Status CheckSources(const DaemonFlags& flags) {
  if (!flags.stacks_dir.empty() && (!flags.git_url.empty() || !flags.paths.empty()))
    return tl::unexpected(
        Usage("--stacks-dir serves every stack under one directory; give no other path or "
              "--git-url with it"));
  if (flags.stacks_dir.empty() && flags.git_url.empty() && flags.paths.empty())
    return tl::unexpected(Usage("give a manifest path, --stacks-dir, or --git-url"));
  for (const auto& path : flags.paths)
    if (flags.git_url.empty() && !std::filesystem::exists(path))
      return tl::unexpected(Usage("manifest path '" + path + "' does not exist"));
  if (auto lock = CheckLockFlags(flags.lock); !lock)
    return tl::unexpected(Usage(lock.error().ToString()));
  return {};
}

// One `keyward daemon` process: what its stacks share (the log, the registry and its ARM client,
// the metrics, the coordinator in heal mode on a shared lock, the HTTP endpoints) and a runner
// per stack. Members are declared so that each is destroyed after everything that points at it.
class DaemonProcess {
 public:
  DaemonProcess(const GlobalOptions& global, const DaemonFlags& flags,
                engine::DaemonOptions options, std::string state_dir, DaemonLog* log)
      : global_(global),
        flags_(flags),
        options_(std::move(options)),
        state_dir_(std::move(state_dir)),
        log_(log),
        registry_(MakeAzureRegistry(global, &arm_)) {
    ctx_.cancelled = CancellationFlag();
    DescribeArmMetrics(metrics_);
  }
  ~DaemonProcess() {
    if (!http_.joinable()) return;
    server_.stop();
    http_.join();
  }

  // A runner per stack: every subdirectory of --stacks-dir that holds manifests, else one for
  // the paths or the git repository. An error (a usage message) when there is nothing to run.
  Status AddRunners() {
    KEYWARD_ASSIGN_OR_RETURN(auto runners, MakeRunners());
    runners_ = std::move(runners);
    sharded_ = runners_.size() > 1 || !flags_.stacks_dir.empty();
    for (auto& runner : runners_) Wire(*runner);
    if (options_.mode == engine::DaemonMode::kHeal) AddCoordinator();
    return {};
  }

  // The HTTP endpoints (cli/daemon_http.h) on `listen`, served on their own thread. Loopback by
  // default: /status names resources and errors. The port bound, or -1.
  int Serve(const ListenAddress& listen);

  // Runs every stack's loop until cancelled (or --max-loops), then resigns, writes the final
  // status files and stops the HTTP server. The exit code.
  int Run();

  size_t stacks() const { return runners_.size(); }

 private:
  Result<std::vector<std::unique_ptr<StackRunner>>> MakeRunners() const;
  // Gives `runner` its pass, its loop logger (which writes the status file) and its loop.
  void Wire(StackRunner& runner);
  // Heal mode on etcd / azureblob: the elections, sharding and failover (docs/ha.md).
  void AddCoordinator();
  Result<std::shared_ptr<coordination::LockBackend>> BackendFor(const engine::LockConfig& config);
  // /status: one stack's document (plus its leadership in heal mode); with --stacks-dir, one
  // entry per stack.
  Json StatusJson() const;
  Json StackStatusJson(const StackRunner& runner) const;
  bool AllReady() const;
  void WriteStatusFile(const StackRunner& runner) const;
  // The process's exit code once every loop has stopped.
  int ExitCode() const;
  double Random01() {
    std::lock_guard lock(random_mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }

  const GlobalOptions& global_;
  const DaemonFlags& flags_;
  const engine::DaemonOptions options_;
  const std::string state_dir_;
  DaemonLog* log_;
  std::shared_ptr<azure::ArmClient> arm_;
  std::unique_ptr<engine::HandlerRegistry> registry_;
  Context ctx_;
  engine::MetricsRegistry metrics_;
  std::mt19937_64 random_{std::random_device{}()};
  std::mutex random_mu_;
  std::vector<std::unique_ptr<StackRunner>> runners_;
  bool sharded_ = false;
  std::mutex backends_mu_;
  std::map<std::string, std::shared_ptr<coordination::LockBackend>> backends_;
  std::unique_ptr<coordination::ShardCoordinator> coordinator_;
  DaemonEndpoints endpoints_;  // must outlive server_
  httplib::Server server_;
  std::atomic<bool> http_returned_{false};
  std::thread http_;
};

Result<std::vector<std::unique_ptr<StackRunner>>> DaemonProcess::MakeRunners() const {
  std::vector<std::unique_ptr<StackRunner>> runners;
  if (!flags_.stacks_dir.empty()) {
    for (const std::string& dir : StackDirectories(flags_.stacks_dir)) {
      auto runner = std::make_unique<StackRunner>();
      runner->name = std::filesystem::path(dir).filename().string();
      runner->source =
          std::make_unique<DirectorySource>(std::vector<std::string>{dir}, registry_.get());
      runners.push_back(std::move(runner));
    }
    if (runners.empty())
      return tl::unexpected(
          Usage("--stacks-dir " + flags_.stacks_dir + " has no subdirectory with manifests"));
    return runners;
  }
  auto runner = std::make_unique<StackRunner>();
  if (!flags_.git_url.empty()) {
    GitSourceOptions git;
    git.url = flags_.git_url;
    git.ref = flags_.git_ref;
    git.subpath = flags_.git_path;
    const auto git_timeout = ParseDuration(flags_.git_timeout);
    if (!git_timeout)
      return tl::unexpected(Usage("--git-timeout '" + flags_.git_timeout + "': expected e.g. 5m"));
    git.timeout = *git_timeout;
    git.cache_dir = state_dir_ + "/git/" +
                    std::to_string(std::hash<std::string>{}(flags_.git_url + "#" + flags_.git_ref));
    runner->source = std::make_unique<GitSource>(std::move(git), registry_.get());
  } else {
    runner->source = std::make_unique<DirectorySource>(flags_.paths, registry_.get());
  }
  runners.push_back(std::move(runner));
  return runners;
}

void DaemonProcess::Wire(StackRunner& runner) {
  runner.reconciler = std::make_unique<Reconciler>(
      global_, flags_, options_.mode, state_dir_, registry_.get(), log_, &runner.seat,
      [this](const engine::StackConfig& config) { UseTimeouts(global_, config, *arm_); });
  runner.logger = std::make_unique<LoopLogger>(
      log_,
      [this, &runner] {
        if (!runner.reconciler->resumed().is_null())
          runner.daemon->SetStatusExtra("resumed_in_flight", runner.reconciler->resumed());
        WriteStatusFile(runner);
      },
      sharded_ ? Json{{"stack_dir", runner.name}} : Json::object());
  engine::DaemonOptions stack_options = options_;
  if (sharded_) stack_options.metric_labels = {{"stack", runner.name}};
  runner.daemon = std::make_unique<engine::Daemon>(
      stack_options, runner.source.get(),
      [&runner](const engine::PassRequest& request, const Context& pass_ctx) {
        return runner.reconciler->Pass(request, pass_ctx);
      },
      &metrics_, runner.logger.get(), [this] { return Random01(); });
}

void DaemonProcess::AddCoordinator() {
  coordination::ShardCoordinatorOptions shard;
  shard.self = coordination::CurrentHolder("daemon", global_.replica_id, *ctx_.clock);
  for (auto& runner : runners_) shard.seats.push_back(&runner->seat);
  shard.backend_for = [this](const engine::LockConfig& config) { return BackendFor(config); };
  shard.metrics = &metrics_;
  shard.log = [this](const char* level, const std::string& message, const Json& fields) {
    log_->Write(level, message, fields);
  };
  shard.trigger = [this](size_t seat) { runners_[seat]->daemon->Trigger(); };
  coordinator_ = std::make_unique<coordination::ShardCoordinator>(std::move(shard));
}

// One backend per lock configuration, shared by the stacks that use it.
Result<std::shared_ptr<coordination::LockBackend>> DaemonProcess::BackendFor(
    const engine::LockConfig& config) {
  std::lock_guard lock(backends_mu_);
  auto& backend = backends_[config.Key()];
  if (!backend) {
    KEYWARD_ASSIGN_OR_RETURN(auto made, MakeLockBackend(global_, config, state_dir_));
    backend = made;
  }
  return backend;
}

bool DaemonProcess::AllReady() const {
  for (const auto& runner : runners_)
    if (!runner->daemon->ready()) return false;
  return true;
}

Json DaemonProcess::StackStatusJson(const StackRunner& runner) const {
  Json doc = runner.daemon->Status();
  if (options_.mode == engine::DaemonMode::kHeal) {
    doc["leadership"] = runner.seat.StatusJson();
    doc["leadership"]["replica"] = global_.replica_id;
  }
  return doc;
}

Json DaemonProcess::StatusJson() const {
  if (!sharded_) return StackStatusJson(*runners_.front());
  Json doc = {{"replica", global_.replica_id},
              {"mode", engine::DaemonModeName(options_.mode)},
              {"ready", AllReady()}};
  Json stacks = Json::array();
  for (const auto& runner : runners_) {
    Json entry = StackStatusJson(*runner);
    entry["stack_dir"] = runner->name;
    stacks.push_back(std::move(entry));
  }
  doc["stacks"] = std::move(stacks);
  if (coordinator_) doc["coordinator"] = coordinator_->Status();
  return doc;
}

void DaemonProcess::WriteStatusFile(const StackRunner& runner) const {
  if (!runner.daemon) return;
  WriteStateFile(state_dir_ + "/" + StackFileStem(runner.reconciler->stack()) + ".status.json",
                 runner.daemon->Status().dump(2));
}

int DaemonProcess::Serve(const ListenAddress& listen) {
  const char* secret_env = std::getenv("KEYWARD_WEBHOOK_SECRET");
  endpoints_.webhook_secret = secret_env ? secret_env : "";
  engine::Scrubber::Process().Add(endpoints_.webhook_secret);
  endpoints_.ready = [this] { return AllReady(); };
  endpoints_.metrics = [this] {
    CopyArmMetrics(arm_->metrics(), metrics_);
    return engine::Scrubber::Process().Scrub(metrics_.Render());
  };
  endpoints_.status = [this] { return StatusJson(); };
  endpoints_.trigger = [this] {
    for (auto& runner : runners_) runner->daemon->Trigger();
  };
  endpoints_.log = [this](const char* level, const std::string& message, const Json& fields) {
    log_->Write(level, message, fields);
  };
  InstallDaemonEndpoints(server_, endpoints_);
  const int port = listen.port == 0
                       ? server_.bind_to_any_port(listen.host)
                       : (server_.bind_to_port(listen.host, listen.port) ? listen.port : -1);
  if (port < 0) return port;
  http_ = std::thread([this] {
    server_.listen_after_bind();
    http_returned_ = true;
  });
  // cpp-httplib's stop() does nothing until the listen loop runs: a daemon that stops at once (the
  // stack is locked by another writer) would otherwise wait for ever in http_.join().
  while (!server_.is_running() && !http_returned_)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto& runner : runners_)
    runner->daemon->SetStatusExtra("listen", listen.host + ":" + std::to_string(port));
  return port;
}

int DaemonProcess::Run() {
  if (coordinator_) coordinator_->Start();
  if (runners_.size() == 1) {
    runners_.front()->daemon->Run(ctx_);
  } else {
    for (auto& runner : runners_)
      runner->thread = std::thread([this, daemon = runner->daemon.get()] { daemon->Run(ctx_); });
    for (auto& runner : runners_) runner->thread.join();
  }
  // Resign every stack now, so other replicas take over without waiting for the TTL.
  if (coordinator_) coordinator_->Stop();

  for (const auto& runner : runners_) WriteStatusFile(*runner);
  server_.stop();
  http_.join();
  return ExitCode();
}

int DaemonProcess::ExitCode() const {
  for (const auto& runner : runners_) {
    if (!runner->reconciler->fatal()) continue;
    log_->Write("error", "exiting: " + runner->reconciler->fatal()->ToString());
    std::fprintf(stderr, "error: %s; this daemon made no changes\n",
                 runner->reconciler->fatal()->ToString().c_str());
    return kExitError;
  }
  long loops = 0;
  for (const auto& runner : runners_) loops += runner->daemon->Status().value("loop_id", 0L);
  log_->Write("info", "daemon stopped", {{"loops", loops}});
  return kExitOk;
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
  AddPruneAndParallelismFlags(daemon, flags.prune, flags.parallelism);
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
  const auto options = LoopOptions(flags);
  if (!options) return usage(options.error().message);
  const auto listen = ParseListen(flags.listen);
  if (!listen) return usage("--listen '" + flags.listen + "': expected HOST:PORT");
  if (auto checked = CheckSources(flags); !checked) return usage(checked.error().message);

  const std::string state_dir = StateDir(flags.state_dir);
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return usage("cannot create the state directory " + state_dir + ": " + ec.message());

  DaemonProcess process(global, flags, *options, state_dir, &log);
  // A token in --git-url ("https://x-access-token:TOKEN@host/...") is a credential like any other.
  for (const std::string& credential : engine::UrlCredentials(flags.git_url))
    engine::Scrubber::Process().Add(credential);
  if (auto added = process.AddRunners(); !added) return usage(added.error().message);
  const int port = process.Serve(*listen);
  if (port < 0) return usage("cannot listen on " + flags.listen);

  log.Write("info", "daemon started",
            {{"mode", engine::DaemonModeName(options->mode)},
             {"interval_ms", options->interval.count()},
             {"listen", listen->host + ":" + std::to_string(port)},
             {"source", !flags.stacks_dir.empty() ? "stacks-dir"
                        : flags.git_url.empty()   ? "directory"
                                                  : "git"},
             {"stacks", process.stacks()},
             {"replica", global.replica_id},
             {"state_dir", state_dir}});
  return process.Run();
}

}  // namespace keyward::cli
