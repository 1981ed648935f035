// Managed HSM lifecycle scenarios against the real binary (ARM-NOTES §1.1, §1.7, §1.8, §5.5).
#include "emulator/managed_hsms.h"

#include <gtest/gtest.h>

#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

class ManagedHsmTest : public HsmFixture {
 protected:
  ManagedHsmTest() : HsmFixture(0.3) {}

  HttpsResult Get(const std::string& name, const std::string& rg = "rg1") {
    return Call("GET", HsmPath(rg, name) + "?" + kKv);
  }

  // Follows a Location URL until it stops answering 202; counts the 202s.
  HttpsResult Wait(const HttpsResult& started, int* polls_202 = nullptr) {
    std::string url = started.Header("Location");
    for (int i = 0; i < 200; ++i) {
      auto r = GetUrl(url);
      if (r.status != 202) return r;
      EXPECT_TRUE(r.body.empty()) << "a running operation answers 202 without a body";
      EXPECT_FALSE(r.Header("Retry-After").empty());
      if (polls_202) ++*polls_202;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  json Create(const std::string& name, json body = HsmBody(), const std::string& rg = "rg1") {
    auto r = Call("PUT", HsmPath(rg, name) + "?" + kKv, body);
    EXPECT_EQ(r.status, 202) << r.body;
    auto done = Wait(r);
    EXPECT_EQ(done.status, 200) << done.body;
    return done.Json();
  }

  // DELETE + wait: the HSM ends soft-deleted.
  void Delete(const std::string& name, const std::string& rg = "rg1") {
    auto r = Call("DELETE", HsmPath(rg, name) + "?" + kKv);
    ASSERT_EQ(r.status, 202) << r.body;
    auto done = Wait(r);
    ASSERT_EQ(done.status, 200) << done.body;
  }
};

TEST_F(ManagedHsmTest, CreateIsA202LocationLroVisibleAsProvisioningThenSucceeded) {
  auto r = Call("PUT", HsmPath("rg1", "hsm1") + "?" + kKv, HsmBody());
  ASSERT_EQ(r.status, 202) << r.body;
  std::string location = r.Header("Location");
  EXPECT_EQ(location.rfind(emulator_->endpoint() + "/subscriptions/" + kSubscriptionId +
                               "/providers/Microsoft.KeyVault/locations/westus/"
                               "managedHsmOperationResults/",
                           0),
            0u)
      << location;
  EXPECT_NE(location.find("?api-version=2024-11-01"), std::string::npos);
  EXPECT_FALSE(r.Header("Retry-After").empty());
  json accepted = r.Json();
  EXPECT_EQ(accepted["type"], "Microsoft.KeyVault/managedHSMs");
  EXPECT_EQ(accepted["id"], HsmPath("rg1", "hsm1"));
  EXPECT_EQ(accepted["properties"]["provisioningState"], "Provisioning");
  EXPECT_EQ(accepted["properties"]["statusMessage"], "Allocating hardware");
  EXPECT_TRUE(accepted["properties"]["hsmUri"].is_null());
  EXPECT_FALSE(accepted.contains("_internal"));

  // Visible during creation, in its non-terminal state.
  auto during = Get("hsm1");
  ASSERT_EQ(during.status, 200);
  EXPECT_EQ(during.Json()["properties"]["provisioningState"], "Provisioning");
  // A second write while the first runs is refused.
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "hsm1") + "?" + kKv, HsmBody()).status, 409);

  int polls = 0;
  auto done = Wait(r, &polls);
  EXPECT_GE(polls, 1);
  ASSERT_EQ(done.status, 200) << done.body;
  json hsm = done.Json();
  const json& p = hsm["properties"];
  EXPECT_EQ(p["provisioningState"], "Succeeded");
  EXPECT_EQ(p["statusMessage"], "ManagedHsm is functional.");
  EXPECT_EQ(p["hsmUri"], "https://hsm1.managedhsm.azure.net/");
  EXPECT_EQ(p["enableSoftDelete"], true);
  EXPECT_EQ(p["softDeleteRetentionInDays"], 90);
  EXPECT_EQ(p["enablePurgeProtection"], true) << "spec default for managed HSMs";
  EXPECT_EQ(p["publicNetworkAccess"], "Enabled");
  EXPECT_EQ(p["securityDomainProperties"]["activationStatus"], "NotActivated");
  EXPECT_EQ(
      p["regions"],
      json::array({{{"name", "westus"}, {"isPrimary", true}, {"provisioningState", "Succeeded"}}}));
  EXPECT_EQ(hsm["sku"], json({{"family", "B"}, {"name", "Standard_B1"}}));
  EXPECT_EQ(hsm["tags"], json({{"Dept", "hsm"}}));
  EXPECT_EQ(Get("hsm1").Json(), hsm);
  // The finished operation keeps answering the final result.
  EXPECT_EQ(GetUrl(location).status, 200);
}

