// ArmClient pieces the emulator does not exercise (Azure-AsyncOperation polling, failure and
// deadline paths, path building), driven by a scripted transport and a fake clock. The happy
// paths run against the real emulator in arm_client_emulator_test.cc.
#include "providers/azure/arm/arm_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/azure/arm/arm_client_test_util.h"

namespace keyward::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;
using testing::ScriptedTransport;

class StaticCredential : public TokenCredential {
 public:
  Result<AccessToken> GetToken(const TokenRequest&, const Context& ctx) override {
    return AccessToken{"tok", ctx.clock->Now() + std::chrono::hours(1)};
  }
  std::string Name() const override { return "StaticCredential"; }
};

struct ClientHarness {
  FakeClock clock;
  Context ctx;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::unique_ptr<ArmClient> client;
  std::vector<std::string> log;

  explicit ClientHarness(int max_retries = 0) {
    ctx.clock = &clock;
    ArmClientOptions options;
    options.endpoint = "https://arm.test";
    options.credential = std::make_shared<StaticCredential>();
    options.transport = transport;
    options.retry.max_retries = max_retries;
    options.poll.default_interval = milliseconds(1000);
    options.poll.max_wait = milliseconds(10'000);
    options.log = [this](LogLevel, const std::string& line) { log.push_back(line); };
    client = std::make_unique<ArmClient>(std::move(options));
  }
  ArmResponse Initial(int status, std::vector<std::pair<std::string, std::string>> headers,
                      Json body = nullptr) {
    ArmResponse response;
    response.status = status;
    for (auto& [name, value] : headers) response.headers.Set(name, value);
    response.body = std::move(body);
    return response;
  }
};

TEST(ArmClientLroTest, AzureAsyncOperationThenFinalGetOfTheOriginalUrl) {
  ClientHarness h;
  h.transport->PushStatus(200, {{"Retry-After", "2"}}, R"({"status":"InProgress"})");
  h.transport->PushStatus(200, {}, R"({"status":"succeeded"})");
  h.transport->PushStatus(200, {},
                          R"({"name":"kv","properties":{"provisioningState":"Succeeded"}})");
  auto initial = h.Initial(
      201, {{"Azure-AsyncOperation", "https://arm.test/op/1?api-version=x"}, {"Retry-After", "1"}},
      Json::parse(R"({"properties":{"provisioningState":"Creating"}})"));
  auto done = h.client->PollUntilDone(initial, "/subscriptions/s/vaults/kv?api-version=x",
                                      HttpMethod::kPut, h.ctx);
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->body["name"], "kv");
  const auto& sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].url, "https://arm.test/op/1?api-version=x");
  EXPECT_EQ(sent[2].url, "https://arm.test/subscriptions/s/vaults/kv?api-version=x");
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)}));
}

TEST(ArmClientLroTest, FailedOperationReturnsItsErrorCode) {
  ClientHarness h;
  h.transport->PushStatus(
      200, {{"x-ms-request-id", "r7"}},
      R"({"status":"Failed","error":{"code":"AnotherOperationInProgress","message":"busy"}})");
  auto initial = h.Initial(
      202, {{"Azure-AsyncOperation", "https://arm.test/op/2"}, {"x-ms-client-request-id", "c7"}});
  auto done = h.client->PollUntilDone(initial, "/x", HttpMethod::kDelete, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kAborted);
  EXPECT_EQ(ArmCodeOf(done.error()), "AnotherOperationInProgress");
  EXPECT_EQ(ArmErrorOf(done.error())->request_id, "r7");
  EXPECT_EQ(ArmErrorOf(done.error())->client_request_id, "c7");
}

