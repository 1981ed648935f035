#include "engine/guardrails/finding_tracker.h"

#include <map>
#include <utility>

namespace keyward::engine::guardrails {

std::vector<const Finding*> FindingTracker::Update(const std::vector<Finding>& current) {
  std::vector<const Finding*> fresh;
  std::set<std::string> keys;
  for (const Finding& f : current) {
    const std::string key = f.Key();
    if (!keys.insert(key).second) continue;
    if (!previous_.count(key)) fresh.push_back(&f);
  }
  previous_ = std::move(keys);
  return fresh;
}

void DescribeFindingMetrics(MetricsRegistry& metrics) {
  metrics.Describe(kPolicyFindingsMetric, MetricType::kGauge,
                   "Unwaived guardrail findings on the planned state after the last successful "
                   "loop, by rule and severity.");
}

void PublishFindingMetrics(const std::vector<Finding>& findings, MetricsRegistry& metrics) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const Finding& f : findings)
    if (!f.waiver) ++counts[{f.rule_id, SeverityName(f.severity)}];
  metrics.Clear(kPolicyFindingsMetric);
  for (const auto& [labels, count] : counts)
    metrics.Set(kPolicyFindingsMetric, {{"rule", labels.first}, {"severity", labels.second}},
                count);
}

}  // namespace keyward::engine::guardrails
