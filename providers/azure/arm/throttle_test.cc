#include "providers/azure/arm/throttle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "providers/azure/arm/arm_client_test_util.h"

namespace keyward::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;

TEST(ThrottleTest, BucketAllowsBurstThenPacesAtTheRefillRate) {
  FakeClock clock;
  TokenBucket bucket({/*burst=*/3, /*per_second=*/10}, clock.Now());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(0));
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(100));
  clock.Advance(milliseconds(100));  // the reserved token came due and was used
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(100));
  clock.Advance(milliseconds(150));
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(50));
  clock.Advance(std::chrono::seconds(100));
  EXPECT_DOUBLE_EQ(bucket.tokens(clock.Now()), 3.0);  // never above burst
}

TEST(ThrottleTest, WaitersReserveSuccessiveTokensFirstComeFirstServed) {
  FakeClock clock;
  TokenBucket bucket({/*burst=*/1, /*per_second=*/10}, clock.Now());
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(0));
  // Three callers arrive while the bucket is empty: each gets its own slot, in arrival order.
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(100));
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(200));
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(300));
  // The second one gives up: its slot goes back, so the next caller waits no longer than it would.
  bucket.Return(clock.Now());
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(300));
}

TEST(ThrottleTest, ServerRemainingCountLowersTheBucket) {
  FakeClock clock;
  TokenBucket bucket({200, 10}, clock.Now());
  bucket.ObserveRemaining(1, clock.Now());
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(0));
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(100));
  bucket.ObserveRemaining(5000, clock.Now());  // legacy hourly counters never raise it
  EXPECT_LT(bucket.tokens(clock.Now()), 1.0);
  bucket.ObserveRemaining(0, clock.Now());  // nor does a low count cancel a promised token
  EXPECT_EQ(bucket.Reserve(clock.Now()), milliseconds(200));
}

TEST(ThrottleTest, ThrottlerKeysBySubscriptionAndKindAndCountsWaits) {
  FakeClock clock;
  Context ctx{.clock = &clock};
  Throttler throttler(ThrottleOptions{.writes = {2, 10}});
  ArmMetrics metrics;
  const std::string sub_a = "https://arm.test/subscriptions/AAA/resourceGroups/rg?api-version=1";
  const std::string sub_b = "https://arm.test/subscriptions/bbb/resourceGroups/rg?api-version=1";
  EXPECT_TRUE(throttler.Acquire(sub_a, OperationKind::kWrite, ctx, &metrics));
  EXPECT_TRUE(throttler.Acquire(sub_a, OperationKind::kWrite, ctx, &metrics));
  EXPECT_TRUE(throttler.Acquire(sub_b, OperationKind::kWrite, ctx, &metrics));  // own bucket
  EXPECT_TRUE(throttler.Acquire(sub_a, OperationKind::kRead, ctx, &metrics));   // reads separate
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_TRUE(throttler.Acquire(sub_a, OperationKind::kWrite, ctx, &metrics));  // waits 100 ms
  EXPECT_EQ(clock.sleeps(), std::vector<milliseconds>{milliseconds(100)});
  auto snapshot = metrics.Snapshot();
  EXPECT_EQ(snapshot.throttled_waits, 1u);
  EXPECT_EQ(snapshot.throttled_wait_time, milliseconds(100));
}

TEST(ThrottleTest, RemainingHeadersFeedTheMatchingBucket) {
  FakeClock clock;
  Context ctx{.clock = &clock};
  Throttler throttler(ThrottleOptions{});
  HttpHeaders headers;
  headers.Set("x-ms-ratelimit-remaining-subscription-deletes", "3");
  headers.Set("x-ms-ratelimit-remaining-subscription-reads", "not-a-number");
  const std::string url = "https://arm.test/subscriptions/s1/resourceGroups/rg";
  throttler.Observe(url, OperationKind::kDelete, headers, ctx);
  throttler.Observe(url, OperationKind::kRead, headers, ctx);
  EXPECT_DOUBLE_EQ(throttler.TokensFor("s1", OperationKind::kDelete, clock.Now()), 3.0);
  EXPECT_DOUBLE_EQ(throttler.TokensFor("s1", OperationKind::kRead, clock.Now()), 250.0);
  EXPECT_DOUBLE_EQ(throttler.TokensFor("s1", OperationKind::kWrite, clock.Now()), 200.0);
}

TEST(ThrottleTest, SubscriptionOfUrl) {
  EXPECT_EQ(SubscriptionOfUrl("https://h/subscriptions/ABC/resourceGroups/x"), "abc");
  EXPECT_EQ(SubscriptionOfUrl("https://h/Subscriptions/abc?api-version=1"), "abc");
  EXPECT_EQ(SubscriptionOfUrl("https://h/providers/Microsoft.KeyVault/operations"), "");
}

TEST(ThrottleTest, CancelledWhileWaitingForAToken) {
  FakeClock clock;
  Context ctx{.clock = &clock};
  Throttler throttler(ThrottleOptions{.reads = {1, 1}});
  EXPECT_TRUE(throttler.Acquire("https://h/subscriptions/s", OperationKind::kRead, ctx, nullptr));
  ctx.cancelled->store(true);
  EXPECT_FALSE(throttler.Acquire("https://h/subscriptions/s", OperationKind::kRead, ctx, nullptr));
}

// A clock whose time stands still: every sleep is recorded and returns at once. A throttler that
// re-checks the bucket after sleeping would sleep again and again; after 100 sleeps the clock
// cancels, so such a throttler fails this test instead of hanging it.
class StillClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::seconds(1'800'000'000)); }
  bool SleepFor(milliseconds duration, const std::atomic<bool>* cancelled) override {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(duration);
    return sleeps_.size() < 100 && !(cancelled && cancelled->load());
  }
  std::vector<milliseconds> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

TEST(ThrottleTest, EightThreadsWaitingForTokensEachSleepOnceToTheirOwnSlot) {
  StillClock clock;
  Context ctx{.clock = &clock};
  Throttler throttler(ThrottleOptions{.reads = {/*burst=*/1, /*per_second=*/10}});
  ArmMetrics metrics;
  const std::string url = "https://arm.test/subscriptions/s1/resourceGroups/rg";
  ASSERT_TRUE(throttler.Acquire(url, OperationKind::kRead, ctx, &metrics));  // empties the bucket

  std::vector<std::thread> threads;
  std::atomic<int> acquired{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (throttler.Acquire(url, OperationKind::kRead, ctx, &metrics)) ++acquired;
    });
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(acquired.load(), 8);
  // No herd: one sleep per waiter, to slots 100 ms apart (whichever thread got which).
  std::vector<milliseconds> sleeps = clock.sleeps();
  std::sort(sleeps.begin(), sleeps.end());
  std::vector<milliseconds> expected;
  for (int i = 1; i <= 8; ++i) expected.push_back(milliseconds(100 * i));
  EXPECT_EQ(sleeps, expected);
  EXPECT_EQ(metrics.Snapshot().throttled_waits, 8u);
  EXPECT_EQ(metrics.Snapshot().throttled_wait_time, milliseconds(3600));
}

}  // namespace
}  // namespace keyward::azure