TEST_F(ManagedHsmTest, GetOfAbsentHsmIs404ResourceNotFound) {
  auto r = Get("nohsm");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "ResourceNotFound");
}

TEST_F(ManagedHsmTest, UpdateAndPatchAreLrosShowingUpdating) {
  Create("hsm-up");
  json body = HsmBody();
  body["tags"] = {{"Slice", "A"}};
  auto put = Call("PUT", HsmPath("rg1", "hsm-up") + "?" + kKv, body);
  ASSERT_EQ(put.status, 202) << put.body;
  EXPECT_EQ(put.Json()["properties"]["provisioningState"], "Updating");
  EXPECT_EQ(put.Json()["properties"]["statusMessage"], "ManagedHsm is updating.");
  EXPECT_EQ(put.Json()["properties"]["hsmUri"], "https://hsm-up.managedhsm.azure.net/");
  EXPECT_EQ(Get("hsm-up").Json()["properties"]["provisioningState"], "Updating");
  EXPECT_EQ(Wait(put).Json()["tags"], json({{"Slice", "A"}}));

  auto patch =
      Call("PATCH", HsmPath("rg1", "hsm-up") + "?" + kKv,
           {{"tags", {{"Env", "dogfood"}}}, {"properties", {{"publicNetworkAccess", "disabled"}}}});
  ASSERT_EQ(patch.status, 202) << patch.body;
  EXPECT_FALSE(patch.Header("Location").empty());
  EXPECT_EQ(patch.Json()["properties"]["provisioningState"], "Updating");
  auto done = Wait(patch);
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.Json()["tags"], json({{"Env", "dogfood"}}));
  EXPECT_EQ(done.Json()["properties"]["publicNetworkAccess"], "Disabled");
  EXPECT_EQ(done.Json()["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(Call("PATCH", HsmPath("rg1", "absent") + "?" + kKv, {{"tags", json::object()}}).status,
            404);
}

TEST_F(ManagedHsmTest, RetentionAndSoftDeleteAreImmutableAndPurgeProtectionOneWay) {
  json body = HsmBody();
  body["properties"]["softDeleteRetentionInDays"] = 30;
  body["properties"]["enablePurgeProtection"] = false;
  Create("hsm-imm", body);
  json change = body;
  change["properties"]["softDeleteRetentionInDays"] = 60;
  auto r = Call("PUT", HsmPath("rg1", "hsm-imm") + "?" + kKv, change);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("softDeleteRetentionInDays"),
            std::string::npos);
  EXPECT_EQ(Call("PATCH", HsmPath("rg1", "hsm-imm") + "?" + kKv,
                 {{"properties", {{"softDeleteRetentionInDays", 7}}}})
                .status,
            400);
  EXPECT_EQ(Call("PATCH", HsmPath("rg1", "hsm-imm") + "?" + kKv,
                 {{"properties", {{"enableSoftDelete", false}}}})
                .status,
            400);
  // Turning purge protection on is allowed; turning it off again is not.
  auto on = Call("PATCH", HsmPath("rg1", "hsm-imm") + "?" + kKv,
                 {{"properties", {{"enablePurgeProtection", true}}}});
  ASSERT_EQ(on.status, 202);
  Wait(on);
  EXPECT_EQ(Call("PATCH", HsmPath("rg1", "hsm-imm") + "?" + kKv,
                 {{"properties", {{"enablePurgeProtection", false}}}})
                .status,
            400);
  EXPECT_EQ(Get("hsm-imm").Json()["properties"]["softDeleteRetentionInDays"], 30);
}

