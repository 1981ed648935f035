// ARM gateway behaviour: api-version checks, routing errors, standard headers, case-insensitivity.
#include <gtest/gtest.h>

#include "emulator/emulator_test_util.h"
#include "emulator/router.h"

namespace keyward::emulator::test {
namespace {

using ArmGatewayTest = EmulatorTest;

TEST_F(ArmGatewayTest, MissingApiVersionIsMissingApiVersionParameter) {
  CreateRg("rg1");
  auto r = Call("GET", VaultPath("rg1", "kv1"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "MissingApiVersionParameter");
}

TEST_F(ArmGatewayTest, WrongApiVersionListsSupportedVersionsAndMarksGatewayFailure) {
  CreateRg("rg1");
  auto r = Call("GET", VaultPath("rg1", "kv1") + "?api-version=2023-02-01");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "InvalidApiVersionParameter");
  EXPECT_EQ(r.Json()["error"]["message"],
            "The api-version '2023-02-01' is invalid. The supported versions are '2024-11-01'.");
  EXPECT_EQ(r.Header("x-ms-failure-cause"), "gateway");
}

TEST_F(ArmGatewayTest, ResourceGroupApiAcceptsSeveralVersionsButNotKeyVaultOnlyOnes) {
  EXPECT_EQ(Call("PUT", RgPath("a") + "?api-version=2022-09-01", {{"location", "westus"}}).status,
            201);
  EXPECT_EQ(Call("GET", RgPath("a") + "?api-version=2024-03-01").status, 200);
  EXPECT_EQ(Call("GET", RgPath("a") + "?api-version=1999-01-01").status, 400);
}

TEST_F(ArmGatewayTest, MissingResourceGroupIsReportedBeforeVaultLogic) {
  auto r = Call("GET", VaultPath("ghost", "kv1") + "?" + kKv);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "ResourceGroupNotFound");
  EXPECT_EQ(r.Json()["error"]["message"], "Resource group 'ghost' could not be found.");
}

TEST_F(ArmGatewayTest, UnknownResourceTypeIs404InvalidResourceType) {
  auto r = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                           "/providers/Microsoft.KeyVault/teapots?" + kKv);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "InvalidResourceType");
  auto other = Call("GET", "/nothing/here");
  EXPECT_EQ(other.status, 404);
  EXPECT_TRUE(other.Json()["error"]["code"].is_string());
}

TEST_F(ArmGatewayTest, UnsupportedMethodIs405) {
  auto r = Call("POST", VaultPath("rg1", "kv1") + "?" + kKv, json::object());
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Json()["error"]["code"], "MethodNotAllowed");
}

TEST_F(ArmGatewayTest, StandardHeadersArePresentAndIdsEchoed) {
  CreateRg("rg1");
  auto r = ArmRequest(
      *emulator_, token_, "GET", VaultPath("rg1", "missing") + "?" + kKv, nullptr,
      {{"x-ms-client-request-id", "client-123"}, {"x-ms-correlation-request-id", "corr-456"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "ResourceNotFound");
  EXPECT_EQ(r.Json()["error"]["message"],
            "The Resource 'Microsoft.KeyVault/vaults/missing' under resource group 'rg1' was not "
            "found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
  EXPECT_EQ(r.Header("x-ms-client-request-id"), "client-123");
  EXPECT_EQ(r.Header("x-ms-correlation-request-id"), "corr-456");
  EXPECT_EQ(r.Header("x-ms-request-id").size(), 36u);
  EXPECT_NE(r.Header("x-ms-routing-request-id").find(":"), std::string::npos);
  EXPECT_FALSE(r.Header("Date").empty());
  EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_FALSE(r.Header("x-ms-keyvault-service-version").empty());
  auto generated = Call("GET", VaultPath("rg1", "missing") + "?" + kKv);
  EXPECT_EQ(generated.Header("x-ms-correlation-request-id").size(), 36u);
}

TEST_F(ArmGatewayTest, PathsAndNamesMatchCaseInsensitivelyAndKeepCreationCasing) {
  CreateRg("MyGroup");
  ASSERT_EQ(PutVault("MyGroup", "MyVault", VaultBody()).status, 200);
  std::string shouting = "/SUBSCRIPTIONS/" + std::string(kSubscriptionId) +
                         "/RESOURCEGROUPS/mygroup/PROVIDERS/microsoft.keyvault/VAULTS/MYVAULT?" +
                         kKv;
  auto r = Call("GET", shouting);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["name"], "MyVault");
  EXPECT_EQ(r.Json()["id"], VaultPath("MyGroup", "MyVault"));
  EXPECT_EQ(Call("GET", RgPath("MYGROUP") + "?" + kRgApi).Json()["name"], "MyGroup");
}

TEST_F(ArmGatewayTest, MalformedSubscriptionIdIsRejected) {
  auto r = Call("GET", "/subscriptions/not-a-guid/resourcegroups/rg?" + std::string(kRgApi));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "InvalidSubscriptionId");
}

TEST_F(ArmGatewayTest, StatsCountOperationsAndStatusCodes) {
  CreateRg("rg1");
  PutVault("rg1", "kv-stats", VaultBody());
  Call("GET", VaultPath("rg1", "kv-stats") + "?" + kKv);
  Call("GET", VaultPath("rg1", "kv-none") + "?" + kKv);
  auto r = keyward::testing::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {}, "",
                                          emulator_->ca_file());
  ASSERT_EQ(r.status, 200);
  json stats = r.Json();
  EXPECT_EQ(stats["operations"]["Token"], 1);
  EXPECT_EQ(stats["operations"]["ResourceGroups_CreateOrUpdate"], 1);
  EXPECT_EQ(stats["operations"]["Vaults_CreateOrUpdate"], 1);
  EXPECT_EQ(stats["operations"]["Vaults_Get"], 2);
  EXPECT_EQ(stats["operationStatusCodes"]["Vaults_Get"]["404"], 1);
  EXPECT_GE(stats["statusCodes"]["200"].get<int>(), 3);
}

TEST_F(ArmGatewayTest, ResetWipesState) {
  CreateRg("rg1");
  auto reset = keyward::testing::HttpsRequest("POST", emulator_->endpoint() + "/_emulator/reset",
                                              {}, "", emulator_->ca_file());
  EXPECT_EQ(reset.status, 200);
  EXPECT_EQ(Call("GET", RgPath("rg1") + "?" + kRgApi).status, 404);
}

TEST(RouterTest, LiteralSegmentsMatchCaseInsensitivelyAndVarsKeepText) {
  Router router;
  router.Add(
      {"GET", "/subscriptions/{sub}/resourceGroups/{rg}", "Get", ApiFamily::kNone, false, nullptr});
  auto match = router.Find("GET", "/SUBSCRIPTIONS/abc/resourcegroups/MyRg/");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.vars["rg"], "MyRg");
  EXPECT_EQ(router.Find("HEAD", "/subscriptions/abc/resourceGroups/x").route, match.route);
  auto other = router.Find("DELETE", "/subscriptions/abc/resourceGroups/x");
  EXPECT_EQ(other.route, nullptr);
  EXPECT_TRUE(other.path_known);
  EXPECT_FALSE(router.Find("GET", "/subscriptions/abc").path_known);
}

}  // namespace
}  // namespace keyward::emulator::test
