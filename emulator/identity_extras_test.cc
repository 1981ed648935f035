// Identity extras through the real binary over HTTPS: the client_assertion grant, the IMDS- and
// App-Service-shaped managed-identity endpoints, and prompt shutdown with idle keep-alive clients.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "emulator/emulator_test_util.h"
#include "emulator/util.h"

namespace keyward::emulator::test {
namespace {

constexpr char kMiClient[] = "3f3c8f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
constexpr char kMiObject[] = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d";

std::string UnsignedJwt(const json& claims) {
  return Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." + Base64UrlEncode(claims.dump()) +
         "." + Base64UrlEncode("not-checked");
}

json Claims(const std::string& token) {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string payload;
  EXPECT_TRUE(Base64UrlDecode(token.substr(first + 1, second - first - 1), &payload));
  return json::parse(payload);
}

class IdentityExtrasTest : public EmulatorTest {
 protected:
  void SetUp() override {
    StartWith(WithArgs({"--principal",
                        std::string(kTenantId) + ":" + kMiClient + ":mi-secret:" + kMiObject,
                        "--managed-identity", kMiClient, "--identity-header", "hdr-secret"}));
  }
  HttpsResult Assertion(
      const std::string& assertion,
      const std::string& type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return HttpsRequest("POST", emulator_->endpoint() + "/" + kTenantId + "/oauth2/v2.0/token",
                        {{"Content-Type", "application/x-www-form-urlencoded"}},
                        "grant_type=client_credentials&client_id=" + FormEncode(kClientId) +
                            "&scope=" + FormEncode("https://management.azure.com/.default") +
                            "&client_assertion_type=" + FormEncode(type) +
                            "&client_assertion=" + FormEncode(assertion),
                        emulator_->ca_file());
  }
  json FederatedClaims(double exp_offset = 600) {
    double now = WallClockNow();
    return {{"iss", "https://token.actions.githubusercontent.com"},
            {"sub", "repo:org/keyward:ref:refs/heads/main"},
            {"aud", "api://AzureADTokenExchange"},
            {"iat", static_cast<long long>(now)},
            {"exp", static_cast<long long>(now + exp_offset)}};
  }
  HttpsResult Get(const std::string& path, keyward::testing::Headers headers = {}) {
    return HttpsRequest("GET", emulator_->endpoint() + path, headers, "", emulator_->ca_file());
  }
  std::string Rgs() {
    return "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) + "/resourcegroups?" +
           kRgApi;
  }
};

TEST_F(IdentityExtrasTest, FederatedClientAssertionGetsATokenThatArmAccepts) {
  auto r = Assertion(UnsignedJwt(FederatedClaims()));
  ASSERT_EQ(r.status, 200) << r.body;
  std::string token = r.Json()["access_token"];
  EXPECT_EQ(Claims(token)["appid"], kClientId);
  EXPECT_EQ(Claims(token)["oid"], keyward::testing::kObjectId);
  EXPECT_EQ(keyward::testing::ArmRequest(*emulator_, token, "GET", Rgs()).status, 200);
}

TEST_F(IdentityExtrasTest, CertificateStyleAssertionWithTokenEndpointAudienceIsAccepted) {
  json claims = FederatedClaims();
  claims["iss"] = kClientId;
  claims["sub"] = kClientId;
  claims["aud"] = emulator_->endpoint() + "/" + kTenantId + "/oauth2/v2.0/token";
  EXPECT_EQ(Assertion(UnsignedJwt(claims)).status, 200);
  claims["sub"] = "someone-else";
  EXPECT_EQ(Assertion(UnsignedJwt(claims)).status, 400);
}

TEST_F(IdentityExtrasTest, BadAssertionsAreRejected) {
  EXPECT_EQ(Assertion("not-a-jwt").Json()["error"], "invalid_request");
  EXPECT_EQ(Assertion(UnsignedJwt(FederatedClaims())).status, 200);
  auto expired = Assertion(UnsignedJwt(FederatedClaims(-10)));
  EXPECT_EQ(expired.status, 400);
  EXPECT_EQ(expired.Json()["error_codes"][0], 700024);
  json no_sub = FederatedClaims();
  no_sub.erase("sub");
  EXPECT_EQ(Assertion(UnsignedJwt(no_sub)).status, 400);
  json wrong_aud = FederatedClaims();
  wrong_aud["aud"] = "https://example.com";
  EXPECT_EQ(Assertion(UnsignedJwt(wrong_aud)).Json()["error_codes"][0], 700212);
  EXPECT_EQ(Assertion(UnsignedJwt(FederatedClaims()), "urn:something-else").status, 400);
}

TEST_F(IdentityExtrasTest, ImdsEndpointIssuesStringValuedTokensForTheManagedIdentity) {
  const std::string path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                           FormEncode("https://management.azure.com/");
  auto r = Get(path, {{"Metadata", "true"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  for (const char* key : {"access_token", "refresh_token", "expires_in", "expires_on", "not_before",
                          "resource", "token_type"}) {
    ASSERT_TRUE(body.contains(key)) << key;
    EXPECT_TRUE(body[key].is_string()) << key;
  }
  EXPECT_EQ(body["expires_in"], "3599");
  EXPECT_EQ(body["resource"], "https://management.azure.com/");
  std::string token = body["access_token"];
  EXPECT_EQ(Claims(token)["oid"], kMiObject);
  EXPECT_EQ(keyward::testing::ArmRequest(*emulator_, token, "GET", Rgs()).status, 200);

  // User-assigned by client_id / object_id picks that principal.
  auto by_client = Get(path + "&client_id=" + kClientId, {{"Metadata", "true"}});
  EXPECT_EQ(Claims(by_client.Json()["access_token"])["appid"], kClientId);
  auto by_object = Get(path + "&object_id=" + keyward::testing::kObjectId, {{"Metadata", "true"}});
  EXPECT_EQ(Claims(by_object.Json()["access_token"])["appid"], kClientId);
  EXPECT_EQ(Get(path + "&msi_res_id=/subscriptions/x/rg/y", {{"Metadata", "true"}}).status, 200);
}

TEST_F(IdentityExtrasTest, ImdsRejectsBadInput) {
  const std::string path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                           FormEncode("https://management.azure.com/");
  auto no_header = Get(path);
  EXPECT_EQ(no_header.status, 400);
  EXPECT_EQ(no_header.Json()["error"], "invalid_request");
  EXPECT_EQ(Get("/metadata/identity/oauth2/token", {{"Metadata", "true"}}).status, 400);
  EXPECT_EQ(Get("/metadata/identity/oauth2/token?resource=https://management.azure.com/",
                {{"Metadata", "true"}})
                .status,
            400);
  EXPECT_EQ(
      Get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.example",
          {{"Metadata", "true"}})
          .Json()["error"],
      "invalid_resource");
  EXPECT_EQ(
      Get(path + "&client_id=00000000-0000-0000-0000-000000000000", {{"Metadata", "true"}}).status,
      400);
}

TEST_F(IdentityExtrasTest, AppServiceEndpointNeedsTheIdentityHeader) {
  const std::string path =
      "/msi/token?api-version=2019-08-01&resource=" + FormEncode("https://management.azure.com");
  auto r = Get(path, {{"X-IDENTITY-HEADER", "hdr-secret"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  EXPECT_TRUE(body["expires_on"].is_string());
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["client_id"], kMiClient);
  EXPECT_EQ(keyward::testing::ArmRequest(*emulator_, body["access_token"], "GET", Rgs()).status,
            200);
  EXPECT_EQ(Get(path).status, 401);
  EXPECT_EQ(Get(path, {{"X-IDENTITY-HEADER", "wrong"}}).status, 401);
  EXPECT_EQ(Get("/msi/token?api-version=2017-09-01&resource=https://management.azure.com",
                {{"X-IDENTITY-HEADER", "hdr-secret"}})
                .status,
            400);
  auto by_client = Get(path + "&client_id=" + kClientId, {{"X-IDENTITY-HEADER", "hdr-secret"}});
  EXPECT_EQ(by_client.Json()["client_id"], kClientId);
}

TEST(ShutdownTest, SigtermWithAnIdleKeepAliveConnectionStopsInUnderASecond) {
  auto emulator = keyward::testing::EmulatorProcess::Start({});
  ASSERT_NE(emulator, nullptr);
  // A raw keep-alive TLS connection that stays open and idle (openssl s_client, like a pooled
  // SDK connection).
  std::string port = emulator->endpoint().substr(emulator->endpoint().rfind(':') + 1);
  std::string command =
      "(printf 'GET /_emulator/health HTTP/1.1\\r\\nHost: x\\r\\nConnection: "
      "keep-alive\\r\\n\\r\\n';"
      " sleep 8) | timeout 10 openssl s_client -quiet -connect 127.0.0.1:" +
      port + " >/dev/null 2>&1 &";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(emulator->pid(), SIGTERM), 0);
  // Exited = a zombie (state Z); the fixture reaps it in its destructor.
  auto exited = [&] {
    FILE* f = std::fopen(("/proc/" + std::to_string(emulator->pid()) + "/stat").c_str(), "r");
    if (f == nullptr) return true;
    char buffer[512] = {0};
    size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, f);
    std::fclose(f);
    std::string stat(buffer, n);
    size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
  };
  while (!exited() && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(exited());
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000))
      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
}

}  // namespace
}  // namespace keyward::emulator::test
