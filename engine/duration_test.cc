#include "engine/duration.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesUnitsAndFractions) {
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(ParseDuration("30"), milliseconds(30'000));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(ParseDuration("8760h"), kMaxDuration);
}

TEST(DurationTest, RefusesWhatIsNotAPositiveBoundedDuration) {
  for (const char* text : {"", "soon", "5 m", " 5m", "5d", "0", "0.1ms", "-5s", "nan", "inf",
                           "1e300h", "8761h", "99999999999999999999s", "5mm", "s", "15x", "1 s"}) {
    EXPECT_FALSE(ParseDuration(text)) << text;
  }
}

TEST(DurationTest, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(milliseconds(1'800'000)), "30m");
  EXPECT_EQ(FormatDuration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "90s");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1500ms");
  for (const char* text : {"30m", "2h", "90s", "1500ms"})
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(2'500))), milliseconds(2'500));
}

TEST(DurationTest, JitterIsAPercentageOrAFractionWithinZeroAndOne) {
  EXPECT_EQ(ParseJitter("10%"), 0.1);
  EXPECT_EQ(ParseJitter("0.25"), 0.25);
  EXPECT_EQ(ParseJitter("0%"), 0.0);
  for (const char* bad : {"", "%", "150%", "-1%", "10 %", "0.1x"})
    EXPECT_EQ(ParseJitter(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace keyward::engine