TEST_F(ManagedHsmTest, PutValidatesBody) {
  json no_admins = HsmBody();
  no_admins["properties"].erase("initialAdminObjectIds");
  auto r = Call("PUT", HsmPath("rg1", "hsm-bad") + "?" + kKv, no_admins);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("initialAdminObjectIds"),
            std::string::npos);
  json bad_sku = HsmBody();
  bad_sku["sku"]["name"] = "Premium";
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "hsm-bad") + "?" + kKv, bad_sku).status, 400);
  json wrong_family = HsmBody();
  wrong_family["sku"] = {{"family", "B"}, {"name", "Custom_C42"}};
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "hsm-bad") + "?" + kKv, wrong_family).status, 400);
  json bad_retention = HsmBody();
  bad_retention["properties"]["softDeleteRetentionInDays"] = 91;
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "hsm-bad") + "?" + kKv, bad_retention).status, 400);
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "1bad") + "?" + kKv, HsmBody()).Json()["error"]["code"],
            "InvalidManagedHsmName");
  EXPECT_EQ(Get("hsm-bad").status, 404) << "failed PUTs must not create anything";
}

TEST_F(ManagedHsmTest, DeleteSoftDeletesThenPurgeIsA202LroWhenNotProtected) {
  json body = HsmBody();
  body["properties"]["enablePurgeProtection"] = false;
  Create("hsm-del", body);
  auto del = Call("DELETE", HsmPath("rg1", "hsm-del") + "?" + kKv);
  ASSERT_EQ(del.status, 202) << del.body;
  EXPECT_NE(del.Header("Location").find("/managedHsmOperationResults/"), std::string::npos);
  EXPECT_EQ(Get("hsm-del").Json()["properties"]["provisioningState"], "Deleting");
  auto deleted_done = Wait(del);
  EXPECT_EQ(deleted_done.status, 200);
  EXPECT_TRUE(deleted_done.body.empty());
  json d = ExpectSoftDeleted(HsmPath("rg1", "hsm-del"), DeletedHsmPath("westus", "hsm-del"),
                             "Microsoft.KeyVault/deletedManagedHSMs", "mhsmId", {{"Dept", "hsm"}});
  ASSERT_FALSE(d.is_null());
  EXPECT_EQ(d["properties"]["purgeProtectionEnabled"], false);
  EXPECT_TRUE(d["properties"]["deletionDate"].is_string());
  EXPECT_TRUE(d["properties"]["scheduledPurgeDate"].is_string());
  auto list = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                              "/providers/Microsoft.KeyVault/deletedManagedHSMs?" + kKv);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["value"].size(), 1u);

  // The name stays reserved while soft-deleted.
  auto reuse = Call("PUT", HsmPath("rg1", "hsm-del") + "?" + kKv, HsmBody());
  EXPECT_EQ(reuse.status, 409);
  EXPECT_EQ(reuse.Json()["error"]["code"], "ConflictError");

  auto purge = Call("POST", DeletedHsmPath("westus", "hsm-del") + "/purge?" + kKv);
  ASSERT_EQ(purge.status, 202) << purge.body;
  EXPECT_TRUE(purge.body.empty());
  EXPECT_NE(purge.Header("Location").find("/managedHsmOperationResults/"), std::string::npos);
  auto purged = Wait(purge);
  EXPECT_EQ(purged.status, 200);
  EXPECT_EQ(Call("GET", DeletedHsmPath("westus", "hsm-del") + "?" + kKv).status, 404);
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "hsm-del") + "?" + kKv, HsmBody()).status, 202);
}

