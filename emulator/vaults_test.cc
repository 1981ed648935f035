// Vault lifecycle scenarios against the real binary (ARM-NOTES §1.7, §1.8, §5.1, §5.2).
#include "emulator/vaults.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

class VaultsTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    CreateRg("rg1");
  }
  HttpsResult Get(const std::string& name, const std::string& rg = "rg1") {
    return Call("GET", VaultPath(rg, name) + "?" + kKv);
  }
};

TEST_F(VaultsTest, CreateAnswers200RegisteringDnsThenSucceededAfterLroSeconds) {
  auto r = PutVault("rg1", "kv-create", VaultBody());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.HasHeader("Location"));
  EXPECT_FALSE(r.HasHeader("Azure-AsyncOperation"));
  json v = r.Json();
  ExpectResource(v, VaultPath("rg1", "kv-create"), "kv-create", "Microsoft.KeyVault/vaults");
  EXPECT_EQ(v["tags"], json::object());
  for (const char* field : {"createdBy", "createdByType", "createdAt", "lastModifiedBy",
                            "lastModifiedByType", "lastModifiedAt"}) {
    EXPECT_TRUE(v["systemData"][field].is_string()) << field;
  }
  const json& p = v["properties"];
  EXPECT_EQ(p["provisioningState"], "RegisteringDns");
  EXPECT_EQ(p["vaultUri"], "https://kv-create.vault.azure.net/");
  EXPECT_EQ(p["enableSoftDelete"], true);
  EXPECT_EQ(p["softDeleteRetentionInDays"], 90);
  EXPECT_EQ(p["enableRbacAuthorization"], false);
  EXPECT_EQ(p["publicNetworkAccess"], "Enabled");
  EXPECT_EQ(p["sku"], json({{"family", "A"}, {"name", "standard"}}));
  EXPECT_EQ(p["accessPolicies"].size(), 1u);
  EXPECT_FALSE(p.contains("networkAcls"));
  EXPECT_FALSE(p.contains("enablePurgeProtection"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Get("kv-create").Json()["properties"]["provisioningState"], "Succeeded");
  // An update of an existing vault answers Succeeded straight away.
  auto update = PutVault("rg1", "kv-create", VaultBody());
  EXPECT_EQ(update.status, 200);
  EXPECT_EQ(update.Json()["properties"]["provisioningState"], "Succeeded");
}

TEST_F(VaultsTest, PutValidatesBodyAndNormalisesEnums) {
  json body = VaultBody("West US");
  body["properties"]["publicNetworkAccess"] = "disabled";
  body["properties"]["networkAcls"] = {{"defaultAction", "deny"}};
  auto ok = PutVault("rg1", "kv-norm", body);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["location"], "westus");
  EXPECT_EQ(ok.Json()["properties"]["publicNetworkAccess"], "Disabled");
  EXPECT_EQ(ok.Json()["properties"]["networkAcls"], json({{"bypass", "AzureServices"},
                                                          {"defaultAction", "Deny"},
                                                          {"ipRules", json::array()},
                                                          {"virtualNetworkRules", json::array()}}));

  json no_location = VaultBody();
  no_location.erase("location");
  EXPECT_EQ(PutVault("rg1", "kv-bad", no_location).status, 400);
  json no_sku = VaultBody();
  no_sku["properties"].erase("sku");
  EXPECT_EQ(PutVault("rg1", "kv-bad", no_sku).status, 400);
  json bad_tenant = VaultBody();
  bad_tenant["properties"]["tenantId"] = "not-a-guid";
  EXPECT_EQ(PutVault("rg1", "kv-bad", bad_tenant).status, 400);
  json bad_policy = VaultBody();
  bad_policy["properties"]["accessPolicies"][0].erase("objectId");
  auto r = PutVault("rg1", "kv-bad", bad_policy);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("objectId"), std::string::npos);
  json bad_retention = VaultBody();
  bad_retention["properties"]["softDeleteRetentionInDays"] = 6;
  EXPECT_EQ(PutVault("rg1", "kv-bad", bad_retention).status, 400);
  EXPECT_EQ(Get("kv-bad").status, 404) << "failed PUTs must not create anything";
}

