#include "engine/daemon.h"

#include <algorithm>
#include <ctime>

namespace keyward::engine {
namespace {

using Json = nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string Iso8601(Clock::TimePoint t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

double UnixSeconds(Clock::TimePoint t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count() / 1000.0;
}

Json SummaryToJson(const PlanSummary& s) {
  return {{"add", s.add},         {"change", s.change},   {"destroy", s.destroy},
          {"recover", s.recover}, {"blocked", s.blocked}, {"unsupported", s.unsupported},
          {"drift", s.drift}};
}

}  // namespace

const char* DaemonModeName(DaemonMode mode) {
  return mode == DaemonMode::kHeal ? "heal" : "observe";
}

void DescribeDaemonMetrics(MetricsRegistry& m) {
  m.Describe("keyward_reconcile_duration_seconds", MetricType::kHistogram,
             "Duration of one daemon loop (load, refresh, plan, apply).",
             {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300});
  m.Describe("keyward_reconcile_loops_total", MetricType::kCounter,
             "Daemon loops by result (success, error).");
  m.Describe("keyward_drifted_resources", MetricType::kGauge,
             "Resources whose live state differs from the manifests after the last loop, by kind.");
  m.Describe("keyward_changes_applied_total", MetricType::kCounter,
             "Changes the daemon applied successfully, by action.");
  m.Describe("keyward_change_failures_total", MetricType::kCounter,
             "Changes the daemon tried to apply and that failed, by action.");
  m.Describe("keyward_resources_in_backoff", MetricType::kGauge,
             "Resources not retried until their backoff expires.");
  m.Describe("keyward_last_success_timestamp_seconds", MetricType::kGauge,
             "Unix time of the last successful loop.");
  m.Describe("keyward_manifest_errors", MetricType::kGauge,
             "1 when the latest manifest revision failed to load or validate (the last good one "
             "is reconciled instead).");
  m.Describe("keyward_revision_info", MetricType::kGauge,
             "Manifest revision reconciled by the last loop (label revision), value 1.");
  m.Describe("keyward_ready", MetricType::kGauge, "1 once a loop has succeeded.");
  guardrails::DescribeFindingMetrics(m);
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
      random01_(std::move(random01)) {
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

std::set<std::string> Daemon::BackedOff(Clock::TimePoint now) const {
  std::set<std::string> addresses;
  for (const auto& [address, entry] : backoff_)
    if (entry.retry_after > now) addresses.insert(address);
  return addresses;
}

void Daemon::UpdateBackoff(const PassResult& result, const std::set<std::string>& backed_off,
                           Clock::TimePoint now) {
  std::set<std::string> drifting;
  for (const DriftItem& item : result.drift) drifting.insert(item.address);
  // Converged without us (fixed out of band, or the manifest changed): forget the failures.
  for (auto it = backoff_.begin(); it != backoff_.end();)
    it = drifting.count(it->first) ? std::next(it) : backoff_.erase(it);

  for (const ChangeResult& change : result.changes) {
    if (backed_off.count(change.address)) continue;  // was not tried this loop
    if (change.outcome.status == ChangeStatus::kSucceeded) {
      backoff_.erase(change.address);
    } else if (change.outcome.status == ChangeStatus::kFailed) {
      BackoffEntry& entry = backoff_[change.address];
      ++entry.failures;
      const int shift = std::min(entry.failures - 1, 20);
      const milliseconds wait =
          std::min(options_.backoff_max, milliseconds(options_.backoff_initial.count() << shift));
      entry.retry_after = now + wait;
      entry.last_error = change.outcome.error.ToString();
    }
  }
}

bool Daemon::RunOnce(const Context& ctx) {
  const auto started = ctx.clock->Now();
  long loop_id;
  {
    std::lock_guard lock(mu_);
    loop_id = ++loop_id_;
  }

  LoadedRevision loaded = source_->Load(ctx);
  std::unique_lock lock(mu_);
  const bool load_ok = loaded.manifests != nullptr;
  metrics_->Set("keyward_manifest_errors", Labels({}), load_ok ? 0 : 1);
  if (load_ok) last_good_ = loaded;

  Json status = Json::object();
  status["loop_id"] = loop_id;
  status["mode"] = DaemonModeName(options_.mode);
  status["started_at"] = Iso8601(started);
  status["attempted_revision"] = loaded.revision;
  status["revision"] = last_good_.revision;
  status["last_good_revision"] = last_good_.revision;
  status["manifest_errors"] = loaded.errors;
  status["error"] = nullptr;

  std::optional<std::string> loop_error;
  PassResult result;
  if (!last_good_.manifests) {
    loop_error = "no valid manifest revision yet";
    if (!loaded.errors.empty()) *loop_error += ": " + loaded.errors.front();
  } else {
    const auto manifests = last_good_.manifests;  // kept alive while unlocked
    PassRequest request;
    request.manifests = manifests.get();
    request.revision = last_good_.revision;
    request.mode = options_.mode;
    request.backed_off = BackedOff(started);
    request.loop_id = loop_id;
    // The pass runs without the lock: it is long, and /status must keep answering meanwhile.
    lock.unlock();
    result = reconcile_(request, ctx);
    lock.lock();
    if (result.error) {
      loop_error = result.error->ToString();
    } else {
      UpdateBackoff(result, request.backed_off, ctx.clock->Now());
    }
  }

  const auto finished = ctx.clock->Now();
  const double seconds = duration_cast<milliseconds>(finished - started).count() / 1000.0;
  metrics_->Observe("keyward_reconcile_duration_seconds", Labels({}), seconds);
  metrics_->Add("keyward_reconcile_loops_total",
                Labels({{"result", loop_error ? "error" : "success"}}), 1);

  std::set<std::string> converged;
  Json changes = Json::array();
  for (const ChangeResult& change : result.changes) {
    const char* action = ActionName(change.action);
    if (change.outcome.status == ChangeStatus::kSucceeded) {
      metrics_->Add("keyward_changes_applied_total", Labels({{"action", action}}), 1);
      converged.insert(change.address);
    } else if (change.outcome.status == ChangeStatus::kFailed) {
      metrics_->Add("keyward_change_failures_total", Labels({{"action", action}}), 1);
    }
    if (change.outcome.status == ChangeStatus::kNotExecuted) continue;
    Json entry = {{"address", change.address},
                  {"action", action},
                  {"status", ChangeStatusName(change.outcome.status)},
                  {"elapsed_ms", change.outcome.elapsed.count()}};
    if (change.outcome.status != ChangeStatus::kSucceeded)
      entry["error"] = change.outcome.error.ToString();
    changes.push_back(std::move(entry));
  }

  Json drift = Json::array();
  std::map<std::string, int> drift_by_kind;
  for (const DriftItem& item : result.drift) {
    Json entry = DriftItemToJson(item);
    entry["healed"] = converged.count(item.address) > 0;
    drift.push_back(std::move(entry));
    if (!converged.count(item.address)) ++drift_by_kind[item.kind];
  }
  Json new_findings = Json::array();
  if (!loop_error) {
    guardrails::PublishFindingMetrics(result.findings, *metrics_);
    for (const guardrails::Finding* f : findings_.Update(result.findings))
      new_findings.push_back(guardrails::FindingToJson(*f));
    status["findings"] = guardrails::FindingsToJson(result.findings);
  } else {
    status["findings"] = status_.value("findings", Json::array());  // the last good loop's
  }
  if (!loop_error) {
    metrics_->ClearMatching("keyward_drifted_resources", options_.metric_labels);
    for (const auto& [kind, count] : drift_by_kind)
      metrics_->Set("keyward_drifted_resources", Labels({{"kind", kind}}), count);
    metrics_->ClearMatching("keyward_revision_info", options_.metric_labels);
    metrics_->Set("keyward_revision_info", Labels({{"revision", last_good_.revision}}), 1);
    metrics_->Set("keyward_last_success_timestamp_seconds", Labels({}), UnixSeconds(finished));
    metrics_->Set("keyward_ready", Labels({}), 1);
    ready_ = true;
    status["last_success"] = Iso8601(finished);
  } else {
    status["last_success"] = status_.value("last_success", Json());
    status["error"] = *loop_error;
  }
  metrics_->Set("keyward_resources_in_backoff", Labels({}), static_cast<double>(backoff_.size()));

  Json backoff = Json::array();
  for (const auto& [address, entry] : backoff_)
    backoff.push_back({{"address", address},
                       {"failures", entry.failures},
                       {"retry_after", Iso8601(entry.retry_after)},
                       {"last_error", entry.last_error}});

  status["finished_at"] = Iso8601(finished);
  status["duration_seconds"] = seconds;
  status["ready"] = ready_.load();
  status["summary"] = SummaryToJson(result.summary);
  status["drift"] = std::move(drift);
  status["changes"] = std::move(changes);
  status["backoff"] = std::move(backoff);
  status_ = std::move(status);

  if (observer_) {
    // Not under the lock: the observer may read Status() (e.g. to write the status file).
    lock.unlock();
    Json line = {{"ok", !loop_error},           {"revision", last_good_.revision},
                 {"duration_seconds", seconds}, {"drift", result.drift.size()},
                 {"applied", converged.size()}, {"summary", SummaryToJson(result.summary)}};
    if (loop_error) line["error"] = *loop_error;
    if (!load_ok) line["manifest_errors"] = loaded.errors;
    for (const Json& finding : new_findings) observer_->OnNewFinding(loop_id, finding);
    observer_->OnLoopFinished(loop_id, line);
  }
  return !loop_error;
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
  return backoff_;
}

void Daemon::SetStatusExtra(const std::string& key, Json value) {
  std::lock_guard lock(mu_);
  extra_[key] = std::move(value);
}

}  // namespace keyward::engine
