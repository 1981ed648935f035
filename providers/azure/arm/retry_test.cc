#include "providers/azure/arm/retry.h"

#include <gtest/gtest.h>

#include "providers/azure/arm/arm_client_test_util.h"
#include "providers/azure/arm/pipeline.h"

namespace keyward::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;
using testing::ScriptedTransport;

HttpHeaders Headers(std::initializer_list<std::pair<const char*, const char*>> list) {
  HttpHeaders headers;
  for (auto [name, value] : list) headers.Set(name, value);
  return headers;
}

TEST(RetryTest, BackoffDoublesWithJitterAndIsCapped) {
  RetryOptions options;                                           // 800 ms base, 60 s cap
  EXPECT_EQ(ComputeBackoff(options, 1, 0.0), milliseconds(640));  // 800 * 0.8
  EXPECT_EQ(ComputeBackoff(options, 1, 0.4), milliseconds(800));  // 800 * 1.0
  EXPECT_EQ(ComputeBackoff(options, 2, 0.4), milliseconds(1600));
  EXPECT_EQ(ComputeBackoff(options, 3, 0.4), milliseconds(3200));
  EXPECT_EQ(ComputeBackoff(options, 3, 0.999999), milliseconds(4159));  // just under 1.3
  EXPECT_EQ(ComputeBackoff(options, 30, 0.5), milliseconds(60'000));
  EXPECT_EQ(ComputeBackoff(options, 2000, 0.5), milliseconds(60'000));  // no overflow
}

TEST(RetryTest, RetryAfterMillisecondHeadersWinOverSeconds) {
  FakeClock clock;
  EXPECT_EQ(
      ParseRetryAfter(Headers({{"retry-after-ms", "250"}, {"Retry-After", "9"}}), clock.Now()),
      milliseconds(250));
  EXPECT_EQ(ParseRetryAfter(Headers({{"X-MS-Retry-After-MS", "40"}}), clock.Now()),
            milliseconds(40));
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "5"}}), clock.Now()), milliseconds(5000));
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", " 0 "}}), clock.Now()), milliseconds(0));
  EXPECT_FALSE(ParseRetryAfter(Headers({{"Retry-After", "soon"}}), clock.Now()).has_value());
  EXPECT_FALSE(ParseRetryAfter(Headers({}), clock.Now()).has_value());
  // Unparsable ms header falls through to Retry-After.
  EXPECT_EQ(ParseRetryAfter(Headers({{"retry-after-ms", "x"}, {"Retry-After", "2"}}), clock.Now()),
            milliseconds(2000));
}

TEST(RetryTest, RetryAfterHttpDateIsRelativeToTheInjectedClock) {
  auto now = ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "Sun, 06 Nov 1994 08:49:47 GMT"}}), *now),
            milliseconds(10'000));
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "Sunday, 06-Nov-94 08:49:39 GMT"}}), *now),
            milliseconds(2'000));
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "Sun Nov  6 08:49:40 1994"}}), *now),
            milliseconds(3'000));
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "Sun, 06 Nov 1994 08:00:00 GMT"}}), *now),
            milliseconds(0));
}

TEST(RetryTest, SillyRetryAfterValuesAreClampedNeverOverflowed) {
  FakeClock clock;
  const milliseconds day(24 * 3600 * 1000LL);
  // seconds * 1000 used to overflow for values above 2^63 / 1000.
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "9223372036854775807"}}), clock.Now()), day);
  EXPECT_EQ(ParseRetryAfter(Headers({{"retry-after-ms", "9223372036854775807"}}), clock.Now()),
            day);
  EXPECT_EQ(ParseRetryAfter(Headers({{"Retry-After", "-30"}}), clock.Now()), milliseconds(0));
  // Too large for any integer, or not a number: treated as absent (backoff applies).
  EXPECT_FALSE(ParseRetryAfter(Headers({{"Retry-After", "99999999999999999999999"}}), clock.Now()));
  EXPECT_FALSE(ParseRetryAfter(Headers({{"Retry-After", "1e9"}}), clock.Now()));
  // A date past what the clock can represent is not a date; a far one is a day.
  EXPECT_FALSE(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT"));
  EXPECT_EQ(
      ParseRetryAfter(Headers({{"Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT"}}), clock.Now()),
      day);
}

