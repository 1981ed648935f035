#include "engine/guardrails/finding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/guardrails/finding_tracker.h"

namespace keyward::engine::guardrails {
namespace {

Finding Make(const std::string& rule, Severity severity, const std::string& file, int line,
             bool waived = false) {
  Finding f;
  f.rule_id = rule;
  f.rule_name = "Name";
  f.title = "Title";
  f.severity = severity;
  f.address = "Vault/kv";
  f.kind = "Vault";
  f.field = "spec.x";
  f.location = {file, line, line ? 3 : 0};
  f.message = "message";
  f.source = FindingSource::kPlanned;
  if (waived) f.waiver = AppliedWaiver{"reason", "2027-01-01"};
  return f;
}

TEST(FindingTest, JsonRoundTripsEveryField) {
  Finding f = Make("KW-KV-001", Severity::kCritical, "m/v.yaml", 7, true);
  f.arm_id = "/subscriptions/s/x";
  f.remediation = "fix";
  const std::optional<Finding> back = FindingFromJson(FindingToJson(f));
  ASSERT_TRUE(back);
  EXPECT_EQ(FindingToJson(*back), FindingToJson(f));
  EXPECT_EQ(FindingToJson(f)["range"],
            (Json{{"filename", "m/v.yaml"}, {"start", {{"line", 7}, {"column", 3}}}}));
  Finding live = Make("KW-KV-001", Severity::kLow, "", 0);
  EXPECT_FALSE(FindingToJson(live).contains("range"));
  EXPECT_FALSE(FindingFromJson(Json{{"rule_id", "x"}, {"severity", "severe"}}));
}

TEST(FindingTest, SortedWorstFirstWaivedLastLiveAfterLocated) {
  std::vector<Finding> findings = {
      Make("KW-KV-005", Severity::kLow, "a.yaml", 1),
      Make("KW-KV-003", Severity::kHigh, "", 0),
      Make("KW-KV-001", Severity::kCritical, "b.yaml", 9, /*waived=*/true),
      Make("KW-KV-002", Severity::kHigh, "b.yaml", 2),
      Make("KW-KV-004", Severity::kHigh, "a.yaml", 5),
  };
  SortFindings(findings);
  std::vector<std::string> order;
  for (const Finding& f : findings) order.push_back(f.rule_id);
  EXPECT_THAT(order, ::testing::ElementsAre("KW-KV-004", "KW-KV-002", "KW-KV-003", "KW-KV-005",
                                            "KW-KV-001"));
  EXPECT_EQ(FindingsAtOrAbove(findings, Severity::kHigh).size(), 3u);
  EXPECT_EQ(FindingsAtOrAbove(findings, Severity::kCritical).size(), 0u) << "waived never count";
}

TEST(FindingTrackerTest, NewFindingsAreReportedOnceAndAgainAfterTheyWentAway) {
  FindingTracker tracker;
  std::vector<Finding> first = {Make("KW-KV-001", Severity::kHigh, "a.yaml", 1)};
  EXPECT_EQ(tracker.Update(first).size(), 1u);
  EXPECT_EQ(tracker.Update(first).size(), 0u);
  std::vector<Finding> second = first;
  second.push_back(Make("KW-KV-002", Severity::kLow, "a.yaml", 2));
  second[0].location.line = 40;  // moved lines: same finding
  ASSERT_EQ(tracker.Update(second).size(), 1u);
  EXPECT_EQ(tracker.Update({}).size(), 0u);
  EXPECT_EQ(tracker.Update(first).size(), 1u);
}

TEST(FindingTrackerTest, GaugeCountsUnwaivedFindingsByRuleAndSeverity) {
  MetricsRegistry metrics;
  DescribeFindingMetrics(metrics);
  PublishFindingMetrics(
      {Make("KW-KV-001", Severity::kHigh, "a", 1), Make("KW-KV-001", Severity::kHigh, "a", 2),
       Make("KW-KV-002", Severity::kLow, "a", 3, /*waived=*/true)},
      metrics);
  EXPECT_EQ(metrics.Value(kPolicyFindingsMetric, {{"rule", "KW-KV-001"}, {"severity", "high"}}), 2);
  EXPECT_EQ(metrics.Value(kPolicyFindingsMetric, {{"rule", "KW-KV-002"}, {"severity", "low"}}), 0);
  PublishFindingMetrics({}, metrics);
  EXPECT_EQ(metrics.Render().find("keyward_policy_findings{"), std::string::npos)
      << "series of fixed findings disappear";
}

}  // namespace
}  // namespace keyward::engine::guardrails
