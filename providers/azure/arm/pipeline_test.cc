#include "providers/azure/arm/pipeline.h"

#include <gtest/gtest.h>

#include "providers/azure/arm/arm_client_test_util.h"

namespace keyward::azure {
namespace {

using testing::FakeClock;
using testing::ScriptedTransport;

constexpr char kCanary[] = "CANARY-5ecret-value-0xDEADBEEF";

class StaticCredential : public TokenCredential {
 public:
  Result<AccessToken> GetToken(const TokenRequest&, const Context& ctx) override {
    ++calls;
    return AccessToken{kCanary, ctx.clock->Now() + std::chrono::hours(1)};
  }
  std::string Name() const override { return "StaticCredential"; }
  int calls = 0;
};

struct Harness {
  FakeClock clock;
  Context ctx;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<StaticCredential> credential = std::make_shared<StaticCredential>();
  ArmMetrics metrics;
  std::vector<std::string> lines;
  std::unique_ptr<HttpPipeline> pipeline;

  Harness() {
    ctx.clock = &clock;
    LogSink sink = [this](LogLevel, const std::string& line) { lines.push_back(line); };
    RetryOptions retry;
    retry.base_delay = std::chrono::milliseconds(1);
    std::vector<std::unique_ptr<HttpPolicy>> policies;
    policies.push_back(std::make_unique<RequestIdPolicy>());
    policies.push_back(std::make_unique<UserAgentPolicy>("keyward/0.1.0"));
    policies.push_back(std::make_unique<RetryPolicy>(
        retry, [] { return 0.5; }, &metrics, sink));
    policies.push_back(std::make_unique<BearerTokenPolicy>(credential, TokenRequest{}));
    policies.push_back(std::make_unique<LoggingPolicy>(sink, &metrics));
    pipeline = std::make_unique<HttpPipeline>(std::move(policies), transport);
  }
};

TEST(PipelineTest, LogsNeverContainTokensSecretsOrBodies) {
  Harness h;
  h.transport->PushStatus(503, {{"x-ms-request-id", "r1"}},
                          std::string("{\"echo\":\"") + kCanary + "\"}");
  h.transport->PushStatus(200, {{"x-ms-request-id", "r2"}, {"Set-Cookie", kCanary}},
                          std::string("{\"value\":\"") + kCanary + "\"}");
  HttpRequest request;
  request.method = HttpMethod::kPut;
  request.url =
      std::string(
          "https://arm.test/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/"
          "vaults/kv/secrets/db?api-version=2024-11-01&sig=") +
      kCanary + "&client_secret=" + kCanary;
  request.body = std::string("{\"properties\":{\"value\":\"") + kCanary + "\"}}";
  request.sensitive = true;
  auto response = h.pipeline->Send(request, h.ctx);
  ASSERT_TRUE(response);
  ASSERT_EQ(h.transport->sent().size(), 2u);
  // The transport did get the token, per try.
  EXPECT_EQ(h.transport->sent()[1].headers.GetOr("Authorization"),
            std::string("Bearer ") + kCanary);
  EXPECT_EQ(h.credential->calls, 2);
  ASSERT_GE(h.lines.size(), 3u);  // two tries + one retry line
  for (const std::string& line : h.lines) {
    EXPECT_EQ(line.find(kCanary), std::string::npos) << line;
    EXPECT_EQ(line.find("Bearer"), std::string::npos) << line;
  }
  EXPECT_NE(h.lines.back().find("PUT https://arm.test/subscriptions/s/"), std::string::npos);
  EXPECT_NE(h.lines.back().find("-> 200"), std::string::npos);
  EXPECT_NE(h.lines.back().find("request-id=r2"), std::string::npos);
  EXPECT_NE(h.lines.back().find("sig=REDACTED"), std::string::npos);
}

TEST(PipelineTest, ClientRequestIdIsStableAcrossRetriesAndUserAgentIsSet) {
  Harness h;
  h.transport->PushStatus(500);
  h.transport->PushStatus(200);
  HttpRequest request;
  request.url = "https://arm.test/subscriptions/s?api-version=2021-04-01";
  ASSERT_TRUE(h.pipeline->Send(request, h.ctx));
  const auto& sent = h.transport->sent();
  ASSERT_EQ(sent.size(), 2u);
  std::string id = sent[0].headers.GetOr("x-ms-client-request-id");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');  // UUID v4
  EXPECT_EQ(sent[1].headers.GetOr("x-ms-client-request-id"), id);
  EXPECT_EQ(sent[0].headers.GetOr("user-agent"), "keyward/0.1.0");  // the harness's own policy
  EXPECT_EQ(h.metrics.Snapshot().requests_by_status.at(500), 1u);
  EXPECT_EQ(h.metrics.Snapshot().requests_by_status.at(200), 1u);
}

TEST(PipelineTest, RefusesToSendBearerTokenOverHttp) {
  Harness h;
  HttpRequest request;
  request.url = "http://arm.test/subscriptions/s";
  auto response = h.pipeline->Send(request, h.ctx);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(h.transport->sent().empty());
  EXPECT_EQ(h.credential->calls, 0);
}

TEST(PipelineTest, SanitizeUrlRedactsSensitiveQueryValuesOnly) {
  EXPECT_EQ(SanitizeUrl("https://h/p?api-version=1&sig=abc&$skipToken=xyz&Client_Secret=s"),
            "https://h/p?api-version=1&sig=REDACTED&$skipToken=xyz&Client_Secret=REDACTED");
  EXPECT_EQ(SanitizeUrl("https://h/p"), "https://h/p");
}

TEST(PipelineTest, UuidsAreUnique) { EXPECT_NE(NewUuid(), NewUuid()); }

TEST(PipelineTest, HeadersAreCaseInsensitive) {
  HttpHeaders headers;
  headers.Set("Retry-After", "5");
  EXPECT_EQ(headers.GetOr("retry-after"), "5");
  EXPECT_TRUE(headers.Contains("RETRY-AFTER"));
  headers.Set("RETRY-after", "6");
  EXPECT_EQ(headers.all().size(), 1u);
  EXPECT_EQ(headers.GetOr("Retry-After"), "6");
  headers.Remove("retry-AFTER");
  EXPECT_TRUE(headers.empty());
}

TEST(PipelineTest, SplitUrlNormalisesAuthority) {
  std::string authority, path;
  ASSERT_TRUE(
      SplitUrl("HTTPS://Management.Azure.com:443/subscriptions?x=1#frag", &authority, &path));
  EXPECT_EQ(authority, "https://management.azure.com:443");
  EXPECT_EQ(path, "/subscriptions?x=1");
  ASSERT_TRUE(SplitUrl("https://h?x=1", &authority, &path));
  EXPECT_EQ(path, "/?x=1");
  EXPECT_FALSE(SplitUrl("/relative", &authority, &path));
  EXPECT_FALSE(SplitUrl("ftp://h/", &authority, &path));
}

}  // namespace
}  // namespace keyward::azure
