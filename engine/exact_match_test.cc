#include "engine/exact_match.h"

#include <gtest/gtest.h>

#include <functional>

#include "engine/diff.h"

namespace keyward::engine {
namespace {

// A normalized vault as the planner sees it: nested objects, an array of objects, tags.
Json VaultBody() {
  return Json::parse(R"({
    "location": "westeurope",
    "tags": {"team": "payments", "keyward-stack": "prod"},
    "properties": {
      "tenantId": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
      "sku": {"family": "A", "name": "standard"},
      "softDeleteRetentionInDays": 30,
      "enablePurgeProtection": true,
      "networkAcls": {
        "bypass": "AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"value": "198.51.100.7"}, {"value": "203.0.113.0/24"}]
      }
    }
  })");
}

// Every scalar of `body`, as a JSON pointer.
std::vector<Json::json_pointer> Leaves(const Json& body) {
  std::vector<Json::json_pointer> out;
  std::function<void(const Json&, const Json::json_pointer&)> walk = [&](const Json& node,
                                                                         const auto& at) {
    if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) walk(*it, at / it.key());
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], at / i);
    } else {
      out.push_back(at);
    }
  };
  walk(body, Json::json_pointer());
  return out;
}

TEST(ExactMatchTest, EqualBodiesMatch) {
  EXPECT_TRUE(ManagedFieldsMatchExactly(VaultBody(), VaultBody()));
}

TEST(ExactMatchTest, OneChangedLeafAnywhereIsSeen) {
  const Json desired = VaultBody();
  const auto leaves = Leaves(desired);
  ASSERT_EQ(leaves.size(), 12u);
  for (const auto& leaf : leaves) {
    Json live = desired;
    const Json& was = live[leaf];
    live[leaf] = was.is_string()    ? Json(was.get<std::string>() + "x")
                 : was.is_boolean() ? Json(!was.get<bool>())
                                    : Json(was.get<int>() + 1);
    EXPECT_FALSE(ManagedFieldsMatchExactly(desired, live)) << leaf.to_string();
    // ...and the full diff, which then runs, reports it.
    EXPECT_FALSE(DiffManagedFields(desired, live, {}).empty()) << leaf.to_string();
  }
}

TEST(ExactMatchTest, AMissingLiveFieldIsSeen) {
  const Json desired = VaultBody();
  Json live = desired;
  live["properties"]["networkAcls"].erase("bypass");
  EXPECT_FALSE(ManagedFieldsMatchExactly(desired, live));
  live = desired;
  live["properties"]["networkAcls"]["ipRules"].erase(1);
  EXPECT_FALSE(ManagedFieldsMatchExactly(desired, live));
}

TEST(ExactMatchTest, UnmanagedFieldsAreNotCompared) {
  Json desired = VaultBody();
  Json live = VaultBody();
  live["properties"]["provisioningState"] = "Succeeded";  // the user did not write it
  live["id"] = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
  desired["properties"]["enableRbacAuthorization"] = nullptr;  // null: not managed
  EXPECT_TRUE(ManagedFieldsMatchExactly(desired, live));
  EXPECT_TRUE(DiffManagedFields(desired, live, {}).empty());
}

TEST(ExactMatchTest, ANullArrayElementMustMeetANull) {
  // The diff reports `[null]` against `["x"]`; the fast path must not hide it.
  const Json desired = {{"list", {nullptr}}};
  const Json live = {{"list", {"x"}}};
  EXPECT_FALSE(ManagedFieldsMatchExactly(desired, live));
  EXPECT_EQ(DiffManagedFields(desired, live, {}).size(), 1u);
  EXPECT_TRUE(ManagedFieldsMatchExactly(desired, Json{{"list", {nullptr}}}));
}

TEST(ExactMatchTest, DifferentJsonTypesDoNotMatch) {
  // Equal as nlohmann compares them across number types, but not the same value for the check:
  // the full diff decides (it treats 90 and 90.0 as equal, "90" and 90 as different).
  EXPECT_FALSE(ManagedFieldsMatchExactly({{"days", 90}}, {{"days", 90.0}}));
  EXPECT_TRUE(DiffManagedFields({{"days", 90}}, {{"days", 90.0}}, {}).empty());
  EXPECT_FALSE(ManagedFieldsMatchExactly({{"days", 90}}, {{"days", "90"}}));
  EXPECT_FALSE(ManagedFieldsMatchExactly({{"on", true}}, {{"on", 1}}));
  EXPECT_FALSE(ManagedFieldsMatchExactly({{"acls", Json::object()}}, {{"acls", nullptr}}));
}

TEST(ExactMatchTest, WhatOnlyTheRulesForgiveIsLeftToTheFullDiff) {
  // Case and order differences are no change under the vault's rules, but not exact matches.
  DiffRules rules;
  rules.case_insensitive_paths = {"location"};
  rules.set_paths = {"properties.networkAcls.ipRules"};
  const Json desired = VaultBody();
  Json live = VaultBody();
  live["location"] = "WestEurope";
  std::swap(live["properties"]["networkAcls"]["ipRules"][0],
            live["properties"]["networkAcls"]["ipRules"][1]);
  EXPECT_FALSE(ManagedFieldsMatchExactly(desired, live));
  EXPECT_TRUE(DiffManagedFields(desired, live, rules).empty());
}

}  // namespace
}  // namespace keyward::engine
