#include "engine/diff.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

std::vector<std::string> Paths(const std::vector<FieldChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.path);
  return out;
}

TEST(DiffTest, LocationComparesCaseInsensitivelyWhenConfigured) {
  DiffRules rules;
  rules.case_insensitive_paths = {"location"};
  EXPECT_TRUE(
      DiffManagedFields({{"location", "westeurope"}}, {{"location", "WestEurope"}}, rules).empty());
  EXPECT_EQ(
      DiffManagedFields({{"location", "westeurope"}}, {{"location", "WestEurope"}}, {}).size(), 1u);
  EXPECT_EQ(NormalizeLocation("West Europe"), "westeurope");
  EXPECT_EQ(NormalizeLocation("westeurope"), "westeurope");
}

TEST(DiffTest, FieldsTheUserDidNotSetAreNotManaged) {
  const Json desired = {{"properties", {{"sku", {{"name", "premium"}}}}}};
  const Json live = {{"id", "/x"},
                     {"properties",
                      {{"sku", {{"name", "premium"}, {"family", "A"}}},
                       {"provisioningState", "Succeeded"},
                       {"vaultUri", "https://kv.vault.azure.net/"}}}};
  EXPECT_TRUE(DiffManagedFields(desired, live, {}).empty());
}

TEST(DiffTest, ReportsNestedPathsWithBeforeAndAfter) {
  const Json desired = {
      {"properties", {{"sku", {{"name", "premium"}}}, {"enableSoftDelete", true}}}};
  const Json live = {{"properties", {{"sku", {{"name", "standard"}}}}}};
  auto changes = DiffManagedFields(desired, live, {});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].path, "properties.enableSoftDelete");
  EXPECT_TRUE(changes[0].before.is_null());
  EXPECT_EQ(changes[0].after, true);
  EXPECT_EQ(changes[1].path, "properties.sku.name");
  EXPECT_EQ(changes[1].before, "standard");
  EXPECT_EQ(changes[1].after, "premium");
}

TEST(DiffTest, NumbersCompareNumerically) {
  EXPECT_TRUE(DiffManagedFields({{"days", 90}}, {{"days", 90.0}}, {}).empty());
  EXPECT_TRUE(DiffManagedFields({{"days", 90u}}, {{"days", 90}}, {}).empty());
  EXPECT_EQ(DiffManagedFields({{"days", 90}}, {{"days", 7}}, {}).size(), 1u);
  EXPECT_EQ(DiffManagedFields({{"days", 90}}, {{"days", "90"}}, {}).size(), 1u);
  EXPECT_EQ(DiffManagedFields({{"days", 1}}, {{"days", -1}}, {}).size(), 1u);
}

TEST(DiffTest, IpRulesCompareAsASetWhenConfigured) {
  DiffRules rules;
  rules.set_paths = {"properties.networkAcls.ipRules"};
  const Json desired = {
      {"properties",
       {{"networkAcls",
         {{"ipRules", {{{"value", "203.0.113.0/24"}}, {{"value", "198.51.100.7/32"}}}}}}}}};
  const Json reordered = {
      {"properties",
       {{"networkAcls",
         {{"ipRules", {{{"value", "198.51.100.7/32"}}, {{"value", "203.0.113.0/24"}}}}}}}}};
  EXPECT_TRUE(DiffManagedFields(desired, reordered, rules).empty());
  // Without the rule, order matters (same length: reported element by element).
  EXPECT_EQ(Paths(DiffManagedFields(desired, reordered, {})),
            (std::vector<std::string>{"properties.networkAcls.ipRules[0].value",
                                      "properties.networkAcls.ipRules[1].value"}));
  // An extra live rule is drift: the user manages the whole set.
  Json extra = reordered;
  extra["properties"]["networkAcls"]["ipRules"].push_back({{"value", "192.0.2.1/32"}});
  auto changes = DiffManagedFields(desired, extra, rules);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, "properties.networkAcls.ipRules");
  EXPECT_EQ(changes[0].before.size(), 3u);
  EXPECT_EQ(changes[0].after.size(), 2u);
}

TEST(DiffTest, SetElementsUseCaseRulesOfTheirPath) {
  DiffRules rules;
  rules.set_paths = {"properties.accessPolicies[*].permissions.keys"};
  rules.case_insensitive_paths = {"properties.accessPolicies[*].permissions"};
  const Json desired = {
      {"properties",
       {{"accessPolicies", {{{"objectId", "o1"}, {"permissions", {{"keys", {"get", "list"}}}}}}}}}};
  const Json live = {{"properties",
                      {{"accessPolicies",
                        {{{"objectId", "o1"},
                          {"tenantId", "t"},
                          {"permissions", {{"keys", {"List", "Get"}}}}}}}}}};
  EXPECT_TRUE(DiffManagedFields(desired, live, rules).empty());
  Json changed = live;
  changed["properties"]["accessPolicies"][0]["permissions"]["keys"] = {"get", "delete"};
  EXPECT_EQ(Paths(DiffManagedFields(desired, changed, rules)),
            std::vector<std::string>{"properties.accessPolicies[0].permissions.keys"});
}