TEST(ArmClientLroTest, CancelledWithTwoLsIsNotTerminalAndMaxWaitStopsIt) {
  ClientHarness h;
  for (int i = 0; i < 20; ++i) h.transport->PushStatus(200, {}, R"({"status":"Cancelled"})");
  auto initial = h.Initial(202, {{"Operation-Location", "https://arm.test/op/3"}});
  auto done = h.client->PollUntilDone(initial, "/x?api-version=1", HttpMethod::kPost, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(done.error().message,
            "POST /x: long-running operation did not finish within 10s (the operation timeout); "
            "last state: Cancelled");
  // 10 s max wait / 1 s interval: the tenth poll would start at the deadline.
  EXPECT_EQ(h.transport->sent().size(), 9u);
}

TEST(ArmClientLroTest, SetTimeoutsChangesTheOperationTimeout) {
  ClientHarness h;
  for (int i = 0; i < 20; ++i) h.transport->PushStatus(200, {}, R"({"status":"InProgress"})");
  h.client->SetTimeouts(milliseconds(60'000), milliseconds(3'000));
  auto initial = h.Initial(202, {{"Azure-AsyncOperation", "https://arm.test/op/7"}});
  auto done = h.client->PollUntilDone(initial, "/x", HttpMethod::kDelete, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message,
            "DELETE /x: long-running operation did not finish within 3s (the operation timeout); "
            "last state: InProgress");
  // Polled at 1 s and 2 s (1 s apart); a third poll would start at the deadline.
  EXPECT_EQ(h.transport->sent().size(), 2u);
}

TEST(ArmClientLroTest, RetryAfterZeroDoesNotBecomeABusyLoop) {
  ClientHarness h;
  for (int i = 0; i < 20; ++i)
    h.transport->PushStatus(200, {{"Retry-After", "0"}}, R"({"status":"InProgress"})");
  auto initial =
      h.Initial(202, {{"Azure-AsyncOperation", "https://arm.test/op/8"}, {"Retry-After", "-5"}});
  auto done = h.client->PollUntilDone(initial, "/x", HttpMethod::kDelete, h.ctx);
  ASSERT_FALSE(done);
  for (milliseconds sleep : h.clock.sleeps()) EXPECT_GE(sleep, milliseconds(1'000));
}

TEST(ArmClientLroTest, PollingUrlsOnAnotherHostAreRefusedBeforeAnyPoll) {
  for (const char* header : {"Azure-AsyncOperation", "Operation-Location", "Location"}) {
    ClientHarness h;
    auto initial = h.Initial(202, {{header, "https://evil.test/op"}, {"x-ms-request-id", "r9"}});
    auto done = h.client->PollUntilDone(initial, "/vaults/kv", HttpMethod::kDelete, h.ctx);
    ASSERT_FALSE(done) << header;
    EXPECT_EQ(done.error().message, std::string("DELETE /vaults/kv: ") + header +
                                        ": refusing to follow a URL on another host "
                                        "(https://evil.test, endpoint is https://arm.test)");
    EXPECT_EQ(ArmErrorOf(done.error())->request_id, "r9");
    EXPECT_TRUE(h.transport->sent().empty()) << "the token never left for the other host";
  }
}

TEST(ArmClientLroTest, LocationPollingFollowsNewLocationsAndFailsOnErrorStatus) {
  ClientHarness h;
  h.transport->PushStatus(202, {{"Location", "https://arm.test/op/5"}});
  h.transport->PushStatus(409, {}, R"({"error":{"code":"ConflictError","message":"nope"}})");
  auto initial = h.Initial(202, {{"Location", "https://arm.test/op/4"}});
  auto done = h.client->PollUntilDone(initial, "/x", HttpMethod::kPost, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(ArmCodeOf(done.error()), "ConflictError");
  ASSERT_EQ(h.transport->sent().size(), 2u);
  EXPECT_EQ(h.transport->sent()[1].url, "https://arm.test/op/5");
}

TEST(ArmClientLroTest, BodyPollingReportsFailedProvisioning) {
  ClientHarness h;
  h.transport->PushStatus(200, {}, R"({"properties":{"provisioningState":"Failed"}})");
  auto initial =
      h.Initial(201, {}, Json::parse(R"({"properties":{"provisioningState":"Provisioning"}})"));
  auto done = h.client->PollUntilDone(initial, "/x", HttpMethod::kPut, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kFailedPrecondition);
}

// The log's re-submission lines, up to the request ids.
std::vector<std::string> Resubmissions(const std::vector<std::string>& log) {
  std::vector<std::string> out;
  for (const std::string& line : log) {
    if (line.rfind("re-submitting", 0) == 0) out.push_back(line.substr(0, line.find(" (status=")));
  }
  return out;
}

// A vault's create, body-polled: PUT answers RegisteringDns, the GET after it `final`.
void PushVaultCreate(ScriptedTransport& transport, const std::string& final) {
  transport.PushStatus(201, {},
                       R"({"name":"kv","properties":{"provisioningState":"RegisteringDns"}})");
  transport.PushStatus(200, {}, final);
}
constexpr char kVaultFailed[] = R"({"name":"kv","properties":{"provisioningState":"Failed"}})";
constexpr char kVaultSucceeded[] =
    R"({"name":"kv","properties":{"provisioningState":"Succeeded"}})";
const Json kVaultBody = {{"location", "westeurope"}, {"properties", Json::object()}};

TEST(ArmClientLroTest, AMarkedPutWhoseProvisioningFailedIsSubmittedOnceMore) {
  ClientHarness h;
  PushVaultCreate(*h.transport, kVaultFailed);
  PushVaultCreate(*h.transport, kVaultSucceeded);
  auto done = h.client->SendAndWait(HttpMethod::kPut, "/v/kv?api-version=x", kVaultBody, h.ctx,
                                    kSafeToRepeat);
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->provisioning_state(), "Succeeded");
  const auto& sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].method, HttpMethod::kPut);
  EXPECT_EQ(sent[2].method, HttpMethod::kPut);
  EXPECT_EQ(sent[2].body, sent[0].body);  // the same request, not a new one
  EXPECT_EQ(Resubmissions(h.log),
            (std::vector<std::string>{"re-submitting once, the operation failed on the service's "
                                      "side: PUT /v/kv: operation Failed: long-running operation "
                                      "ended in state Failed"}));
}

TEST(ArmClientLroTest, AFailedProvisioningIsSubmittedOnlyOnceMore) {
  ClientHarness h;
  PushVaultCreate(*h.transport, kVaultFailed);
  PushVaultCreate(*h.transport, kVaultFailed);
  PushVaultCreate(*h.transport, kVaultSucceeded);
  auto done = h.client->SendAndWait(HttpMethod::kPatch, "/v/kv?api-version=x", kVaultBody, h.ctx,
                                    kSafeToRepeat);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(h.transport->sent().size(), 4u);
}

TEST(ArmClientLroTest, AnUnmarkedPutWhoseProvisioningFailedIsNotSubmittedAgain) {
  ClientHarness h;
  PushVaultCreate(*h.transport, kVaultFailed);
  PushVaultCreate(*h.transport, kVaultSucceeded);
  auto done = h.client->SendAndWait(HttpMethod::kPut, "/v/kv?api-version=x", kVaultBody, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(h.transport->sent().size(), 2u);
  EXPECT_TRUE(Resubmissions(h.log).empty());
}

TEST(ArmClientLroTest, OnlyAFailureOnTheServicesSideOfAPutOrPatchIsSubmittedAgain) {
  // A code the service gave for the request itself would fail the same way again.
  {
    ClientHarness h;
    PushVaultCreate(*h.transport,
                    R"({"properties":{"provisioningState":"Failed",
                        "error":{"code":"QuotaExceeded","message":"no more vaults"}}})");
    PushVaultCreate(*h.transport, kVaultSucceeded);
    auto done = h.client->SendAndWait(HttpMethod::kPut, "/v/kv", kVaultBody, h.ctx, kSafeToRepeat);
    ASSERT_FALSE(done);
    EXPECT_EQ(ArmCodeOf(done.error()), "QuotaExceeded");
    EXPECT_EQ(h.transport->sent().size(), 2u);
  }
  // Canceled: someone else intervened; re-plan rather than repeat.
  {
    ClientHarness h;
    PushVaultCreate(*h.transport, R"({"properties":{"provisioningState":"Canceled"}})");
    PushVaultCreate(*h.transport, kVaultSucceeded);
    auto done = h.client->SendAndWait(HttpMethod::kPut, "/v/kv", kVaultBody, h.ctx, kSafeToRepeat);
    ASSERT_FALSE(done);
    EXPECT_EQ(h.transport->sent().size(), 2u);
  }
  // A POST is never submitted again, marked or not, even for InternalServerError.
  {
    ClientHarness h;
    h.transport->PushStatus(202, {{"Azure-AsyncOperation", "https://arm.test/op/9"}});
    h.transport->PushStatus(
        200, {}, R"({"status":"Failed","error":{"code":"InternalServerError","message":"x"}})");
    h.transport->PushStatus(202, {{"Azure-AsyncOperation", "https://arm.test/op/10"}});
    auto done =
        h.client->SendAndWait(HttpMethod::kPost, "/v/kv/purge", std::nullopt, h.ctx, kSafeToRepeat);
    ASSERT_FALSE(done);
    EXPECT_EQ(h.transport->sent().size(), 2u);
  }
  // InternalServerError on a marked PUT is the service's side: submitted again.
  {
    ClientHarness h;
    h.transport->PushStatus(201, {{"Azure-AsyncOperation", "https://arm.test/op/11"}},
                            R"({"properties":{"provisioningState":"Creating"}})");
    h.transport->PushStatus(
        200, {}, R"({"status":"Failed","error":{"code":"InternalServerError","message":"x"}})");
    PushVaultCreate(*h.transport, kVaultSucceeded);
    auto done = h.client->SendAndWait(HttpMethod::kPut, "/v/kv", kVaultBody, h.ctx, kSafeToRepeat);
    ASSERT_TRUE(done) << done.error().ToString();
    EXPECT_EQ(h.transport->sent().size(), 4u);
  }
}