TEST(RetryTest, PostAndPatchAreNotRetriedWhereTheRequestMayHaveBeenApplied) {
  RetryOptions options;
  for (int status : {408, 429, 500, 502, 503, 504}) {
    EXPECT_TRUE(ShouldRetryStatus(options, HttpMethod::kGet, status)) << status;
    EXPECT_TRUE(ShouldRetryStatus(options, HttpMethod::kPut, status)) << status;
    EXPECT_TRUE(ShouldRetryStatus(options, HttpMethod::kDelete, status)) << status;
  }
  for (HttpMethod method : {HttpMethod::kPost, HttpMethod::kPatch}) {
    EXPECT_FALSE(ShouldRetryStatus(options, method, 408));
    EXPECT_FALSE(ShouldRetryStatus(options, method, 502));
    EXPECT_TRUE(ShouldRetryStatus(options, method, 429));
    EXPECT_TRUE(ShouldRetryStatus(options, method, 503));
  }
  for (int status : {200, 400, 401, 403, 404, 409, 412, 501}) {
    EXPECT_FALSE(ShouldRetryStatus(options, HttpMethod::kGet, status)) << status;
  }
}

TEST(RetryTest, APostOrPatchMarkedSafeToRepeatIsRetriedLikeAGet) {
  RetryOptions options;
  for (HttpMethod method : {HttpMethod::kPost, HttpMethod::kPatch}) {
    for (int status : {408, 429, 500, 502, 503, 504}) {
      EXPECT_TRUE(ShouldRetryStatus(options, method, status, /*safe_to_repeat=*/true)) << status;
    }
    // The marking widens the methods, never the statuses.
    for (int status : {400, 404, 409, 501}) {
      EXPECT_FALSE(ShouldRetryStatus(options, method, status, /*safe_to_repeat=*/true)) << status;
    }
  }
}

struct RetryHarness {
  FakeClock clock;
  Context ctx;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  ArmMetrics metrics;
  std::unique_ptr<HttpPipeline> pipeline;

  explicit RetryHarness(RetryOptions options, double random = 0.4) {
    ctx.clock = &clock;
    std::vector<std::unique_ptr<HttpPolicy>> policies;
    policies.push_back(std::make_unique<RetryPolicy>(
        options, [random] { return random; }, &metrics, LogSink()));
    pipeline = std::make_unique<HttpPipeline>(std::move(policies), transport);
  }
  Result<HttpResponse> Send(HttpMethod method = HttpMethod::kGet, bool safe_to_repeat = false) {
    HttpRequest request;
    request.method = method;
    request.safe_to_repeat = safe_to_repeat;
    request.url = "https://arm.test/subscriptions/s/resourceGroups/rg?api-version=2021-04-01";
    return pipeline->Send(request, ctx);
  }
};

TEST(RetryPolicyTest, RetriesWithExponentialBackoffThenSucceeds) {
  RetryHarness h(RetryOptions{});
  h.transport->PushStatus(503);
  h.transport->Push(MakeError(ErrorCode::kUnavailable, "connection reset"));
  h.transport->PushStatus(200);
  auto response = h.Send();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(h.transport->sent().size(), 3u);
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(800), milliseconds(1600)}));
  EXPECT_EQ(h.metrics.Snapshot().retries, 2u);
}

TEST(RetryPolicyTest, HonoursServerRetryAfter) {
  RetryHarness h(RetryOptions{});
  h.transport->PushStatus(429, {{"Retry-After", "7"}});
  h.transport->PushStatus(429, {{"x-ms-retry-after-ms", "120"}});
  h.transport->PushStatus(200);
  ASSERT_TRUE(h.Send());
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(7000), milliseconds(120)}));
}

