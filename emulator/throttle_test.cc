// ARM throttling: the token-bucket math with an explicit clock, then the real binary over HTTPS
// (429 + Retry-After, x-ms-ratelimit-remaining-* counting down, refill, the runtime knob).
#include "emulator/throttle.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

constexpr char kSub[] = "11111111-2222-4333-8444-555555555555";

TEST(ThrottleMathTest, MethodsMapToArmOperationTypes) {
  EXPECT_EQ(OpTypeForMethod("GET"), OpType::kRead);
  EXPECT_EQ(OpTypeForMethod("HEAD"), OpType::kRead);
  EXPECT_EQ(OpTypeForMethod("PUT"), OpType::kWrite);
  EXPECT_EQ(OpTypeForMethod("PATCH"), OpType::kWrite);
  EXPECT_EQ(OpTypeForMethod("POST"), OpType::kWrite);  // actions such as purge are writes
  EXPECT_EQ(OpTypeForMethod("DELETE"), OpType::kDelete);
}

TEST(ThrottleMathTest, ReadBurstOf250ThenThrottledWithRetryAfterOneRefillInterval) {
  Throttler throttler;
  const double t0 = 1000;
  for (int i = 0; i < 250; ++i) {
    ThrottleDecision d = throttler.Admit(kSub, false, "oid-a", OpType::kRead, t0);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 249 - i);
  }
  ThrottleDecision over = throttler.Admit(kSub, false, "oid-a", OpType::kRead, t0);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.retry_after_seconds, 1);  // ceil(1 / 25)
  // A throttled request consumed nothing: 50 ms later (1.25 tokens at 25/s) one request passes.
  EXPECT_TRUE(throttler.Admit(kSub, false, "oid-a", OpType::kRead, t0 + 0.05).allowed);
  EXPECT_FALSE(throttler.Admit(kSub, false, "oid-a", OpType::kRead, t0 + 0.05).allowed);
}

TEST(ThrottleMathTest, WritesAndDeletesHave200TokensAndRefillAt10PerSecond) {
  Throttler throttler;
  for (OpType type : {OpType::kWrite, OpType::kDelete}) {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(throttler.Admit(kSub, false, "a", type, 0).allowed);
    EXPECT_FALSE(throttler.Admit(kSub, false, "a", type, 0).allowed);
    // Two seconds refill 20 tokens.
    EXPECT_EQ(throttler.Remaining(kSub, false, "a", type, 2.0), 20);
    // The full bucket refills from empty in 20 s and is capped at 200.
    EXPECT_EQ(throttler.Remaining(kSub, false, "a", type, 100.0), 200);
  }
  // Reads are a separate bucket and untouched.
  EXPECT_EQ(throttler.Remaining(kSub, false, "a", OpType::kRead, 0), 250);
}

TEST(ThrottleMathTest, PrincipalsAndSubscriptionsHaveSeparateBuckets) {
  Throttler throttler;
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(throttler.Admit(kSub, false, "a", OpType::kWrite, 0).allowed);
  EXPECT_FALSE(throttler.Admit(kSub, false, "a", OpType::kWrite, 0).allowed);
  EXPECT_TRUE(throttler.Admit(kSub, false, "b", OpType::kWrite, 0).allowed);
  EXPECT_TRUE(throttler.Admit("other-sub", false, "a", OpType::kWrite, 0).allowed);
  EXPECT_TRUE(throttler.Admit("tenant", true, "a", OpType::kWrite, 0).allowed);
}

TEST(ThrottleMathTest, GlobalSubscriptionLimitIs15TimesAndSharedByPrincipals) {
  Throttler throttler;
  // 15 principals use their whole write bucket: the global bucket (3000) is now empty.
  for (int p = 0; p < 15; ++p) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(throttler.Admit(kSub, false, "p" + std::to_string(p), OpType::kWrite, 0).allowed);
    }
  }
  ThrottleDecision d = throttler.Admit(kSub, false, "fresh-principal", OpType::kWrite, 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1);  // global refill 150/s
  // The tenant scope has no global bucket and is unaffected.
  EXPECT_TRUE(throttler.Admit("tenant", true, "fresh-principal", OpType::kWrite, 0).allowed);
}

TEST(ThrottleMathTest, RetryAfterIsTimeUntilATokenAndScaleMultipliesRefill) {
  Throttler slow(true, 0.01);  // reads refill 0.25/s: one token every 4 s
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(slow.Admit(kSub, false, "a", OpType::kRead, 0).allowed);
  EXPECT_EQ(slow.Admit(kSub, false, "a", OpType::kRead, 0).retry_after_seconds, 4);
  EXPECT_EQ(slow.Admit(kSub, false, "a", OpType::kRead, 2.5).retry_after_seconds, 2);
  EXPECT_TRUE(slow.Admit(kSub, false, "a", OpType::kRead, 4.0).allowed);
}

TEST(ThrottleMathTest, DisabledNeverThrottlesButKeepsCountingAndResetRefills) {
  Throttler throttler(false);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(throttler.Admit(kSub, false, "a", OpType::kWrite, 0).allowed);
  // Off still counts (the headers stay truthful), so turning it on finds an empty bucket.
  throttler.Configure(true, 1);
  EXPECT_FALSE(throttler.Admit(kSub, false, "a", OpType::kWrite, 0).allowed);
  throttler.Reset();
  EXPECT_TRUE(throttler.Admit(kSub, false, "a", OpType::kWrite, 0).allowed);
}