TEST_F(ManagedHsmTest, PurgeProtectionIsOnByDefaultAndRefusesPurge) {
  Create("hsm-pp");
  Delete("hsm-pp");
  ExpectPurgeRefused(DeletedHsmPath("westus", "hsm-pp"));
  EXPECT_EQ(Call("POST", DeletedHsmPath("westus", "absent") + "/purge?" + kKv).status, 404);
}

TEST_F(ManagedHsmTest, RecoverRestoresTheDeletedHsmThroughTheSameLro) {
  json body = HsmBody();
  body["properties"]["softDeleteRetentionInDays"] = 14;
  Create("hsm-rec", body);
  Delete("hsm-rec");
  json recover = {
      {"location", "westus"},
      {"sku", {{"family", "B"}, {"name", "Standard_B1"}}},
      {"properties", {{"tenantId", keyward::testing::kTenantId}, {"createMode", "recover"}}}};
  auto r = Call("PUT", HsmPath("rg1", "hsm-rec") + "?" + kKv, recover);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.Json()["properties"]["provisioningState"], "Provisioning");
  auto done = Wait(r);
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.Json()["properties"]["softDeleteRetentionInDays"], 14);
  EXPECT_EQ(done.Json()["tags"], json({{"Dept", "hsm"}}));
  EXPECT_EQ(Call("GET", DeletedHsmPath("westus", "hsm-rec") + "?" + kKv).status, 404);
  auto missing = Call("PUT", HsmPath("rg1", "hsm-none") + "?" + kKv, recover);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.Json()["error"]["code"], "SoftDeletedManagedHsmDoesNotExist");
}

TEST_F(ManagedHsmTest, SixthHsmInARegionExceedsTheQuota) {
  for (int i = 1; i <= 5; ++i) {
    auto r = Call("PUT", HsmPath("rg1", "hsm-q" + std::to_string(i)) + "?" + kKv, HsmBody());
    ASSERT_EQ(r.status, 202) << i << " " << r.body;
  }
  auto sixth = Call("PUT", HsmPath("rg1", "hsm-q6") + "?" + kKv, HsmBody());
  EXPECT_EQ(sixth.status, 409);
  EXPECT_EQ(sixth.Json()["error"]["code"], "QuotaExceeded");
  EXPECT_EQ(sixth.Json()["error"]["innererror"]["code"], "ManagedHsmQuotaExceeded");
  // Another region has its own quota.
  EXPECT_EQ(Call("PUT", HsmPath("rg1", "hsm-q6") + "?" + kKv, HsmBody("eastus")).status, 202);
}

TEST_F(ManagedHsmTest, RegionsAddListAndMustBeRemovedBeforeDelete) {
  Create("hsm-geo");
  auto add =
      Call("PATCH", HsmPath("rg1", "hsm-geo") + "?" + kKv,
           {{"properties",
             {{"regions", {{{"name", "westus"}, {"isPrimary", true}}, {{"name", "East US"}}}}}}});
  ASSERT_EQ(add.status, 202) << add.body;
  json regions = add.Json()["properties"]["regions"];
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(
      regions[1],
      json({{"name", "eastus"}, {"isPrimary", false}, {"provisioningState", "Provisioning"}}));
  Wait(add);
  auto list = Call("GET", HsmPath("rg1", "hsm-geo") + "/regions?" + kKv);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json()["value"],
            json::array(
                {{{"name", "westus"}, {"isPrimary", true}, {"provisioningState", "Succeeded"}},
                 {{"name", "eastus"}, {"isPrimary", false}, {"provisioningState", "Succeeded"}}}));
  EXPECT_FALSE(list.Json().contains("nextLink"));
  // The primary cannot be demoted.
  EXPECT_EQ(Call("PATCH", HsmPath("rg1", "hsm-geo") + "?" + kKv,
                 {{"properties", {{"regions", {{{"name", "westus"}, {"isPrimary", false}}}}}}})
                .status,
            400);
  auto refused = Call("DELETE", HsmPath("rg1", "hsm-geo") + "?" + kKv);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.Json()["error"]["innererror"]["code"], "SecondaryRegionsExist");

  auto remove = Call("PATCH", HsmPath("rg1", "hsm-geo") + "?" + kKv,
                     {{"properties", {{"regions", {{{"name", "westus"}}}}}}});
  ASSERT_EQ(remove.status, 202);
  EXPECT_EQ(remove.Json()["properties"]["regions"][1]["provisioningState"], "Deleting");
  Wait(remove);
  EXPECT_EQ(Call("GET", HsmPath("rg1", "hsm-geo") + "/regions?" + kKv).Json()["value"].size(), 1u);
  Delete("hsm-geo");
}