TEST_F(VaultsTest, PutReplacesAccessPoliciesWholesale) {
  ASSERT_EQ(PutVault("rg1", "kv-ap", VaultBody()).status, 200);
  json body = VaultBody();
  body["properties"]["accessPolicies"] = json::array();
  EXPECT_EQ(PutVault("rg1", "kv-ap", body).Json()["properties"]["accessPolicies"], json::array());
}

TEST_F(VaultsTest, PatchMergesPropertiesAndReplacesTags) {
  json body = VaultBody();
  body["tags"] = {{"a", "1"}, {"b", "2"}};
  body["properties"]["enabledForDeployment"] = true;
  ASSERT_EQ(PutVault("rg1", "kv-patch", body).status, 200);
  auto r = Call("PATCH", VaultPath("rg1", "kv-patch") + "?" + kKv,
                {{"tags", {{"c", "3"}}}, {"properties", {{"enabledForDiskEncryption", true}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json v = r.Json();
  EXPECT_EQ(v["tags"], json({{"c", "3"}}));
  EXPECT_EQ(v["properties"]["enabledForDeployment"], true) << "untouched properties stay";
  EXPECT_EQ(v["properties"]["enabledForDiskEncryption"], true);
  EXPECT_EQ(v["properties"]["accessPolicies"].size(), 1u);
  EXPECT_EQ(Get("kv-patch").Json()["tags"], json({{"c", "3"}}));
  auto missing = Call("PATCH", VaultPath("rg1", "nope") + "?" + kKv, {{"tags", json::object()}});
  EXPECT_EQ(missing.status, 404);
}

TEST_F(VaultsTest, ListPagesWithTopAcrossSeveralPagesViaNextLink) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(PutVault("rg1", "kv-page-" + std::to_string(i), VaultBody()).status, 200);
  }
  std::string url = emulator_->endpoint() + "/subscriptions/" + kSubscriptionId +
                    "/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults?" + kKv + "&$top=2";
  std::set<std::string> names;
  int pages = 0;
  while (!url.empty() && pages < 10) {
    auto r = keyward::testing::HttpsRequest("GET", url, {{"Authorization", "Bearer " + token_}}, "",
                                            emulator_->ca_file());
    ASSERT_EQ(r.status, 200) << r.body;
    json page = r.Json();
    EXPECT_LE(page["value"].size(), 2u);
    for (const auto& v : page["value"]) names.insert(v["name"]);
    ++pages;
    if (page.contains("nextLink")) {
      url = page["nextLink"];
      EXPECT_EQ(url.rfind(emulator_->endpoint(), 0), 0u) << "absolute link on the request host";
      EXPECT_NE(url.find("api-version=2024-11-01"), std::string::npos);
      EXPECT_NE(url.find("$top=2"), std::string::npos);
    } else {
      url.clear();
    }
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 5u);
  auto by_sub = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                                "/providers/Microsoft.KeyVault/vaults?" + kKv);
  EXPECT_EQ(by_sub.Json()["value"].size(), 5u);
  EXPECT_FALSE(by_sub.Json().contains("nextLink"));
  auto bad_top = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                                 "/providers/Microsoft.KeyVault/vaults?" + kKv + "&$top=abc");
  EXPECT_EQ(bad_top.status, 400);
}

