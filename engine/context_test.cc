#include "engine/context.h"

#include <gtest/gtest.h>
#include <time.h>

#include <thread>

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

std::chrono::nanoseconds ThreadCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

TEST(SystemClockTest, SleepsUntilTheDeadline) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(SystemClock::Instance().SleepFor(milliseconds(30), nullptr));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));
}

TEST(SystemClockTest, ShortSleepsDoNotSpin) {
  // The throttle sleeps a millisecond or two at a time, thousands of times per refresh. Sleeping
  // must cost (almost) no CPU: a wait that rounds down to whole milliseconds and busy-loops over
  // the rest burns about as much CPU as it sleeps. Generous bound: a tenth of the time slept.
  const auto cpu_before = ThreadCpuTime();
  for (int i = 0; i < 100; ++i) SystemClock::Instance().SleepFor(milliseconds(2), nullptr);
  const auto cpu = ThreadCpuTime() - cpu_before;
  EXPECT_LT(cpu, milliseconds(20))
      << "CPU spent in 200 ms of sleeping: "
      << std::chrono::duration<double, std::milli>(cpu).count() << " ms";
}

TEST(SystemClockTest, CancelEndsASleepLongBeforeItsDeadline) {
  Context ctx;
  bool slept_to_the_end = true;
  std::thread sleeper([&] {
    slept_to_the_end = ctx.clock->SleepFor(std::chrono::minutes(10), ctx.cancelled.get());
  });
  std::this_thread::sleep_for(milliseconds(20));
  ctx.Cancel();
  sleeper.join();
  EXPECT_FALSE(slept_to_the_end);
  EXPECT_TRUE(ctx.IsCancelled());
  EXPECT_FALSE(ctx.clock->SleepFor(milliseconds(1), ctx.cancelled.get()));
}

}  // namespace
}  // namespace keyward
