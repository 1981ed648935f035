#include "providers/azure/arm/credential.h"

#include <gtest/gtest.h>

#include "providers/azure/arm/arm_client_test_util.h"
#include "providers/azure/arm/azure_cli_credential.h"
#include "providers/azure/arm/process.h"
#include "providers/azure/arm/token_claims.h"

namespace keyward::azure {
namespace {

using std::chrono::seconds;
using testing::FakeClock;

// What GetToken fails with; a token instead fails the test.
Error TokenError(TokenCredential& credential) {
  Context ctx;
  auto token = credential.GetToken({}, ctx);
  EXPECT_FALSE(token) << "got a token";
  return token ? Error{} : token.error();
}

TEST(CredentialTest, ExpiresInAsNumberOrNumericString) {
  FakeClock clock;
  auto a = ParseTokenResponse(R"({"token_type":"Bearer","expires_in":3599,"access_token":"t1"})",
                              clock.Now());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->token, "t1");
  EXPECT_EQ(a->expires_on, clock.Now() + seconds(3599));
  auto b = ParseTokenResponse(R"({"expires_in":"3599","access_token":"t2","expires_on":"1"})",
                              clock.Now());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->expires_on, clock.Now() + seconds(3599));  // expires_in wins
}

TEST(CredentialTest, ExpiresOnAsEpochRfc3339OrRfc1123) {
  auto epoch = std::chrono::system_clock::from_time_t(1506484173);
  const auto now = epoch - std::chrono::minutes(50);  // parsed when the token was fresh
  auto a = ParseTokenResponse(R"({"access_token":"t","expires_on":1506484173})", now);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->expires_on, epoch);
  auto b = ParseTokenResponse(R"({"access_token":"t","expires_on":"1506484173"})", now);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->expires_on, epoch);
  auto c = ParseTokenResponse(R"({"access_token":"t","expires_on":"2017-09-27T03:49:33Z"})", now);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expires_on, epoch);
  auto d = ParseTokenResponse(
      R"({"access_token":"t","expires_on":"2017-09-27T05:49:33.123+02:00"})", now);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->expires_on, epoch);
  auto e = ParseTokenResponse(
      R"({"access_token":"t","expires_on":"Wed, 27 Sep 2017 03:49:33 GMT"})", now);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->expires_on, epoch);
}

TEST(CredentialTest, TokenLifetimesAreClampedAndExpiredTokensRefused) {
  FakeClock clock;
  const auto now = clock.Now();
  // 10^300 seconds used to overflow the clock; a day is the most keyward believes.
  auto huge = ParseTokenResponse(R"({"access_token":"t","expires_in":1e300})", now);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->expires_on, now + std::chrono::hours(24));
  auto far = ParseTokenResponse(R"({"access_token":"t","expires_on":"2199-01-01T00:00:00Z"})", now);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->expires_on, now + std::chrono::hours(24));
  for (const char* body :
       {R"({"access_token":"t","expires_in":-5})", R"({"access_token":"t","expires_in":0})",
        R"({"access_token":"t","expires_on":1000000000})",
        R"({"access_token":"t","expires_on":"9999-12-31T23:59:59Z"})",
        R"({"access_token":"t","expires_on":1e300})",
        R"({"access_token":"t","expires_on":"Fri, 31 Dec 9999 23:59:59 GMT"})"}) {
    EXPECT_FALSE(ParseTokenResponse(body, now)) << body;
  }
}

TEST(CredentialTest, ShortZoneOffsetsAreRefusedNotOverread) {
  FakeClock clock;
  // "+1:2" is five characters short of "+01:00"; the parser used to step six characters on.
  for (const char* expiry : {"2099-01-01T00:00:00+1:2", "2099-01-01T00:00:00+",
                             "2099-01-01T00:00:00+01:0", "2099-01-01T00:00:00+0100"}) {
    auto token = ParseTokenResponse(
        std::string(R"({"access_token":"t","expires_on":")") + expiry + "\"}", clock.Now());
    EXPECT_FALSE(token) << expiry;
  }
  EXPECT_TRUE(ParseTokenResponse(R"({"access_token":"t","expires_on":"2099-01-01T00:00:00+01:00"})",
                                 clock.Now()));
}