TEST_F(VaultsTest, DeleteMovesToDeletedVaultsAndRecoverRestoresOldConfiguration) {
  json body = VaultBody();
  body["tags"] = {{"env", "test"}};
  body["properties"]["softDeleteRetentionInDays"] = 7;
  body["properties"]["enabledForDeployment"] = true;
  ASSERT_EQ(PutVault("rg1", "kv-recover", body).status, 200);

  auto del = Call("DELETE", VaultPath("rg1", "kv-recover") + "?" + kKv);
  EXPECT_EQ(del.status, 200);
  EXPECT_TRUE(del.body.empty());
  json d =
      ExpectSoftDeleted(VaultPath("rg1", "kv-recover"), DeletedVaultPath("westus", "kv-recover"),
                        "Microsoft.KeyVault/deletedVaults", "vaultId", {{"env", "test"}});
  ASSERT_FALSE(d.is_null());
  EXPECT_FALSE(d["properties"].contains("purgeProtectionEnabled"));
  std::string deletion = d["properties"]["deletionDate"],
              purge = d["properties"]["scheduledPurgeDate"];
  EXPECT_EQ(deletion.size(), 20u);  // 2022-02-25T09:50:05Z
  EXPECT_NE(deletion, purge);
  auto list = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                              "/providers/Microsoft.KeyVault/deletedVaults?" + kKv);
  EXPECT_EQ(list.Json()["value"].size(), 1u);

  json recover = {{"location", "westus"},
                  {"properties",
                   {{"tenantId", keyward::testing::kTenantId},
                    {"sku", {{"family", "A"}, {"name", "standard"}}},
                    {"createMode", "recover"}}}};
  auto r = PutVault("rg1", "kv-recover", recover);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["tags"], json({{"env", "test"}}));
  EXPECT_EQ(r.Json()["properties"]["softDeleteRetentionInDays"], 7);
  EXPECT_EQ(r.Json()["properties"]["enabledForDeployment"], true);
  EXPECT_EQ(r.Json()["properties"]["accessPolicies"].size(), 1u);
  EXPECT_EQ(Call("GET", DeletedVaultPath("westus", "kv-recover") + "?" + kKv).status, 404);
}

TEST_F(VaultsTest, RecoverWithoutSoftDeletedVaultIsSoftDeletedVaultDoesNotExist) {
  json recover = {{"location", "westus"}, {"properties", {{"createMode", "recover"}}}};
  auto r = PutVault("rg1", "kv-never", recover);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "SoftDeletedVaultDoesNotExist");
}

TEST_F(VaultsTest, SoftDeletedNameInSameSubscriptionIsConflictError) {
  ASSERT_EQ(PutVault("rg1", "kv-held", VaultBody()).status, 200);
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-held") + "?" + kKv).status, 200);
  auto r = PutVault("rg1", "kv-held", VaultBody());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.Json()["error"]["code"], "ConflictError");
  EXPECT_EQ(r.Json()["error"]["message"],
            "A vault with the same name already exists in deleted state. You need to either "
            "recover or purge existing key vault. Follow this link "
            "https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.");
}

TEST_F(VaultsTest, NameHeldElsewhereIsVaultAlreadyExists) {
  ASSERT_EQ(PutVault("rg1", "kv-global", VaultBody()).status, 200);
  CreateRg("rg2");
  auto other_rg = PutVault("rg2", "KV-GLOBAL", VaultBody());
  EXPECT_EQ(other_rg.status, 409);
  EXPECT_EQ(other_rg.Json()["error"]["code"], "VaultAlreadyExists");
  CreateRg("rgx", kOtherSubscriptionId);
  auto other_sub = PutVault("rgx", "kv-global", VaultBody(), kOtherSubscriptionId);
  EXPECT_EQ(other_sub.status, 409);
  EXPECT_EQ(other_sub.Json()["error"]["code"], "VaultAlreadyExists");
  // Soft-deleted names stay reserved for other subscriptions too.
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-global") + "?" + kKv).status, 200);
  EXPECT_EQ(PutVault("rgx", "kv-global", VaultBody(), kOtherSubscriptionId).Json()["error"]["code"],
            "VaultAlreadyExists");
}

