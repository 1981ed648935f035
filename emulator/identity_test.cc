// Fake Entra ID token endpoint and ARM authentication, through the real binary over HTTPS.
#include <gtest/gtest.h>

#include <thread>

#include "emulator/emulator_test_util.h"
#include "emulator/jwt.h"
#include "emulator/util.h"

namespace keyward::emulator::test {
namespace {

class IdentityTest : public EmulatorTest {
 protected:
  HttpsResult Token(const std::string& tenant, const std::string& form,
                    keyward::testing::Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return HttpsRequest("POST", emulator_->endpoint() + "/" + tenant + "/oauth2/v2.0/token",
                        headers, form, emulator_->ca_file());
  }
  static std::string Form(const std::string& id, const std::string& secret,
                          const std::string& scope) {
    return "grant_type=client_credentials&client_id=" + FormEncode(id) +
           "&client_secret=" + FormEncode(secret) + "&scope=" + FormEncode(scope);
  }
};

TEST_F(IdentityTest, ClientSecretTokenHasAadShapeAndJwtClaims) {
  auto r =
      Token(kTenantId, Form(kClientId, kClientSecret, "https://management.azure.com/.default"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 3599);
  EXPECT_EQ(body["ext_expires_in"], 3599);
  std::string token = body["access_token"];
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string payload;
  ASSERT_TRUE(Base64UrlDecode(token.substr(first + 1, second - first - 1), &payload));
  json claims = json::parse(payload);
  EXPECT_EQ(claims["tid"], kTenantId);
  EXPECT_EQ(claims["oid"], keyward::testing::kObjectId);
  EXPECT_EQ(claims["appid"], kClientId);
  EXPECT_EQ(claims["aud"], "https://management.azure.com/");
  EXPECT_EQ(claims["exp"].get<long long>() - claims["iat"].get<long long>(), 3599);
  EXPECT_TRUE(claims.contains("nbf"));
  EXPECT_TRUE(claims.contains("iss"));
}

TEST_F(IdentityTest, EmulatorBaseUrlScopeAndClientRequestIdQueryAreAccepted) {
  auto r = HttpsRequest(
      "POST",
      emulator_->endpoint() + "/" + kTenantId + "/oauth2/v2.0/token?client-request-id=0000-1111",
      {{"Content-Type", "application/x-www-form-urlencoded"}},
      Form(kClientId, kClientSecret, emulator_->endpoint() + "/.default") +
          "&x-client-SKU=msal.js.node",
      emulator_->ca_file());
  ASSERT_EQ(r.status, 200) << r.body;
  std::string token = r.Json()["access_token"];
  auto rg = ArmRequest(*emulator_, token, "GET", RgPath("nope") + "?" + kRgApi);
  EXPECT_EQ(rg.status, 404) << rg.body;  // authenticated; the group just does not exist
}

TEST_F(IdentityTest, HttpBasicClientAuthenticationIsAccepted) {
  std::string basic = std::string(kClientId) + ":" + kClientSecret;
  std::string encoded = Base64UrlEncode(basic);  // '-'/'_' are tolerated as well as '+'/'/'
  while (encoded.size() % 4) encoded += '=';
  auto r = Token(
      kTenantId,
      "grant_type=client_credentials&scope=" + FormEncode("https://management.azure.com/.default"),
      {{"Authorization", "Basic " + encoded}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(IdentityTest, WrongSecretIsInvalidClient401WithAadstsFields) {
  auto r = Token(kTenantId, Form(kClientId, "wrong", "https://management.azure.com/.default"));
  EXPECT_EQ(r.status, 401);
  json body = r.Json();
  EXPECT_EQ(body["error"], "invalid_client");
  EXPECT_EQ(body["error_codes"][0], 7000215);
  EXPECT_NE(body["error_description"].get<std::string>().find("AADSTS7000215"), std::string::npos);
  for (const char* field : {"timestamp", "trace_id", "correlation_id"}) {
    EXPECT_TRUE(body.contains(field)) << field;
  }
  EXPECT_EQ(emulator_->Stdout().find("wrong"), std::string::npos) << "secrets must not be logged";
}

TEST_F(IdentityTest, UnknownClientIsInvalidClient) {
  auto r = Token(kTenantId, Form("00000000-0000-0000-0000-000000000001", kClientSecret,
                                 "https://management.azure.com/.default"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"], "invalid_client");
}

TEST_F(IdentityTest, BadScopeIsInvalidScope400) {
  auto r =
      Token(kTenantId, Form(kClientId, kClientSecret, "https://graph.microsoft.com/User.Read"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_scope");
  EXPECT_EQ(r.Json()["error_codes"][0], 1002012);
}

TEST_F(IdentityTest, PrincipalFromAnotherTenantIsUnauthorizedClient) {
  auto r = Token("11111111-1111-1111-1111-111111111111",
                 Form(kClientId, kClientSecret, "https://management.azure.com/.default"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "unauthorized_client");
}

TEST_F(IdentityTest, MissingGrantTypeIsInvalidRequest) {
  auto r = Token(kTenantId, "client_id=" + FormEncode(kClientId));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_request");
}

TEST_F(IdentityTest, OpenIdConfigurationListsEndpoints) {
  auto r = HttpsRequest(
      "GET", emulator_->endpoint() + "/" + kTenantId + "/v2.0/.well-known/openid-configuration", {},
      "", emulator_->ca_file());
  ASSERT_EQ(r.status, 200);
  json body = r.Json();
  EXPECT_EQ(body["token_endpoint"], emulator_->endpoint() + "/" + kTenantId + "/oauth2/v2.0/token");
  for (const char* field :
       {"issuer", "authorization_endpoint", "end_session_endpoint", "jwks_uri"}) {
    EXPECT_TRUE(body[field].is_string()) << field;
  }
}

TEST_F(IdentityTest, ArmCallWithoutTokenIsAuthenticationFailedWithWwwAuthenticate) {
  auto r = ArmRequest(*emulator_, "", "GET", RgPath("rg") + "?" + kRgApi);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"]["code"], "AuthenticationFailed");
  EXPECT_NE(r.Header("WWW-Authenticate").find("Bearer"), std::string::npos);
}

TEST_F(IdentityTest, TamperedTokenIsInvalidAuthenticationToken) {
  // Flip a character well inside the signature: the last base64url character of an RSA
  // signature carries padding bits, so changing it may leave the decoded bytes the same.
  std::string bad = token_;
  char& c = bad[bad.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  auto r = ArmRequest(*emulator_, bad, "GET", RgPath("rg") + "?" + kRgApi);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"]["code"], "InvalidAuthenticationToken");
  auto garbage = ArmRequest(*emulator_, "not-a-jwt", "GET", RgPath("rg") + "?" + kRgApi);
  EXPECT_EQ(garbage.Json()["error"]["code"], "InvalidAuthenticationToken");
}

TEST_F(IdentityTest, TokenSurvivesRestartBecauseTheKeyIsPersisted) {
  emulator_->Restart();
  auto r = Call("GET", RgPath("rg") + "?" + kRgApi);
  EXPECT_EQ(r.status, 404) << r.body;  // not 401
}

TEST(IdentityExpiryTest, ExpiredTokenIsExpiredAuthenticationToken) {
  EmulatorOptions options;
  options.extra_args = {"--token-lifetime-seconds", "1"};
  auto emulator = EmulatorProcess::Start(options);
  ASSERT_NE(emulator, nullptr);
  std::string token = keyward::testing::GetToken(*emulator);
  ASSERT_FALSE(token.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto r = ArmRequest(*emulator, token, "GET", RgPath("rg") + "?" + kRgApi);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["error"]["code"], "ExpiredAuthenticationToken");
}

TEST(JwtTest, SignedTokenVerifiesAndTamperingIsDetected) {
  std::string key(32, 'k');
  std::string token = SignJwt({{"oid", "x"}}, key);
  json claims;
  ASSERT_EQ(VerifyJwt(token, key, &claims), JwtVerdict::kValid);
  EXPECT_EQ(claims["oid"], "x");
  EXPECT_EQ(VerifyJwt(token, std::string(32, 'j'), &claims), JwtVerdict::kBadSignature);
  EXPECT_EQ(VerifyJwt("a.b", key, &claims), JwtVerdict::kMalformed);
  // alg "none" with an empty signature must not verify.
  std::string none =
      Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(R"({"oid":"x"})") + ".";
  EXPECT_NE(VerifyJwt(none, key, &claims), JwtVerdict::kValid);
}

}  // namespace
}  // namespace keyward::emulator::test
