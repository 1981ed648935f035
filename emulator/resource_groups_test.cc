// Microsoft.Resources resource groups, including DELETE as an LRO that soft-deletes vaults.
#include <gtest/gtest.h>

#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

using ResourceGroupsTest = EmulatorTest;

TEST_F(ResourceGroupsTest, CreateGetUpdateListWithArmShapes) {
  auto created = Call("PUT", RgPath("Rg-One") + "?" + kRgApi,
                      {{"location", "West Europe"}, {"tags", {{"a", "b"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  json rg = created.Json();
  EXPECT_EQ(rg["id"], "/subscriptions/" + std::string(kSubscriptionId) + "/resourceGroups/Rg-One");
  EXPECT_EQ(rg["name"], "Rg-One");
  EXPECT_EQ(rg["type"], "Microsoft.Resources/resourceGroups");
  EXPECT_EQ(rg["location"], "westeurope");
  EXPECT_EQ(rg["tags"], json({{"a", "b"}}));
  EXPECT_EQ(rg["properties"]["provisioningState"], "Succeeded");

  auto updated = Call("PUT", RgPath("rg-one") + "?" + kRgApi, {{"location", "westeurope"}});
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(updated.Json()["name"], "Rg-One");
  EXPECT_EQ(Call("PUT", RgPath("rg-one") + "?" + kRgApi, {{"location", "eastus"}}).status, 409);

  auto patched = Call("PATCH", RgPath("rg-one") + "?" + kRgApi, {{"tags", {{"x", "y"}}}});
  EXPECT_EQ(patched.Json()["tags"], json({{"x", "y"}}));
  EXPECT_EQ(Call("HEAD", RgPath("rg-one") + "?" + kRgApi).status, 204);
  EXPECT_EQ(Call("HEAD", RgPath("nope") + "?" + kRgApi).status, 404);
  auto missing = Call("GET", RgPath("nope") + "?" + kRgApi);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["error"]["code"], "ResourceGroupNotFound");

  Call("PUT", RgPath("rg-two") + "?" + kRgApi, {{"location", "westus"}});
  auto list = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) + "/resourcegroups?" +
                              kRgApi + "&$top=1");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["value"].size(), 1u);
  EXPECT_TRUE(list.Json()["nextLink"].is_string());
  EXPECT_EQ(Call("PUT", RgPath("bad name!") + "?" + kRgApi, {{"location", "westus"}}).status, 400);
  EXPECT_EQ(Call("PUT", RgPath("noloc") + "?" + kRgApi, json::object()).status, 400);
}

TEST_F(ResourceGroupsTest, DeleteIsAnLroThatSoftDeletesContainedVaults) {
  CreateRg("rg-del");
  ASSERT_EQ(PutVault("rg-del", "kv-in-rg", VaultBody()).status, 200);
  auto r = Call("DELETE", RgPath("rg-del") + "?" + kRgApi);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_FALSE(r.Header("Retry-After").empty());
  std::string location = r.Header("Location");
  EXPECT_EQ(
      location.rfind(
          emulator_->endpoint() + "/subscriptions/" + kSubscriptionId + "/operationresults/", 0),
      0u)
      << location;
  EXPECT_NE(location.find("api-version=2021-04-01"), std::string::npos);

  auto first = keyward::testing::HttpsRequest(
      "GET", location, {{"Authorization", "Bearer " + token_}}, "", emulator_->ca_file());
  EXPECT_EQ(first.status, 202);
  EXPECT_EQ(Call("GET", RgPath("rg-del") + "?" + kRgApi).Json()["properties"]["provisioningState"],
            "Deleting");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto done = keyward::testing::HttpsRequest(
      "GET", location, {{"Authorization", "Bearer " + token_}}, "", emulator_->ca_file());
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(Call("GET", RgPath("rg-del") + "?" + kRgApi).status, 404);
  auto deleted = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                                 "/providers/Microsoft.KeyVault/locations/westus/deletedVaults/"
                                 "kv-in-rg?" +
                                 kKv);
  EXPECT_EQ(deleted.status, 200) << "vaults in a deleted group go to soft delete";
  EXPECT_EQ(Call("DELETE", RgPath("rg-del") + "?" + kRgApi).status, 404);
}

}  // namespace
}  // namespace keyward::emulator::test
