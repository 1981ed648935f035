#include "providers/azure/arm/throttle.h"

#include <gtest/gtest.h>

#include "providers/azure/arm/arm_client_test_util.h"

namespace keyward::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;

TEST(ThrottleTest, BucketAllowsBurstThenPacesAtTheRefillRate) {
  FakeClock clock;
  TokenBucket bucket({/*burst=*/3, /*per_second=*/10}, clock.Now());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.TryAcquire(clock.Now()), milliseconds(0));
  EXPECT_EQ(bucket.TryAcquire(clock.Now()), milliseconds(100));
  clock.Advance(milliseconds(50));
  EXPECT_EQ(bucket.TryAcquire(clock.Now()), milliseconds(50));
  clock.Advance(milliseconds(50));
  EXPECT_EQ(bucket.TryAcquire(clock.Now()), milliseconds(0));
  clock.Advance(std::chrono::seconds(100));
  EXPECT_DOUBLE_EQ(bucket.tokens(clock.Now()), 3.0);  // never above burst
}

TEST(ThrottleTest, ServerRemainingCountLowersTheBucket) {
  FakeClock clock;
  TokenBucket bucket({200, 10}, clock.Now());
  bucket.ObserveRemaining(1, clock.Now());
  EXPECT_EQ(bucket.TryAcquire(clock.Now()), milliseconds(0));
  EXPECT_EQ(bucket.TryAcquire(clock.Now()), milliseconds(100));
  bucket.ObserveRemaining(5000, clock.Now());  // legacy hourly counters never raise it
  EXPECT_LT(bucket.tokens(clock.Now()), 1.0);
}

TEST(ThrottleTest, ThrottlerKeysBySubscriptionAndKindAndCountsWaits) {
  FakeClock clock;
  Context ctx;
  ctx.clock = &clock;
  ThrottleOptions options;
  options.writes = {2, 10};
  Throttler throttler(options);
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
  Context ctx;
  ctx.clock = &clock;
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
  Context ctx;
  ctx.clock = &clock;
  ThrottleOptions options;
  options.reads = {1, 1};
  Throttler throttler(options);
  EXPECT_TRUE(throttler.Acquire("https://h/subscriptions/s", OperationKind::kRead, ctx, nullptr));
  ctx.cancelled->store(true);
  EXPECT_FALSE(throttler.Acquire("https://h/subscriptions/s", OperationKind::kRead, ctx, nullptr));
}

}  // namespace
}  // namespace keyward::azure