// --- over HTTPS --------------------------------------------------------------------------------

class ThrottlingTest : public EmulatorTest {
 protected:
  void SetUp() override {}
  std::string ListRgs() { return RgPath("").substr(0, RgPath("").size() - 1) + "?" + kRgApi; }
};

TEST_F(ThrottlingTest, ReadBurstBeyondTheBucketIs429WithRetryAfterAndHeadersCountDown) {
  // Refill slowed 1000x so that the count-down is exact while the burst takes a second or two.
  StartWith(WithArgs({"--throttle-scale", "0.001"}));
  long previous = 250;
  for (int i = 0; i < 250; ++i) {
    auto r = Call("GET", ListRgs());
    ASSERT_EQ(r.status, 200) << i << " " << r.body;
    long remaining = std::stol(r.Header("x-ms-ratelimit-remaining-subscription-reads"));
    ASSERT_EQ(remaining, previous - 1) << "request " << i;
    previous = remaining;
    EXPECT_FALSE(r.HasHeader("x-ms-ratelimit-remaining-subscription-writes"));
  }
  auto throttled = Call("GET", ListRgs());
  ASSERT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(throttled.Json()["error"]["code"], "SubscriptionRequestsThrottled");
  std::string message = throttled.Json()["error"]["message"];
  EXPECT_NE(message.find("Number of 'read' requests for subscription '" +
                         std::string(keyward::testing::kSubscriptionId) + "' actor '" +
                         keyward::testing::kObjectId + "' exceeded."),
            std::string::npos)
      << message;
  // Time until the next token: 1 / (25 * 0.001) = 40 s, minus what trickled in during the burst.
  int retry_after = std::stoi(throttled.Header("Retry-After"));
  EXPECT_LE(retry_after, 40);
  EXPECT_GE(retry_after, 30);
  EXPECT_EQ(throttled.Header("x-ms-ratelimit-remaining-subscription-reads"), "0");
  EXPECT_TRUE(throttled.HasHeader("x-ms-request-id"));
  // Writes have their own bucket.
  auto write = Call("PUT", RgPath("rg1") + "?" + kRgApi, {{"location", "westus"}});
  EXPECT_EQ(write.status, 201) << write.body;
  EXPECT_EQ(write.Header("x-ms-ratelimit-remaining-subscription-writes"), "199");
  auto del = Call("DELETE", RgPath("rg1") + "?" + kRgApi);
  EXPECT_EQ(del.Header("x-ms-ratelimit-remaining-subscription-deletes"), "199");

  json stats = keyward::testing::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {},
                                              "", emulator_->ca_file())
                   .Json();
  EXPECT_EQ(stats["throttled"]["total"], 1);
  EXPECT_EQ(stats["throttled"]["operations"]["ResourceGroups_List"], 1);
}

TEST_F(ThrottlingTest, BucketRefillsAfterRetryAfter) {
  // scale 0.04: reads refill one token per second, so Retry-After is 1.
  StartWith(WithArgs({"--throttle-scale", "0.04"}));
  HttpsResult r;
  int sent = 0;
  do {
    r = Call("GET", ListRgs());
    ++sent;
  } while (r.status == 200 && sent < 400);
  ASSERT_EQ(r.status, 429);
  EXPECT_GE(sent, 251);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(Call("GET", ListRgs()).status, 200);
}

TEST_F(ThrottlingTest, TenantScopeCallsReportTenantHeadersAndTokenAndAdminAreNotCounted) {
  StartWith(WithArgs({}));
  auto r = Call("GET", "/providers/Microsoft.KeyVault/operations?" + std::string(kKv));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-ms-ratelimit-remaining-tenant-reads"), "249");
  EXPECT_FALSE(r.HasHeader("x-ms-ratelimit-remaining-subscription-reads"));
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(keyward::testing::GetToken(*emulator_).empty());
  auto health = keyward::testing::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/health",
                                               {}, "", emulator_->ca_file());
  EXPECT_FALSE(health.HasHeader("x-ms-ratelimit-remaining-subscription-reads"));
  auto list = Call("GET", ListRgs());
  EXPECT_EQ(list.Header("x-ms-ratelimit-remaining-subscription-reads"), "249");
}

TEST_F(ThrottlingTest, OffFlagAndRuntimeKnob) {
  StartWith(WithArgs({"--throttling", "off", "--throttle-scale", "0.001"}));
  for (int i = 0; i < 260; ++i) ASSERT_EQ(Call("GET", ListRgs()).status, 200) << i;
  auto knob = keyward::testing::HttpsRequest("PUT", emulator_->endpoint() + "/_emulator/throttling",
                                             {{"Content-Type", "application/json"}},
                                             R"({"enabled": true})", emulator_->ca_file());
  ASSERT_EQ(knob.status, 200) << knob.body;
  EXPECT_EQ(knob.Json()["enabled"], true);
  EXPECT_EQ(Call("GET", ListRgs()).status, 429);  // the bucket was drained while off
  auto reset = keyward::testing::HttpsRequest("POST", emulator_->endpoint() + "/_emulator/reset",
                                              {}, "", emulator_->ca_file());
  ASSERT_EQ(reset.status, 200);
  EXPECT_EQ(Call("GET", ListRgs()).status, 200);  // reset refills the buckets
}

}  // namespace
}  // namespace keyward::emulator::test