TEST(CredentialTest, MalformedTokenResponsesAreErrorsWithoutTheBody) {
  FakeClock clock;
  for (const char* body :
       {"", "nope", "[]", R"({"expires_in":1})", R"({"access_token":"canary-tok"})",
        R"({"access_token":"canary-tok","expires_in":"soon"})"}) {
    auto token = ParseTokenResponse(body, clock.Now());
    ASSERT_FALSE(token) << body;
    EXPECT_EQ(token.error().message.find("canary"), std::string::npos);
  }
}

TEST(CredentialTest, DescribesStsErrorsFromErrorAndDescription) {
  std::string message = DescribeTokenError(
      401,
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"})");
  EXPECT_EQ(message,
            "token request failed (HTTP 401): invalid_client: AADSTS7000215: Invalid client secret "
            "provided.");
  EXPECT_EQ(DescribeTokenError(500, "<html>"), "token request failed (HTTP 500)");
}

TEST(CredentialTest, FormEncodingEscapesReservedCharacters) {
  EXPECT_EQ(FormUrlEncode("https://management.azure.com/.default"),
            "https%3A%2F%2Fmanagement.azure.com%2F.default");
  EXPECT_EQ(FormUrlEncode("a b+c&d=e~"), "a%20b%2Bc%26d%3De~");
}

// A token cache on a fake clock, counting the fetches it makes.
class TokenCacheTest : public ::testing::Test {
 protected:
  // Fetches tokens valid for `lifetime`, named t1, t2, ... in fetch order.
  std::function<Result<AccessToken>()> Tokens(seconds lifetime) {
    return [this, lifetime]() -> Result<AccessToken> {
      ++fetches_;
      return AccessToken{"t" + std::to_string(fetches_), clock_.Now() + lifetime};
    };
  }
  Result<AccessToken> Get(const std::function<Result<AccessToken>()>& fetch) {
    return cache_.GetOrFetch(clock_.Now(), fetch);
  }

  FakeClock clock_;
  TokenCache cache_;
  int fetches_ = 0;
};

TEST_F(TokenCacheTest, RefreshesFiveMinutesBeforeExpiry) {
  const auto fetch = Tokens(seconds(3600));
  EXPECT_EQ(Get(fetch)->token, "t1");
  clock_.Advance(seconds(3600 - 301));
  EXPECT_EQ(Get(fetch)->token, "t1");
  clock_.Advance(seconds(2));
  EXPECT_EQ(Get(fetch)->token, "t2");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(TokenCacheTest, ShortLivedTokensAreCachedForHalfTheirLife) {
  const auto fetch = Tokens(seconds(120));
  ASSERT_TRUE(Get(fetch));
  clock_.Advance(seconds(59));
  ASSERT_TRUE(Get(fetch));
  EXPECT_EQ(fetches_, 1);
  clock_.Advance(seconds(2));
  ASSERT_TRUE(Get(fetch));
  EXPECT_EQ(fetches_, 2);
}

TEST_F(TokenCacheTest, FailedFetchIsNotCached) {
  const auto fetch = [this]() -> Result<AccessToken> {
    ++fetches_;
    return MakeError(ErrorCode::kUnauthenticated, "no");
  };
  EXPECT_FALSE(Get(fetch));
  EXPECT_FALSE(Get(fetch));
  EXPECT_EQ(fetches_, 2);
}

TEST(CredentialTest, EnvironmentCredentialNamesMissingVariables) {
  EnvironmentCredential credential({}, [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "AZURE_TENANT_ID") return "tenant";
    return std::nullopt;
  });
  EXPECT_FALSE(credential.configured());
  const Error error = TokenError(credential);
  EXPECT_EQ(error.code, ErrorCode::kUnauthenticated);
  EXPECT_NE(error.message.find("AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"), std::string::npos);
}

