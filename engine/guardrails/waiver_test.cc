#include "engine/guardrails/waiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyward::engine::guardrails {
namespace {

using ::testing::HasSubstr;

const SourceLocation kWhere{"m/vault.yaml", 6, 24};

std::string Errors(const Diagnostics& d) {
  std::string out;
  for (const Diagnostic& item : d.items()) out += item.ToString() + "\n";
  return out;
}

TEST(WaiverTest, ParsesOneEntry) {
  Diagnostics d;
  auto waivers = ParseWaivers("KW-KV-003: legacy batch host until 2027-03-31", kWhere, &d);
  ASSERT_EQ(waivers.size(), 1u) << Errors(d);
  EXPECT_EQ(waivers[0].rule_id, "KW-KV-003");
  EXPECT_EQ(waivers[0].reason, "legacy batch host");
  EXPECT_EQ(waivers[0].until, (Date{2027, 3, 31}));
  EXPECT_EQ(waivers[0].location.ToString(), "m/vault.yaml:6:24");
  EXPECT_TRUE(d.empty());
}

TEST(WaiverTest, SeveralEntriesByLineOrSemicolonAndReasonsMaySayUntil) {
  Diagnostics d;
  auto waivers = ParseWaivers(
      "KW-KV-003: wait until the VPN is live until 2027-01-15;kw-kv-012 : rotated by the app "
      "until 2026-12-31\n\n  KW-KV-005: migrating to RBAC until 2026-07-01  \n",
      kWhere, &d);
  ASSERT_EQ(waivers.size(), 3u) << Errors(d);
  EXPECT_EQ(waivers[0].reason, "wait until the VPN is live");
  EXPECT_EQ(waivers[0].until, (Date{2027, 1, 15}));
  EXPECT_EQ(waivers[1].rule_id, "kw-kv-012");
  EXPECT_EQ(waivers[2].until, (Date{2026, 7, 1}));
}

TEST(WaiverTest, EveryMistakeIsAnErrorAndGoodEntriesSurvive) {
  Diagnostics d;
  auto waivers = ParseWaivers(
      "KW-KV-001: no end date; KW-KV-002: bad date until 2027-02-30; KW-KV-003: until "
      "2027-01-01; : nobody until 2027-01-01; KW-KV-004: fine until 2028-02-29",
      kWhere, &d);
  ASSERT_EQ(waivers.size(), 1u);
  EXPECT_EQ(waivers[0].rule_id, "KW-KV-004");
  const std::string errors = Errors(d);
  EXPECT_THAT(errors, HasSubstr("m/vault.yaml:6:24: error: keyward.dev/waive: 'KW-KV-001: no "
                                "end date' has no expiry date"));
  EXPECT_THAT(errors, HasSubstr("'2027-02-30' is not a date"));
  EXPECT_THAT(errors, HasSubstr("'KW-KV-003: until 2027-01-01' gives no reason"));
  EXPECT_THAT(errors, HasSubstr("names no rule"));
  EXPECT_EQ(d.items().size(), 4u);
}

TEST(WaiverTest, EmptyAnnotationIsAnError) {
  Diagnostics d;
  EXPECT_TRUE(ParseWaivers("  \n ; ", kWhere, &d).empty());
  EXPECT_TRUE(d.HasErrors());
}

TEST(WaiverTest, AWaiverHoldsThroughItsLastDay) {
  Waiver w;
  w.until = {2027, 3, 31};
  EXPECT_FALSE(w.ExpiredOn({2027, 3, 30}));
  EXPECT_FALSE(w.ExpiredOn({2027, 3, 31}));
  EXPECT_TRUE(w.ExpiredOn({2027, 4, 1}));
  EXPECT_TRUE(w.ExpiredOn({2028, 1, 1}));
}

TEST(WaiverTest, DatesAreCalendarChecked) {
  EXPECT_TRUE(ParseDate("2028-02-29"));
  EXPECT_FALSE(ParseDate("2027-02-29"));
  EXPECT_FALSE(ParseDate("2100-02-29"));
  EXPECT_TRUE(ParseDate("2000-02-29"));
  EXPECT_FALSE(ParseDate("2027-13-01"));
  EXPECT_FALSE(ParseDate("2027-1-01"));
  EXPECT_FALSE(ParseDate("27-01-01xx"));
  EXPECT_EQ(ParseDate("2027-03-31")->ToString(), "2027-03-31");
}

TEST(WaiverTest, UtcDateOfTimePoints) {
  using std::chrono::seconds;
  auto at = [](long long unix_seconds) { return Clock::TimePoint(seconds(unix_seconds)); };
  EXPECT_EQ(UtcDate(at(0)), (Date{1970, 1, 1}));
  EXPECT_EQ(UtcDate(at(951782400)), (Date{2000, 2, 29}));   // 2000-02-29T00:00:00Z
  EXPECT_EQ(UtcDate(at(1806537599)), (Date{2027, 3, 31}));  // 2027-03-31T23:59:59Z
  EXPECT_EQ(UtcDate(at(1806537600)), (Date{2027, 4, 1}));   // a second later
  EXPECT_EQ(UtcDate(at(-86400)), (Date{1969, 12, 31}));
}

}  // namespace
}  // namespace keyward::engine::guardrails
