#include "engine/duration.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesTheUnitsFlagsAndKeywardYamlUse) {
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("15s"), milliseconds(15'000));
  EXPECT_EQ(ParseDuration("15"), milliseconds(15'000));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(ParseDuration("1h"), milliseconds(3'600'000));
}

TEST(DurationTest, RejectsMalformedAndNonPositive) {
  for (const char* bad : {"", "s", "15x", "-1s", "0", "0.1ms", "1 s"})
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
}

TEST(DurationTest, JitterIsAPercentageOrAFractionWithinZeroAndOne) {
  EXPECT_EQ(ParseJitter("10%"), 0.1);
  EXPECT_EQ(ParseJitter("0.25"), 0.25);
  EXPECT_EQ(ParseJitter("0%"), 0.0);
  for (const char* bad : {"", "%", "150%", "-1%", "10 %", "0.1x"})
    EXPECT_EQ(ParseJitter(bad), std::nullopt) << bad;
}

TEST(DurationTest, FormatsTheShortestExactForm) {
  EXPECT_EQ(FormatDuration(milliseconds(15'000)), "15s");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1500ms");
  EXPECT_EQ(FormatDuration(milliseconds(120'000)), "2m");
  EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(2'500))), milliseconds(2'500));
}

}  // namespace
}  // namespace keyward::engine