TEST(ArmClientLroTest, DeleteOrPostAcceptedWithoutPollingUrlIsAnError) {
  ClientHarness h;
  auto done = h.client->PollUntilDone(h.Initial(202, {}), "/x", HttpMethod::kDelete, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kInternal);
  auto sync = h.client->PollUntilDone(h.Initial(200, {}), "/x", HttpMethod::kDelete, h.ctx);
  ASSERT_TRUE(sync);
  EXPECT_TRUE(h.transport->sent().empty());
}

TEST(ArmClientLroTest, CancellationStopsPolling) {
  ClientHarness h;
  h.ctx.cancelled->store(true);
  auto initial = h.Initial(202, {{"Location", "https://arm.test/op/6"}});
  auto done = h.client->PollUntilDone(initial, "/x", HttpMethod::kPost, h.ctx);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kCancelled);
}

TEST(ArmClientTest, ANameCheckMarkedSafeToRepeatIsRetriedOnA502OrAReset) {
  ClientHarness h(/*max_retries=*/3);
  const std::string check =
      "/subscriptions/s/providers/Microsoft.KeyVault/checkNameAvailability?api-version=x";
  const Json body = {{"name", "kv"}, {"type", "Microsoft.KeyVault/vaults"}};
  h.transport->PushStatus(502, {}, R"({"error":{"code":"BadGateway","message":"bad"}})");
  h.transport->Push(MakeError(ErrorCode::kUnavailable, "connection reset"));
  h.transport->PushStatus(200, {{"Content-Type", "application/json"}}, R"({"nameAvailable":true})");
  auto answer = h.client->Post(check, body, h.ctx, kSafeToRepeat);
  ASSERT_TRUE(answer) << answer.error().ToString();
  EXPECT_EQ(answer->body["nameAvailable"], true);
  ASSERT_EQ(h.transport->sent().size(), 3u);
  for (const HttpRequest& sent : h.transport->sent()) {
    EXPECT_EQ(sent.method, HttpMethod::kPost);
    EXPECT_TRUE(sent.safe_to_repeat);
  }
}