TEST_F(VaultsTest, PurgeIsA202LocationLroAndFreesTheName) {
  ASSERT_EQ(PutVault("rg1", "kv-purge", VaultBody()).status, 200);
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-purge") + "?" + kKv).status, 200);
  auto r = Call("POST", DeletedVaultPath("westus", "kv-purge") + "/purge?" + kKv);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Header("Retry-After"), "1");
  std::string location = r.Header("Location");
  EXPECT_EQ(location.rfind(emulator_->endpoint() + "/subscriptions/" + kSubscriptionId +
                               "/providers/Microsoft.KeyVault/locations/westus/operationResults/",
                           0),
            0u)
      << location;
  EXPECT_NE(location.find("?api-version=2024-11-01"), std::string::npos);
  int polls_202 = 0;
  auto done = PollLocation(location, &polls_202);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_GE(polls_202, 1) << "the operation must be observable while running";
  EXPECT_EQ(done.Json()["status"], "Succeeded");
  EXPECT_TRUE(done.Json()["createdDateTime"].is_string());
  EXPECT_TRUE(done.Json()["lastActionDateTime"].is_string());
  EXPECT_EQ(Call("GET", DeletedVaultPath("westus", "kv-purge") + "?" + kKv).status, 404);
  EXPECT_EQ(PutVault("rg1", "kv-purge", VaultBody()).status, 200) << "name is free again";
}

TEST_F(VaultsTest, PurgeOfPurgeProtectedVaultIsRefused) {
  json body = VaultBody();
  body["properties"]["enablePurgeProtection"] = true;
  ASSERT_EQ(PutVault("rg1", "kv-protected", body).status, 200);
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-protected") + "?" + kKv).status, 200);
  ExpectPurgeRefused(DeletedVaultPath("westus", "kv-protected"));
  EXPECT_EQ(Call("GET", DeletedVaultPath("westus", "kv-protected") + "?" + kKv).status, 200);
}

TEST_F(VaultsTest, PurgeProtectionSoftDeleteAndRetentionAreOneWay) {
  json body = VaultBody();
  body["properties"]["enablePurgeProtection"] = true;
  ASSERT_EQ(PutVault("rg1", "kv-oneway", body).status, 200);
  auto off = Call("PATCH", VaultPath("rg1", "kv-oneway") + "?" + kKv,
                  {{"properties", {{"enablePurgeProtection", false}}}});
  EXPECT_EQ(off.status, 400);
  EXPECT_NE(off.Json()["error"]["message"].get<std::string>().find("enablePurgeProtection"),
            std::string::npos);
  json put_off = VaultBody();
  put_off["properties"]["enablePurgeProtection"] = false;
  EXPECT_EQ(PutVault("rg1", "kv-oneway", put_off).status, 400);
  // Omitting the flag on a PUT keeps it on.
  EXPECT_EQ(PutVault("rg1", "kv-oneway", VaultBody()).Json()["properties"]["enablePurgeProtection"],
            true);
  auto soft = Call("PATCH", VaultPath("rg1", "kv-oneway") + "?" + kKv,
                   {{"properties", {{"enableSoftDelete", false}}}});
  EXPECT_EQ(soft.status, 400);
  auto retention = Call("PATCH", VaultPath("rg1", "kv-oneway") + "?" + kKv,
                        {{"properties", {{"softDeleteRetentionInDays", 30}}}});
  EXPECT_EQ(retention.status, 400);
  EXPECT_NE(
      retention.Json()["error"]["message"].get<std::string>().find("softDeleteRetentionInDays"),
      std::string::npos);
  EXPECT_EQ(Get("kv-oneway").Json()["properties"]["softDeleteRetentionInDays"], 90);
}

TEST_F(VaultsTest, InvalidNamesAreVaultNameNotValid) {
  for (const char* name : {"ab", "1abc", "abc-", "a--b", "abcdefghijklmnopqrstuvwxy", "ab_c"}) {
    auto r = PutVault("rg1", name, VaultBody());
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_EQ(r.Json()["error"]["code"], "VaultNameNotValid") << name;
  }
  EXPECT_EQ(PutVault("rg1", "a-1-b2", VaultBody()).status, 200);
}

TEST_F(VaultsTest, CheckNameAvailabilityReportsInvalidTakenAndFree) {
  ASSERT_EQ(PutVault("rg1", "kv-taken", VaultBody()).status, 200);
  std::string path = "/subscriptions/" + std::string(kSubscriptionId) +
                     "/providers/Microsoft.KeyVault/checkNameAvailability?" + kKv;
  auto check = [&](const std::string& name) {
    return Call("POST", path, {{"name", name}, {"type", "Microsoft.KeyVault/vaults"}}).Json();
  };
  EXPECT_EQ(check("kv-free"), json({{"nameAvailable", true}}));
  json taken = check("KV-TAKEN");
  EXPECT_EQ(taken["nameAvailable"], false);
  EXPECT_EQ(taken["reason"], "AlreadyExists");
  EXPECT_TRUE(taken["message"].is_string());
  EXPECT_EQ(check("x")["reason"], "AccountNameInvalid");
  EXPECT_EQ(Call("POST", path, {{"name", "abc"}}).status, 400);
}