TEST(DiffTest, SetOfObjectsMatchesOnManagedFieldsOnly) {
  DiffRules rules;
  rules.set_paths = {"rules"};
  const Json desired = {{"rules", {{{"value", "a"}}, {{"value", "b"}}}}};
  const Json live = {
      {"rules", {{{"value", "b"}, {"action", "Allow"}}, {{"value", "a"}, {"action", "Allow"}}}}};
  EXPECT_TRUE(DiffManagedFields(desired, live, rules).empty());
}

TEST(DiffTest, IgnoredPathsAreNeverCompared) {
  DiffRules rules;
  rules.ignored_paths = {"properties.value", "**.secretUri"};
  const Json desired = {{"properties", {{"value", "x"}, {"attributes", {{"secretUri", "a"}}}}}};
  const Json live = {{"properties", {{"attributes", {{"secretUri", "b"}}}}}};
  EXPECT_TRUE(DiffManagedFields(desired, live, rules).empty());
}

TEST(DiffTest, OrderedArraysCompareElementwiseOnManagedFields) {
  const Json desired = {{"regions", {{{"name", "westeurope"}}, {{"name", "northeurope"}}}}};
  const Json live = {{"regions",
                      {{{"name", "westeurope"}, {"isPrimary", true}},
                       {{"name", "northeurope"}, {"isPrimary", false}}}}};
  EXPECT_TRUE(DiffManagedFields(desired, live, {}).empty());
  EXPECT_EQ(DiffManagedFields(desired, {{"regions", Json::array()}}, {}).size(), 1u);
}

TEST(DiffTest, MissingParentObjectReportsEachDesiredLeaf) {
  const Json desired = {{"sku", {{"family", "A"}, {"name", "premium"}}}};
  EXPECT_EQ(Paths(DiffManagedFields(desired, Json::object(), {})),
            (std::vector<std::string>{"sku.family", "sku.name"}));
  EXPECT_EQ(Paths(DiffManagedFields(desired, {{"sku", "premium"}}, {})),
            std::vector<std::string>{"sku"});
}

TEST(DiffTest, NullInDesiredIsNotManaged) {
  EXPECT_TRUE(DiffManagedFields({{"tags", nullptr}}, {{"tags", {{"a", "b"}}}}, {}).empty());
}

TEST(DiffTest, TagsWithDotsAreQuotedInPaths) {
  auto changes =
      DiffManagedFields({{"tags", {{"cost.center", "42"}}}}, {{"tags", Json::object()}}, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, "tags[\"cost.center\"]");
  EXPECT_TRUE(PathCovers("tags", changes[0].path));
  EXPECT_TRUE(PathMatches("tags.*", "tags.team"));
  EXPECT_TRUE(PathMatches("tags.*", changes[0].path));
}

TEST(DiffTest, PathPatterns) {
  EXPECT_TRUE(PathMatches("properties.accessPolicies[*].permissions.keys",
                          "properties.accessPolicies[3].permissions.keys"));
  EXPECT_FALSE(PathMatches("properties.accessPolicies[*].permissions.keys",
                           "properties.accessPolicies[3].permissions"));
  EXPECT_TRUE(PathCovers("properties.accessPolicies", "properties.accessPolicies[3].permissions"));
  EXPECT_FALSE(PathCovers("properties.access", "properties.accessPolicies"));
  EXPECT_TRUE(PathMatches("**.id", "properties.privateEndpoint.id"));
  EXPECT_TRUE(PathMatches("**.id", "id"));
  EXPECT_TRUE(PathMatches("a[1]", "a[1]"));
  EXPECT_FALSE(PathMatches("a[1]", "a[2]"));
  EXPECT_FALSE(PathMatches("a..b", "a.b"));  // malformed pattern matches nothing
  EXPECT_FALSE(PathMatches("[*]", "a"));
  EXPECT_EQ(JoinIndex(JoinPath("", "a"), 2), "a[2]");
}

TEST(DiffTest, ArmIdsCompareCaseInsensitively) {
  EXPECT_TRUE(
      ArmIdEquals("/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KV",
                  "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv/"));
  EXPECT_FALSE(ArmIdEquals("/subscriptions/s/x", "/subscriptions/s/y"));
  EXPECT_EQ(CanonicalArmId("/A/B/"), "/a/b");
}

TEST(DiffTest, FingerprintIsSha256OfCanonicalDump) {
  // sha256("{}")
  EXPECT_EQ(FingerprintOf(Json::object()),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  // Key order in the source does not matter.
  EXPECT_EQ(FingerprintOf(Json::parse(R"({"b":1,"a":2})")),
            FingerprintOf(Json::parse(R"({"a":2,"b":1})")));
  EXPECT_NE(FingerprintOf({{"a", 1}}), FingerprintOf({{"a", 2}}));
}

}  // namespace
}  // namespace keyward::engine