TEST_F(ManagedHsmTest, ListsPageWithTopAndNextLink) {
  CreateRg("rg2");
  for (const char* name : {"hsm-l1", "hsm-l2", "hsm-l3"}) {
    ASSERT_EQ(Call("PUT", HsmPath("rg1", name) + "?" + kKv, HsmBody()).status, 202);
  }
  ASSERT_EQ(Call("PUT", HsmPath("rg2", "hsm-l4") + "?" + kKv, HsmBody()).status, 202);
  auto page1 = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                               "/resourceGroups/rg1/providers/Microsoft.KeyVault/managedHSMs?" +
                               kKv + "&$top=2");
  ASSERT_EQ(page1.status, 200) << page1.body;
  EXPECT_EQ(page1.Json()["value"].size(), 2u);
  std::string next = page1.Json()["nextLink"];
  auto page2 = GetUrl(next);
  ASSERT_EQ(page2.status, 200) << page2.body;
  EXPECT_EQ(page2.Json()["value"].size(), 1u);
  EXPECT_FALSE(page2.Json().contains("nextLink"));
  auto by_sub = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                                "/providers/Microsoft.KeyVault/managedHSMs?" + kKv);
  EXPECT_EQ(by_sub.Json()["value"].size(), 4u);
  EXPECT_EQ(Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                            "/providers/Microsoft.KeyVault/managedHSMs?" + kKv + "&$top=x")
                .status,
            400);
}

TEST_F(ManagedHsmTest, CheckMhsmNameAvailabilityIsGlobalInItsOwnNamespace) {
  const std::string path = "/subscriptions/" + std::string(kSubscriptionId) +
                           "/providers/Microsoft.KeyVault/checkMhsmNameAvailability?" + kKv;
  EXPECT_EQ(Call("POST", path, {{"name", "hsm-free"}}).Json(), json({{"nameAvailable", true}}));
  auto invalid = Call("POST", path, {{"name", "a"}}).Json();
  EXPECT_EQ(invalid["nameAvailable"], false);
  EXPECT_EQ(invalid["reason"], "AccountNameInvalid");
  ASSERT_EQ(Call("PUT", HsmPath("rg1", "hsm-taken") + "?" + kKv, HsmBody()).status, 202);
  auto taken = Call("POST", path, {{"name", "HSM-TAKEN"}}).Json();
  EXPECT_EQ(taken["nameAvailable"], false);
  EXPECT_EQ(taken["reason"], "AlreadyExists");
  // Global: another subscription cannot take the name either.
  CreateRg("rg1", kOtherSubscriptionId);
  auto other =
      Call("PUT", HsmPath("rg1", "hsm-taken", kOtherSubscriptionId) + "?" + kKv, HsmBody());
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(other.Json()["error"]["code"], "ManagedHsmAlreadyExists");
  // Vault names are a separate DNS namespace.
  EXPECT_EQ(PutVault("rg1", "hsm-taken", VaultBody()).status, 200);
  EXPECT_EQ(Call("POST", path, {}).status, 400);
}

TEST_F(ManagedHsmTest, ResourceGroupDeletionSoftDeletesItsHsms) {
  CreateRg("rg-gone");
  Create("hsm-rg", HsmBody(), "rg-gone");
  auto del = Call("DELETE", RgPath("rg-gone") + "?" + kRgApi);
  ASSERT_EQ(del.status, 202);
  ASSERT_EQ(Wait(del).status, 200);
  EXPECT_EQ(Call("GET", DeletedHsmPath("westus", "hsm-rg") + "?" + kKv).status, 200);
}

}  // namespace
}  // namespace keyward::emulator::test