TEST(CredentialTest, ChainReportsEveryReasonWhenAllFail) {
  auto nothing = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  ChainedTokenCredential chain(
      {std::make_shared<EnvironmentCredential>(ClientSecretCredentialOptions{}, nothing),
       std::make_shared<EnvironmentCredential>(ClientSecretCredentialOptions{}, nothing)});
  const Error error = TokenError(chain);
  EXPECT_EQ(error.code, ErrorCode::kUnauthenticated);
  EXPECT_NE(error.message.find("no credential in the chain"), std::string::npos);
  EXPECT_NE(error.message.find("EnvironmentCredential: environment variables not set"),
            std::string::npos);
}

// Answers from a script and counts calls.
class FakeCredential : public TokenCredential {
 public:
  FakeCredential(std::string name, Result<AccessToken> answer)
      : name_(std::move(name)), answer_(std::move(answer)) {}
  Result<AccessToken> GetToken(const TokenRequest&, const Context&) override {
    ++calls;
    return answer_;
  }
  std::string Name() const override { return name_; }
  int calls = 0;

 private:
  std::string name_;
  Result<AccessToken> answer_;
};

TEST(CredentialTest, ChainSkipsUnavailableSourcesAndSticksToTheWinner) {
  auto unavailable = std::make_shared<FakeCredential>(
      "A", tl::unexpected(CredentialUnavailable("A: environment variables not set: X")));
  auto winner = std::make_shared<FakeCredential>("B", AccessToken{"t", {}});
  auto never = std::make_shared<FakeCredential>("C", AccessToken{"u", {}});
  ChainedTokenCredential chain({unavailable, winner, never});
  Context ctx;
  EXPECT_EQ(chain.SelectedName(), "");
  ASSERT_EQ(chain.GetToken({}, ctx)->token, "t");
  ASSERT_EQ(chain.GetToken({}, ctx)->token, "t");
  EXPECT_EQ(chain.SelectedName(), "B");
  EXPECT_EQ(unavailable->calls, 1);
  EXPECT_EQ(winner->calls, 2);
  EXPECT_EQ(never->calls, 0);
}

TEST(CredentialTest, ChainStopsAtAConfiguredSourceThatFails) {
  // A wrong secret must not silently fall through to another identity (a developer's az login).
  auto broken = std::make_shared<FakeCredential>(
      "A", MakeError(ErrorCode::kUnauthenticated, "A: invalid_client: AADSTS7000215"));
  auto other = std::make_shared<FakeCredential>("B", AccessToken{"t", {}});
  ChainedTokenCredential chain({broken, other});
  const Error error = TokenError(chain);
  EXPECT_EQ(error.code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(error.message,
            "A is configured but failed, so the chain stopped there (unset its variables to skip "
            "it):\n  A: invalid_client: AADSTS7000215");
  EXPECT_EQ(other->calls, 0);
  EXPECT_EQ(chain.SelectedName(), "");
}

TEST(CredentialTest, RefusesToSendASecretOverPlainHttp) {
  ClientSecretCredentialOptions options;
  options.authority_host = "http://login.example/";
  ClientSecretCredential credential("t", "c", "canary-secret", options);
  const Error error = TokenError(credential);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message.find("canary"), std::string::npos);
}

TEST(CredentialTest, ArmScopeFollowsTheEndpoint) {
  EXPECT_EQ(ArmScopeFor("https://management.azure.com"), "https://management.azure.com/.default");
  EXPECT_EQ(ArmScopeFor("https://management.usgovcloudapi.net/"),
            "https://management.usgovcloudapi.net/.default");
  EXPECT_EQ(ArmScopeFor("https://127.0.0.1:8443//"), "https://127.0.0.1:8443/.default");
}