TEST(RetryPolicyTest, GivesUpAfterMaxRetriesAndReturnsTheLastResponse) {
  RetryOptions options;
  options.max_retries = 2;
  options.base_delay = milliseconds(10);
  RetryHarness h(options);
  for (int i = 0; i < 5; ++i) h.transport->PushStatus(500);
  auto response = h.Send();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(h.transport->sent().size(), 3u);  // 1 try + 2 retries
}

TEST(RetryPolicyTest, DoesNotWaitForAnUnreasonableRetryAfter) {
  RetryOptions options;
  options.max_retry_after = milliseconds(30'000);
  RetryHarness h(options);
  h.transport->PushStatus(429, {{"Retry-After", "600"}});
  auto response = h.Send();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 429);
  EXPECT_TRUE(h.clock.sleeps().empty());
}

TEST(RetryPolicyTest, DoesNotRetryPostOn502OrNonTransientErrors) {
  RetryHarness h(RetryOptions{});
  h.transport->PushStatus(502);
  EXPECT_EQ(h.Send(HttpMethod::kPost)->status, 502);
  h.transport->PushStatus(409);
  EXPECT_EQ(h.Send(HttpMethod::kPut)->status, 409);
  h.transport->Push(MakeError(ErrorCode::kInvalidArgument, "bad url"));
  EXPECT_FALSE(h.Send());
  EXPECT_EQ(h.transport->sent().size(), 3u);
}

TEST(RetryPolicyTest, RetriesA502OnAPostMarkedSafeToRepeatButNotOnAnUnmarkedOne) {
  RetryHarness h(RetryOptions{});
  h.transport->PushStatus(502);
  h.transport->PushStatus(502);
  h.transport->PushStatus(200);
  auto safe = h.Send(HttpMethod::kPost, /*safe_to_repeat=*/true);
  ASSERT_TRUE(safe);
  EXPECT_EQ(safe->status, 200);
  EXPECT_EQ(h.transport->sent().size(), 3u);
  EXPECT_EQ(h.metrics.Snapshot().retries, 2u);

  h.transport->PushStatus(502);
  h.transport->PushStatus(200);
  auto unsafe = h.Send(HttpMethod::kPost);
  ASSERT_TRUE(unsafe);
  EXPECT_EQ(unsafe->status, 502);
  EXPECT_EQ(h.transport->sent().size(), 4u);  // one try: the POST may have been applied
  EXPECT_EQ(h.metrics.Snapshot().retries, 2u);
}

TEST(RetryPolicyTest, NeverWaitsPastTheRequestDeadline) {
  RetryHarness h(RetryOptions{});  // backoff 800 ms, 1600 ms, 3200 ms
  for (int i = 0; i < 4; ++i) h.transport->PushStatus(503);
  h.ctx = h.ctx.WithTimeout(milliseconds(2'000));
  auto response = h.Send();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  // 800 ms fits before the deadline; the 1600 ms wait would end after it, so no third try.
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(800)}));
  EXPECT_EQ(h.transport->sent().size(), 2u);
}

TEST(RetryPolicyTest, NoTryStartsAfterTheDeadline) {
  RetryHarness h(RetryOptions{});
  h.transport->PushStatus(200);
  h.ctx = h.ctx.WithTimeout(milliseconds(100));
  h.clock.Advance(milliseconds(100));
  auto response = h.Send();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(h.transport->sent().empty());
}

TEST(RetryPolicyTest, CancellationStopsTheWait) {
  RetryHarness h(RetryOptions{});
  h.transport->PushStatus(503);
  h.ctx.cancelled->store(true);
  auto response = h.Send();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kCancelled);
}

}  // namespace
}  // namespace keyward::azure
