// Vaults_UpdateAccessPolicy scenarios against the real binary (ARM-NOTES §1.7, §5.3).
#include "emulator/access_policies.h"

#include <gtest/gtest.h>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

constexpr char kOtherObject[] = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

json Entry(const std::string& object_id, const json& permissions) {
  return {{"tenantId", kTenantId}, {"objectId", object_id}, {"permissions", permissions}};
}

class AccessPoliciesTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    CreateRg("rg1");
    json body = VaultBody();
    // json::array: clang reads a one-element `{Entry(...)}` as a copy of the entry (CWG 2137).
    body["properties"]["accessPolicies"] = json::array(
        {Entry(kObjectId, {{"keys", {"get", "list", "create"}}, {"secrets", {"get"}}})});
    auto r = PutVault("rg1", "kv-ap", body);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A vector, not a json: `{Entry(...)}` would copy-construct a json object, not an array.
  HttpsResult Update(const std::string& kind, const std::vector<json>& entries) {
    return Call("PUT", VaultPath("rg1", "kv-ap") + "/accessPolicies/" + kind + "?" + kKv,
                {{"properties", {{"accessPolicies", json(entries)}}}});
  }
  json VaultPolicies() {
    return Call("GET", VaultPath("rg1", "kv-ap") + "?" + kKv)
        .Json()["properties"]["accessPolicies"];
  }
};

TEST_F(AccessPoliciesTest, AddMergesPermissionsIntoTheSameIdentityAsRecorded) {
  auto r = Update("add", {Entry(kObjectId, {{"keys", {"encrypt", "GET"}}})});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  EXPECT_EQ(body["id"], VaultPath("rg1", "kv-ap") + "/accessPolicies/");
  EXPECT_EQ(body["type"], "Microsoft.KeyVault/vaults/accessPolicies");
  const json& policies = body["properties"]["accessPolicies"];
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policies[0]["permissions"]["keys"], json({"get", "list", "create", "encrypt"}));
  EXPECT_EQ(policies[0]["permissions"]["secrets"], json({"get"}));
  // The vault itself shows the merged list.
  EXPECT_EQ(VaultPolicies(), policies);
  // A new identity is appended.
  auto added = Update("add", {Entry(kOtherObject, {{"secrets", {"list"}}})});
  ASSERT_EQ(added.status, 200);
  EXPECT_EQ(added.Json()["properties"]["accessPolicies"].size(), 2u);
  EXPECT_EQ(VaultPolicies().size(), 2u);
}

TEST_F(AccessPoliciesTest, ReplaceOverwritesAndRemoveSubtractsThenDropsEmptyEntries) {
  auto replaced = Update("replace", {Entry(kObjectId, {{"certificates", {"get"}}})});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.Json()["properties"]["accessPolicies"][0]["permissions"],
            json({{"certificates", {"get"}}}));
  ASSERT_EQ(Update("add", {Entry(kObjectId, {{"keys", {"get", "list"}}})}).status, 200);
  auto removed = Update("remove", {Entry(kObjectId, {{"keys", {"LIST"}}})});
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.Json()["properties"]["accessPolicies"][0]["permissions"]["keys"],
            json({"get"}));
  auto gone = Update("remove", {Entry(kObjectId, {{"keys", {"get"}}, {"certificates", {"get"}}})});
  ASSERT_EQ(gone.status, 200);
  EXPECT_EQ(gone.Json()["properties"]["accessPolicies"], json::array());
  EXPECT_EQ(VaultPolicies(), json::array());
  // Listing an identity with no permissions removes the whole entry.
  ASSERT_EQ(Update("add", {Entry(kOtherObject, {{"keys", {"get"}}})}).status, 200);
  auto whole = Update("remove", {Entry(kOtherObject, json::object())});
  EXPECT_EQ(whole.Json()["properties"]["accessPolicies"], json::array());
}

TEST_F(AccessPoliciesTest, BadKindBadTenantAndThe1025thEntryAre400) {
  EXPECT_EQ(Update("merge", {Entry(kObjectId, {{"keys", {"get"}}})}).status, 400);
  json bad = Entry(kObjectId, {{"keys", {"get"}}});
  bad["tenantId"] = "not-a-guid";
  EXPECT_EQ(Update("add", {bad}).status, 400);
  std::vector<json> many;
  for (int i = 1; i < 1024; ++i) {  // 1 existing + 1023 = 1024: allowed
    char oid[37];
    std::snprintf(oid, sizeof(oid), "00000000-0000-4000-8000-%012d", i);
    many.push_back(Entry(oid, {{"secrets", {"get"}}}));
  }
  auto full = Update("add", many);
  ASSERT_EQ(full.status, 200) << full.body.substr(0, 300);
  EXPECT_EQ(VaultPolicies().size(), 1024u);
  auto over = Update("add", {Entry("00000000-0000-4000-8000-999999999999", {{"keys", {"get"}}})});
  EXPECT_EQ(over.status, 400) << over.body;
  EXPECT_EQ(VaultPolicies().size(), 1024u);
  EXPECT_EQ(Call("PUT", VaultPath("rg1", "kv-none") + "/accessPolicies/add?" + kKv,
                 {{"properties", {{"accessPolicies", json::array()}}}})
                .status,
            404);
}

TEST(AccessPolicyChangeTest, PermissionsCompareCaseInsensitivelyAndKeepStoredSpelling) {
  json policies = {
      {{"tenantId", kTenantId}, {"objectId", "ABC"}, {"permissions", {{"keys", {"Get"}}}}}};
  json change = {
      {{"tenantId", kTenantId}, {"objectId", "abc"}, {"permissions", {{"keys", {"get", "List"}}}}}};
  ASSERT_FALSE(ApplyAccessPolicyChange(AccessPolicyOperation::kAdd, change, &policies));
  EXPECT_EQ(policies[0]["permissions"]["keys"], json({"Get", "List"}));
}

}  // namespace
}  // namespace keyward::emulator::test