TEST(ArmClientTest, AnUnmarkedPostIsNotRetriedOnA502) {
  ClientHarness h(/*max_retries=*/3);
  h.transport->PushStatus(502, {}, R"({"error":{"code":"BadGateway","message":"bad"}})");
  h.transport->PushStatus(200, {{"Content-Type", "application/json"}}, "{}");
  auto answer = h.client->Post("/subscriptions/s/providers/X/doSomething?api-version=x",
                               Json::object(), h.ctx);
  ASSERT_FALSE(answer);
  EXPECT_EQ(ArmErrorOf(answer.error())->status, 502);
  EXPECT_EQ(h.transport->sent().size(), 1u);
  EXPECT_FALSE(h.transport->sent()[0].safe_to_repeat);
}

TEST(ArmClientTest, ListAllDetectsNextLinkLoops) {
  ClientHarness h;
  h.transport->PushStatus(200, {}, R"({"value":[{"id":"/a"}],"nextLink":"https://arm.test/p2"})");
  h.transport->PushStatus(200, {}, R"({"value":[],"nextLink":"https://arm.test/p2"})");
  auto items = h.client->ListAll("/p1", h.ctx);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, ErrorCode::kInternal);
}

TEST(ArmClientTest, ListAllRefusesAnswersThatAreNotPagesNamingTheListAndRequestId) {
  struct Case {
    int status;
    const char* content_type;
    const char* body;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {200, "text/html", "<html>hi</html>",
            "GET /p1: ARM answered 200 with Content-Type 'text/html', not JSON"},
           {200, "application/json", R"({"value":[)",
            "GET /p1: the 200 response body is not JSON (syntax error at byte 11 of 10)"},
           {200, "application/json", R"({"value":[null]})",
            "GET /p1: ARM list page: item 0 is null, not an object"},
           {200, "application/json", R"({})", "GET /p1: ARM list page has no `value` array"},
           {204, "application/json", "", "GET /p1: ARM list page is empty, not a page"},
           {200, "application/json", R"({"value":[],"nextLink":"https://evil.test/p2"})",
            "GET /p1: nextLink: refusing to follow a URL on another host (https://evil.test, "
            "endpoint is https://arm.test)"}}) {
    ClientHarness h;
    h.transport->PushStatus(
        c.status, {{"Content-Type", c.content_type}, {"x-ms-request-id", "req-42"}}, c.body);
    auto items = h.client->ListAll("/p1?api-version=1", h.ctx);
    ASSERT_FALSE(items) << c.body;
    EXPECT_EQ(items.error().code, ErrorCode::kInternal);
    EXPECT_EQ(items.error().message, c.message);
    EXPECT_EQ(ArmErrorOf(items.error())->request_id, "req-42") << c.body;
    EXPECT_EQ(h.transport->sent().size(), 1u) << "nothing was followed";
  }
}

