#include "engine/context.h"

#include <gtest/gtest.h>

#include "engine/testing_fake_handler_test_util.h"

namespace keyward {
namespace {

using std::chrono::milliseconds;

TEST(ContextTest, ANestedTimeoutShortensTheDeadlineButNeverExtendsIt) {
  engine::testing::FakeClock clock;
  Context ctx;
  ctx.clock = &clock;
  EXPECT_FALSE(ctx.Remaining());
  EXPECT_FALSE(ctx.DeadlinePassed());

  const Context outer = ctx.WithTimeout(milliseconds(5'000));
  EXPECT_EQ(outer.Remaining(), milliseconds(5'000));
  EXPECT_EQ(outer.WithTimeout(milliseconds(2'000)).Remaining(), milliseconds(2'000));
  EXPECT_EQ(outer.WithTimeout(milliseconds(60'000)).Remaining(), milliseconds(5'000));

  clock.Advance(milliseconds(6'000));
  EXPECT_TRUE(outer.DeadlinePassed());
  EXPECT_EQ(outer.Remaining(), milliseconds(0));
  EXPECT_EQ(outer.cancelled, ctx.cancelled) << "the same cancellation flag";
}

TEST(ContextTest, AnAbsurdTimeoutSaturatesInsteadOfOverflowing) {
  engine::testing::FakeClock clock;
  Context ctx;
  ctx.clock = &clock;
  const Context forever = ctx.WithTimeout(milliseconds::max());
  ASSERT_TRUE(forever.deadline);
  EXPECT_GT(*forever.deadline, clock.Now());
  EXPECT_FALSE(forever.DeadlinePassed());
}

}  // namespace
}  // namespace keyward
