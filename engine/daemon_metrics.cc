#include "engine/daemon_metrics.h"

#include <chrono>
#include <map>
#include <string>

#include "engine/guardrails/finding_tracker.h"

namespace keyward::engine {
namespace {

MetricLabels With(const MetricLabels& base, MetricLabels labels) {
  labels.insert(labels.begin(), base.begin(), base.end());
  return labels;
}

double UnixSeconds(Clock::TimePoint t) {
  using std::chrono::milliseconds;
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count() / 1000.0;
}

// Applied and failed changes, by action.
void PublishChangeCounts(const std::vector<ChangeResult>& changes, const MetricLabels& labels,
                         MetricsRegistry& m) {
  for (const ChangeResult& change : changes) {
    const char* action = ActionName(change.action);
    if (change.outcome.status == ChangeStatus::kSucceeded)
      m.Add("keyward_changes_applied_total", With(labels, {{"action", action}}), 1);
    else if (change.outcome.status == ChangeStatus::kFailed)
      m.Add("keyward_change_failures_total", With(labels, {{"action", action}}), 1);
  }
}

// What a successful loop leaves behind: drift still open (by kind), the revision, readiness.
void PublishSuccess(const LoopOutcome& loop, const MetricLabels& labels, MetricsRegistry& m) {
  guardrails::PublishFindingMetrics(loop.result.findings, m);
  std::map<std::string, int> drift_by_kind;
  for (const DriftItem& item : loop.result.drift)
    if (!loop.healed.count(item.address)) ++drift_by_kind[item.kind];
  m.ClearMatching("keyward_drifted_resources", labels);
  for (const auto& [kind, count] : drift_by_kind)
    m.Set("keyward_drifted_resources", With(labels, {{"kind", kind}}), count);
  m.ClearMatching("keyward_revision_info", labels);
  m.Set("keyward_revision_info", With(labels, {{"revision", loop.revision}}), 1);
  m.Set("keyward_last_success_timestamp_seconds", labels, UnixSeconds(loop.finished));
  m.Set("keyward_ready", labels, 1);
}

}  // namespace

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

void PublishLoopMetrics(const LoopOutcome& loop, size_t in_backoff, const MetricLabels& labels,
                        MetricsRegistry& m) {
  m.Observe("keyward_reconcile_duration_seconds", labels, loop.seconds());
  m.Add("keyward_reconcile_loops_total",
        With(labels, {{"result", loop.error ? "error" : "success"}}), 1);
  PublishChangeCounts(loop.result.changes, labels, m);
  if (!loop.error) PublishSuccess(loop, labels, m);
  m.Set("keyward_resources_in_backoff", labels, static_cast<double>(in_backoff));
}

}  // namespace keyward::engine
