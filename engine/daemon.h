// The daemon loop (DESIGN.md §10), in controller-runtime's shape: the reconcile function does one
// level-triggered pass (re-read manifests and live state, plan, report or apply) and knows
// nothing about loops; this wrapper owns the schedule (interval + jitter, immediate triggers),
// per-resource exponential backoff, the last good manifest revision, metrics and the status
// snapshot. Everything effectful (manifest source, ARM, clock, randomness) is injected, so the
// loop is tested with a FakeClock and fakes (daemon_test.cc). The loop's parts live beside it:
// daemon_backoff.h (the backoff table), daemon_status.h (the /status document and the log line),
// daemon_metrics.h (the metrics) and daemon_pass.h (the pass the CLI runs, over engine/run.h).
//
// Invariants:
//  - A pass never sees a manifest set that failed validation: a broken revision is reported
//    (status.manifest_errors, keyward_manifest_errors) and the last good one is reconciled
//    instead. With no good revision yet, the loop fails and the daemon is not ready.
//  - An address whose change failed is in backoff (initial * 2^(failures-1), capped) and is
//    passed to the pass in PassRequest::backed_off, which must not write it (it stays reported);
//    the first loop in which it does not fail (succeeds, or needs no change) clears it.
//  - One failing resource never fails the loop; only a pass error (refresh or plan failed, or
//    no usable manifests) does. Readiness = at least one successful loop.
//  - Nothing here holds secret values: drift is reported as field paths, never values.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/apply.h"
#include "engine/context.h"
#include "engine/daemon_backoff.h"
#include "engine/guardrails/finding_tracker.h"
#include "engine/metrics.h"
#include "engine/plan.h"
#include "engine/validate.h"

namespace keyward::engine {

enum class DaemonMode { kObserve, kHeal };
const char* DaemonModeName(DaemonMode mode);

struct DaemonOptions {
  DaemonMode mode = DaemonMode::kObserve;
  std::chrono::milliseconds interval{std::chrono::minutes(5)};
  double jitter = 0.1;  // each wait is interval * (1 + u), u uniform in [-jitter, +jitter]
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(30)};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(30)};
  long max_loops = 0;  // 0 = until cancelled
  // Added to every metric this loop sets, e.g. {{"stack", "payments"}} when one daemon process
  // serves several stacks from one registry (docs/ha.md). Empty for a single stack.
  MetricLabels metric_labels;
};

// One revision of the manifests, as the source produced it.
struct LoadedRevision {
  std::string revision;  // git commit, or a digest of the directory's manifests
  std::shared_ptr<const ValidationResult> manifests;  // null when it could not be used
  std::vector<std::string> errors;  // "file:line:column: error: ..." or a fetch error
};

class ManifestSource {
 public:
  virtual ~ManifestSource() = default;
  virtual LoadedRevision Load(const Context& ctx) = 0;
};

struct PassRequest {
  const ValidationResult* manifests = nullptr;
  std::string revision;
  DaemonMode mode = DaemonMode::kObserve;
  std::set<std::string> backed_off;  // addresses that must not be written this pass
  long loop_id = 0;
};

// A difference between desired and live that the pass saw (a plan change other than no-op).
struct DriftItem {
  std::string address;
  std::string kind;
  Action action = Action::kNoOp;
  std::string reason_code;
  std::string reason;
  std::vector<std::string> fields;  // changed field paths; never values
  bool report_only = false;         // observe policy: never applied
};

struct PassResult {
  std::optional<Error> error;  // refresh or plan failed: the pass did nothing
  PlanSummary summary;
  std::vector<DriftItem> drift;
  std::vector<ChangeResult> changes;          // heal: the outcome of every change apply executed
  std::vector<guardrails::Finding> findings;  // guardrail findings on the planned state
};

using ReconcileFn = std::function<PassResult(const PassRequest&, const Context&)>;

// The per-loop report goes through this (the engine never prints; the CLI logs it).
class DaemonObserver {
 public:
  virtual ~DaemonObserver() = default;
  virtual void OnLoopFinished(long loop_id, const nlohmann::json& summary) {}
  // A guardrail finding not seen in the previous successful loop (FindingToJson's form).
  virtual void OnNewFinding(long loop_id, const nlohmann::json& finding) {}
};

struct LoopOutcome;  // engine/daemon_status.h

class Daemon {
 public:
  Daemon(DaemonOptions options, ManifestSource* source, ReconcileFn reconcile,
         MetricsRegistry* metrics, DaemonObserver* observer = nullptr,
         std::function<double()> random01 = nullptr);

  // Runs loops until cancelled (or max_loops), waiting interval + jitter between them.
  void Run(const Context& ctx);
  // One loop: load, pass, bookkeeping. Returns true when the loop succeeded.
  bool RunOnce(const Context& ctx);
  // Wakes Run's wait: the next loop starts now (webhook). Thread-safe.
  void Trigger() { triggered_ = true; }

  std::chrono::milliseconds NextDelay();
  bool ready() const { return ready_; }
  // The /status document (DESIGN.md §10). Thread-safe.
  nlohmann::json Status() const;
  // Copy of the backoff table (for tests; /status carries it too).
  std::map<std::string, BackoffEntry> Backoff() const;
  // Extra, caller-owned status fields (e.g. in-flight changes resumed at start).
  void SetStatusExtra(const std::string& key, nlohmann::json value);

 private:
  // Runs the pass on the last good revision and updates the backoff; sets loop->error when there
  // is no good revision or the pass failed. Called with `lock` held; releases it during the pass.
  void ReconcileLastGood(const Context& ctx, std::unique_lock<std::mutex>& lock, LoopOutcome* loop);
  MetricLabels Labels(MetricLabels labels) const;  // options_.metric_labels + labels

  DaemonOptions options_;
  ManifestSource* source_;
  ReconcileFn reconcile_;
  MetricsRegistry* metrics_;
  DaemonObserver* observer_;
  std::function<double()> random01_;
  std::atomic<bool> triggered_{false};
  std::atomic<bool> ready_{false};

  mutable std::mutex mu_;  // guards everything below (Status() runs on the HTTP thread)
  long loop_id_ = 0;
  LoadedRevision last_good_;
  BackoffTable backoff_;
  guardrails::FindingTracker findings_;
  nlohmann::json status_ = nlohmann::json::object();
  nlohmann::json extra_ = nlohmann::json::object();
};

nlohmann::json DriftItemToJson(const DriftItem& item);
// A plan's differences as drift items (field paths only).
std::vector<DriftItem> DriftOf(const Plan& plan);

}  // namespace keyward::engine
