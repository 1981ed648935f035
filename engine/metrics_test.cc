#include "engine/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistryTest, RendersCountersAndGaugesWithSortedEscapedLabels) {
  MetricsRegistry m;
  m.Describe("keyward_things_total", MetricType::kCounter, "Things.");
  m.Describe("keyward_level", MetricType::kGauge, "Level.");
  m.Add("keyward_things_total", {{"b", "2"}, {"a", "say \"hi\"\n"}}, 1);
  m.Add("keyward_things_total", {{"a", "say \"hi\"\n"}, {"b", "2"}}, 2);
  m.Set("keyward_level", {}, 0.25);

  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("# HELP keyward_things_total Things.\n"
                              "# TYPE keyward_things_total counter\n"
                              "keyward_things_total{a=\"say \\\"hi\\\"\\n\",b=\"2\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE keyward_level gauge\nkeyward_level 0.25\n"));
  EXPECT_EQ(m.Value("keyward_things_total", {{"b", "2"}, {"a", "say \"hi\"\n"}}), 3);
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry m;
  m.Describe("d_seconds", MetricType::kHistogram, "D.", {1, 0.5});
  m.Observe("d_seconds", {}, 0.5);  // le is inclusive
  m.Observe("d_seconds", {}, 0.7);
  m.Observe("d_seconds", {}, 9);
  EXPECT_THAT(m.Render(), HasSubstr("d_seconds_bucket{le=\"0.5\"} 1\n"
                                    "d_seconds_bucket{le=\"1\"} 2\n"
                                    "d_seconds_bucket{le=\"+Inf\"} 3\n"
                                    "d_seconds_sum 10.2\n"
                                    "d_seconds_count 3\n"));
}

TEST(MetricsRegistryTest, ClearDropsVanishedLabelSetsAndUndeclaredNamesAreIgnored) {
  MetricsRegistry m;
  m.Describe("drift", MetricType::kGauge, "Drift.");
  m.Set("drift", {{"kind", "Vault"}}, 2);
  m.Clear("drift");
  m.Set("drift", {{"kind", "Key"}}, 1);
  m.Add("undeclared", {}, 1);
  const std::string text = m.Render();
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Vault")));
  EXPECT_THAT(text, HasSubstr("drift{kind=\"Key\"} 1\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("undeclared")));
}

}  // namespace
}  // namespace keyward::engine