TEST_F(VaultsTest, StateSurvivesRestart) {
  json body = VaultBody();
  body["tags"] = {{"keep", "me"}};
  ASSERT_EQ(PutVault("rg1", "kv-restart", body).status, 200);
  ASSERT_EQ(PutVault("rg1", "kv-gone", VaultBody()).status, 200);
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-gone") + "?" + kKv).status, 200);
  emulator_->Restart();
  auto r = Get("kv-restart");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["tags"], json({{"keep", "me"}}));
  EXPECT_EQ(Call("GET", DeletedVaultPath("westus", "kv-gone") + "?" + kKv).status, 200);
}

TEST_F(VaultsTest, ParallelPutsFromSeveralThreadsLoseNoUpdates) {
  ASSERT_EQ(PutVault("rg1", "kv-shared", VaultBody()).status, 200);
  constexpr int kThreads = 6, kPerThread = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "kv-par-" + std::to_string(t) + "-" + std::to_string(i);
        if (PutVault("rg1", name, VaultBody()).status != 200) ++failures;
        // Interleave PATCHes of one shared vault with the creates.
        if (Call("PATCH", VaultPath("rg1", "kv-shared") + "?" + kKv,
                 {{"tags", {{"t" + std::to_string(t), std::to_string(i)}}}})
                .status != 200) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto list = Call("GET", "/subscriptions/" + std::string(kSubscriptionId) +
                              "/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults?" + kKv);
  EXPECT_EQ(list.Json()["value"].size(), static_cast<size_t>(kThreads * kPerThread + 1));
  auto stats = keyward::testing::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {},
                                              "", emulator_->ca_file());
  EXPECT_EQ(stats.Json()["operations"]["Vaults_Update"], kThreads * kPerThread);
  EXPECT_EQ(Get("kv-shared").Json()["tags"].size(), 1u);
}

TEST_F(VaultsTest, RacingCreatesOfOneNameInDifferentGroupsHaveExactlyOneWinner) {
  constexpr int kThreads = 6;
  for (int t = 0; t < kThreads; ++t) CreateRg("race-" + std::to_string(t));
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = PutVault("race-" + std::to_string(t), "kv-race", VaultBody());
      if (r.status == 200) ++created;
      if (r.status == 409 && r.Json()["error"]["code"] == "VaultAlreadyExists") ++conflicts;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

TEST(VaultNameTest, RulesFollowTheNamingDocs) {
  EXPECT_FALSE(ValidateVaultName("abc").has_value());
  EXPECT_FALSE(ValidateVaultName("a1-b2-c3").has_value());
  EXPECT_TRUE(ValidateVaultName("-abc").has_value());
  EXPECT_TRUE(ValidateVaultName("abc--d").has_value());
  EXPECT_TRUE(ValidateVaultName("abcé").has_value());
}

TEST(VaultPropertiesTest, RetentionIsImmutableButMayBeRepeated) {
  json input = {{"tenantId", keyward::testing::kTenantId},
                {"sku", {{"family", "A"}, {"name", "Premium"}}},
                {"softDeleteRetentionInDays", 30}};
  json created;
  ASSERT_FALSE(NormalizeVaultProperties(input, nullptr, &created).has_value());
  EXPECT_EQ(created["sku"]["name"], "premium");
  json same;
  EXPECT_FALSE(NormalizeVaultProperties(input, &created, &same).has_value());
  input["softDeleteRetentionInDays"] = 31;
  json changed;
  EXPECT_TRUE(NormalizeVaultProperties(input, &created, &changed).has_value());
}

}  // namespace
}  // namespace keyward::emulator::test
