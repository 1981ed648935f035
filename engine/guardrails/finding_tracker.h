// The daemon's view of findings across loops (DESIGN.md §10): the `keyward_policy_findings`
// gauge, and which findings are new since the last successful loop so the daemon logs each one
// once instead of on every loop. Level-triggered like the rest of the loop: a finding that goes
// away and comes back is new again.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "engine/guardrails/finding.h"
#include "engine/metrics.h"

namespace keyward::engine::guardrails {

inline constexpr char kPolicyFindingsMetric[] = "keyward_policy_findings";

class FindingTracker {
 public:
  // The findings of `current` whose Key() was not in the previous call's findings; remembers
  // `current` for the next call.
  std::vector<const Finding*> Update(const std::vector<Finding>& current);

 private:
  std::set<std::string> previous_;
};

void DescribeFindingMetrics(MetricsRegistry& metrics);
// keyward_policy_findings{rule,severity} = the number of unwaived findings of that rule at that
// severity (series for rules without findings are dropped).
void PublishFindingMetrics(const std::vector<Finding>& findings, MetricsRegistry& metrics);

}  // namespace keyward::engine::guardrails