TEST(ArmClientTest, TransportErrorsCarryTheClientRequestId) {
  ClientHarness h;
  h.transport->Push(MakeError(ErrorCode::kUnavailable, "connect failed"));
  auto get = h.client->Get("/subscriptions/s", h.ctx);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kUnavailable);
  auto arm = ArmErrorOf(get.error());
  ASSERT_TRUE(arm.has_value());
  EXPECT_EQ(arm->status, 0);
  EXPECT_EQ(arm->client_request_id, h.transport->sent()[0].headers.GetOr("x-ms-client-request-id"));
}

TEST(ArmClientTest, AnErrorQuotingTheSecretValueOfASensitiveRequestDoesNotRepeatIt) {
  ClientHarness h;
  constexpr char kValue[] = "canary-value-9c1e";
  h.transport->PushStatus(400, {},
                          std::string(R"({"error":{"code":"BadParameter","message":"The value ')") +
                              kValue + R"(' of properties.value is not valid","target":")" +
                              kValue + R"("}})");
  RequestOptions options;
  options.sensitive = true;
  const Json body = {{"properties", {{"value", kValue}, {"contentType", "text/plain"}}}};
  auto put = h.client->Put("/subscriptions/s/secrets/db?api-version=1", body, h.ctx, options);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().message.find(kValue), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("The value '(sensitive value)' of properties.value"),
            std::string::npos)
      << put.error().message;
  EXPECT_EQ(ArmCodeOf(put.error()), "BadParameter") << "the rest of the error is kept";

  // The same error for a request that carries nothing sensitive is kept as ARM sent it.
  h.transport->PushStatus(400, {}, R"({"error":{"code":"BadParameter","message":"tag 'x1234'"}})");
  auto patch = h.client->Patch("/subscriptions/s/vaults/kv?api-version=1",
                               {{"tags", {{"t", "x1234"}}}}, h.ctx);
  ASSERT_FALSE(patch);
  EXPECT_NE(patch.error().message.find("x1234"), std::string::npos);
}

TEST(ArmClientTest, PathsAreEncodedPerSegment) {
  EXPECT_EQ(
      VaultPath("sub", "rg (prod)", "kv1"),
      "/subscriptions/sub/resourceGroups/rg%20%28prod%29/providers/Microsoft.KeyVault/vaults/kv1");
  EXPECT_EQ(WithApiVersion(ResourceGroupPath("s", "a/b"), kResourcesApiVersion),
            "/subscriptions/s/resourceGroups/a%2Fb?api-version=2021-04-01");
  EXPECT_EQ(WithQuery("/x?api-version=1", "$top", "2"), "/x?api-version=1&$top=2");
  EXPECT_EQ(DeletedVaultPath("s", "westeurope", "kv"),
            "/subscriptions/s/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv");
}

TEST(ArmClientTest, ResolvesSameHostUrlsOnly) {
  ClientHarness h;
  EXPECT_EQ(*h.client->ResolveUrl("/a?b=1"), "https://arm.test/a?b=1");
  EXPECT_EQ(*h.client->ResolveUrl("https://ARM.test:443/a"), "https://arm.test/a");
  EXPECT_FALSE(h.client->ResolveUrl("https://arm.test.evil/a"));
  EXPECT_FALSE(h.client->ResolveUrl("http://arm.test/a"));
  EXPECT_FALSE(h.client->ResolveUrl("relative"));
}

}  // namespace
}  // namespace keyward::azure