TEST(CredentialTest, AzureCliOutputPrefersPosixExpiresOn) {
  auto a = ParseAzureCliToken(
      R"({"accessToken":"t","expiresOn":"2017-09-27 03:49:33.000000","expires_on":1506484173,"tokenType":"Bearer"})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->token, "t");
  EXPECT_EQ(a->expires_on, std::chrono::system_clock::from_time_t(1506484173));
}

TEST(CredentialTest, AzureCliOutputFallsBackToLocalExpiresOn) {
  // Old az releases print only expiresOn, in local time.
  auto a = ParseAzureCliToken(R"({"accessToken":"t","expiresOn":"2017-09-27 03:49:33.123456"})");
  ASSERT_TRUE(a);
  struct tm tm = {};
  strptime("2017-09-27 03:49:33", "%Y-%m-%d %H:%M:%S", &tm);
  tm.tm_isdst = -1;
  EXPECT_EQ(a->expires_on, std::chrono::system_clock::from_time_t(mktime(&tm)));
}

TEST(CredentialTest, MalformedAzureCliOutputIsAnErrorWithoutTheToken) {
  for (const char* out : {"", "ERROR", "{}", R"({"accessToken":"canary-tok"})",
                          R"({"accessToken":"canary-tok","expiresOn":"tomorrow"})"}) {
    auto token = ParseAzureCliToken(out);
    ASSERT_FALSE(token) << out;
    EXPECT_EQ(token.error().message.find("canary"), std::string::npos);
  }
}

TEST(CredentialTest, DecodesClaimsWithoutPrintingTheToken) {
  // {"alg":"none"} .
  // {"tid":"t1","oid":"o1","azp":"a1","upn":"me@example.com","aud":"https://management.azure.com/","exp":1506484173}
  const std::string token =
      "eyJhbGciOiJub25lIn0."
      "eyJ0aWQiOiJ0MSIsIm9pZCI6Im8xIiwiYXpwIjoiYTEiLCJ1cG4iOiJtZUBleGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBz"
      "Oi8v"
      "bWFuYWdlbWVudC5henVyZS5jb20vIiwiZXhwIjoxNTA2NDg0MTczfQ.sig";
  auto claims = DecodeTokenClaims(token);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->tenant_id, "t1");
  EXPECT_EQ(claims->object_id, "o1");
  EXPECT_EQ(claims->app_id, "a1");  // v2 tokens: azp
  EXPECT_EQ(claims->user, "me@example.com");
  EXPECT_EQ(claims->audience, "https://management.azure.com/");
  EXPECT_EQ(claims->expires_on, std::chrono::system_clock::from_time_t(1506484173));
  for (const char* bad : {"canary", "canary.!!!.x", "a.bm90IGpzb24.c"}) {
    auto decoded = DecodeTokenClaims(bad);
    ASSERT_FALSE(decoded) << bad;
    EXPECT_EQ(decoded.error().message.find("canary"), std::string::npos);
  }
}

TEST(CredentialTest, FindsExecutablesOnPathLikeExecvp) {
  EXPECT_EQ(FindExecutable("sh", "/nonexistent:/bin"), std::optional<std::string>("/bin/sh"));
  EXPECT_EQ(FindExecutable("sh", "/nonexistent"), std::nullopt);
  EXPECT_EQ(FindExecutable("/bin/sh", ""), std::optional<std::string>("/bin/sh"));
}

TEST(CredentialTest, RunProcessCapturesOutputAndExitCode) {
  Context ctx;
  auto run = RunProcess({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"},
                        std::chrono::seconds(10), ctx);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->out, "out\n");
  EXPECT_EQ(run->err, "err\n");
  EXPECT_EQ(run->exit_code, 3);
  auto missing = RunProcess({"/nonexistent/az"}, std::chrono::seconds(10), ctx);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace keyward::azure
