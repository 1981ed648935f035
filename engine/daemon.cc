#include "engine/daemon.h"

#include <algorithm>

#include "engine/daemon_metrics.h"
#include "engine/daemon_status.h"

namespace keyward::engine {
namespace {

using Json = nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

}  // namespace

const char* DaemonModeName(DaemonMode mode) {
  return mode == DaemonMode::kHeal ? "heal" : "observe";
}

Json DriftItemToJson(const DriftItem& item) {
  return {{"address", item.address},
          {"kind", item.kind},
          {"action", ActionName(item.action)},
          {"reason_code", item.reason_code},
          {"reason", item.reason},
          {"fields", item.fields},
          {"report_only", item.report_only}};
}

std::vector<DriftItem> DriftOf(const Plan& plan) {
  std::vector<DriftItem> drift;
  for (const Change& change : plan.changes) {
    if (change.action == Action::kNoOp) continue;
    DriftItem item{change.address, change.kind, change.action,     change.reason_code,
                   change.reason,  {},          change.report_only};
    for (const FieldChange& field : change.field_changes) item.fields.push_back(field.path);
    drift.push_back(std::move(item));
  }
  return drift;
}

Daemon::Daemon(DaemonOptions options, ManifestSource* source, ReconcileFn reconcile,
               MetricsRegistry* metrics, DaemonObserver* observer, std::function<double()> random01)
    : options_(options),
      source_(source),
      reconcile_(std::move(reconcile)),
      metrics_(metrics),
      observer_(observer),
      random01_(std::move(random01)),
      backoff_(options_.backoff_initial, options_.backoff_max) {
  DescribeDaemonMetrics(*metrics_);
  metrics_->Set("keyward_ready", Labels({}), 0);
}

MetricLabels Daemon::Labels(MetricLabels labels) const {
  labels.insert(labels.begin(), options_.metric_labels.begin(), options_.metric_labels.end());
  return labels;
}

milliseconds Daemon::NextDelay() {
  const double u = random01_ ? random01_() : 0.5;
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  const double factor = 1.0 + jitter * (2.0 * u - 1.0);
  return milliseconds(static_cast<long long>(options_.interval.count() * factor));
}

void Daemon::Run(const Context& ctx) {
  while (!ctx.IsCancelled()) {
    RunOnce(ctx);
    {
      std::lock_guard lock(mu_);
      if (options_.max_loops > 0 && loop_id_ >= options_.max_loops) return;
    }
    // Wait for the interval, a trigger or cancellation; sleep in slices to notice the last two.
    const auto end = ctx.clock->Now() + NextDelay();
    while (!ctx.IsCancelled() && !triggered_.exchange(false)) {
      const auto left = duration_cast<milliseconds>(end - ctx.clock->Now());
      if (left.count() <= 0) break;
      ctx.clock->SleepFor(std::min(left, milliseconds(50)), ctx.cancelled.get());
    }
  }
}

bool Daemon::RunOnce(const Context& ctx) {
  LoopOutcome loop;
  loop.started = ctx.clock->Now();
  {
    std::lock_guard lock(mu_);
    loop.loop_id = ++loop_id_;
  }
  loop.attempted = source_->Load(ctx);
  std::unique_lock lock(mu_);
  metrics_->Set("keyward_manifest_errors", Labels({}), loop.attempted.manifests ? 0 : 1);
  if (loop.attempted.manifests) last_good_ = loop.attempted;
  loop.revision = last_good_.revision;
  ReconcileLastGood(ctx, lock, &loop);
  loop.finished = ctx.clock->Now();
  for (const ChangeResult& change : loop.result.changes)
    if (change.outcome.status == ChangeStatus::kSucceeded) loop.healed.insert(change.address);

  Json new_findings = Json::array();
  if (!loop.error) {
    for (const guardrails::Finding* f : findings_.Update(loop.result.findings))
      new_findings.push_back(guardrails::FindingToJson(*f));
    ready_ = true;
  }
  PublishLoopMetrics(loop, backoff_.entries().size(), options_.metric_labels, *metrics_);
  status_ = LoopStatusJson(loop, options_.mode, ready_, backoff_.entries(), status_);

  if (observer_) {
    // Not under the lock: the observer may read Status() (e.g. to write the status file).
    lock.unlock();
    for (const Json& finding : new_findings) observer_->OnNewFinding(loop.loop_id, finding);
    observer_->OnLoopFinished(loop.loop_id, LoopLineJson(loop));
  }
  return !loop.error;
}

void Daemon::ReconcileLastGood(const Context& ctx, std::unique_lock<std::mutex>& lock,
                               LoopOutcome* loop) {
  if (!last_good_.manifests) {
    loop->error = "no valid manifest revision yet";
    if (!loop->attempted.errors.empty()) *loop->error += ": " + loop->attempted.errors.front();
    return;
  }
  const auto manifests = last_good_.manifests;  // kept alive while unlocked
  PassRequest request;
  request.manifests = manifests.get();
  request.revision = last_good_.revision;
  request.mode = options_.mode;
  request.backed_off = backoff_.BackedOff(loop->started);
  request.loop_id = loop->loop_id;
  // The pass runs without the lock: it is long, and /status must keep answering meanwhile.
  lock.unlock();
  loop->result = reconcile_(request, ctx);
  lock.lock();
  if (loop->result.error) {
    loop->error = loop->result.error->ToString();
    return;
  }
  std::set<std::string> drifting;
  for (const DriftItem& item : loop->result.drift) drifting.insert(item.address);
  backoff_.Update(drifting, loop->result.changes, request.backed_off, ctx.clock->Now());
}

Json Daemon::Status() const {
  std::lock_guard lock(mu_);
  Json status = status_;
  status["ready"] = ready_.load();
  for (const auto& [key, value] : extra_.items()) status[key] = value;
  return status;
}

std::map<std::string, BackoffEntry> Daemon::Backoff() const {
  std::lock_guard lock(mu_);
  return backoff_.entries();
}

void Daemon::SetStatusExtra(const std::string& key, Json value) {
  std::lock_guard lock(mu_);
  extra_[key] = std::move(value);
}

}  // namespace keyward::engine
