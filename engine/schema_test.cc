#include "engine/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/manifest_loader.h"
#include "engine/manifest_test_util.h"

namespace keyward::engine {
namespace {

using ::testing::HasSubstr;

std::string Validate(const std::string& file, const std::string& yaml) {
  Diagnostics d;
  auto docs = ParseYamlDocuments(yaml, "t.yaml", &d);
  if (docs.empty()) return "parse failed: " + (d.empty() ? std::string() : d.items()[0].ToString());
  SchemaSet::Embedded().Validate(file, docs[0].value, docs[0].source, &d);
  std::string out;
  for (const auto& item : d.items()) out += item.ToString() + "\n";
  return out;
}

TEST(SchemaTest, EmbeddedSchemasCompile) {
  EXPECT_EQ(SchemaSet::Embedded().load_error(), "");
  for (const char* file : {"manifest.schema.json", "vault.schema.json", "resourcegroup.schema.json",
                           "keyward.schema.json"}) {
    EXPECT_TRUE(SchemaSet::Embedded().Has(file)) << file;
  }
}

TEST(SchemaTest, EverySchemaHasIdTitleAndDescription) {
  for (const auto& [name, text] : EmbeddedSchemas()) {
    Json schema = Json::parse(text);
    EXPECT_EQ(schema.value("$schema", ""), "http://json-schema.org/draft-07/schema#") << name;
    EXPECT_EQ(schema.value("$id", ""), "https://keyward.dev/schemas/v1alpha1/" + name) << name;
    EXPECT_FALSE(schema.value("title", "").empty()) << name;
    EXPECT_FALSE(schema.value("description", "").empty()) << name;
  }
}

TEST(SchemaTest, FileForKindIsLowercase) {
  EXPECT_EQ(SchemaSet::FileForKind("ResourceGroup"), "resourcegroup.schema.json");
}

TEST(SchemaTest, FullVaultExampleIsValid) {
  EXPECT_EQ(Validate("vault.schema.json", manifest_testing::kFullVault), "");
  // The envelope schema dispatches on kind, so it accepts it too (the editor modeline case).
  EXPECT_EQ(Validate("manifest.schema.json", manifest_testing::kFullVault), "");
}

TEST(SchemaTest, EnumsAcceptAnyCaseLikeArm) {
  const std::string vault = std::string(manifest_testing::kFullVault);
  std::string upper = vault;
  for (auto [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"name: premium", "name: PREMIUM"},
                                                        {"Disabled", "disabled"},
                                                        {"AzureServices", "azureservices"},
                                                        {"Deny", "DENY"},
                                                        {"family: A", "family: a"}}) {
    upper.replace(upper.find(from), from.size(), to);
  }
  EXPECT_EQ(Validate("vault.schema.json", upper), "");
}

TEST(SchemaTest, EnvelopeDispatchReportsKindSpecificErrors) {
  EXPECT_THAT(Validate("manifest.schema.json",
                       "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata: { name: a--b }\n"
                       "spec: { location: x, tenantId: 22222222-2222-2222-2222-222222222222, "
                       "sku: { family: A, name: standard } }\n"),
              HasSubstr("metadata.name: \"a--b\" is not a valid vault name"));
}

TEST(SchemaTest, WrongApiVersionAndKindConst) {
  std::string errors = Validate(
      "vault.schema.json",
      "apiVersion: v1\nkind: Secret\nmetadata: { name: abc }\nspec: { location: x, tenantId: "
      "22222222-2222-2222-2222-222222222222, sku: { family: A, name: standard } }\n");
  EXPECT_THAT(errors,
              HasSubstr("t.yaml:1:13: error: apiVersion: \"v1\" must be keyward.dev/v1alpha1"));
  EXPECT_THAT(errors, HasSubstr("t.yaml:2:7: error: kind: \"Secret\" must be Vault"));
}

TEST(SchemaTest, ResourceGroupNameRules) {
  auto rg = [](const std::string& name) {
    return "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata: { name: '" + name +
           "' }\nspec:\n  location: x\n";
  };
  EXPECT_EQ(Validate("resourcegroup.schema.json", rg("rg-payments_(prod).eu")), "");
  EXPECT_THAT(Validate("resourcegroup.schema.json", rg("rg.")), HasSubstr("must not end with '.'"));
  EXPECT_THAT(Validate("resourcegroup.schema.json", rg("rg/x")), HasSubstr("metadata.name"));
  EXPECT_THAT(Validate("resourcegroup.schema.json", rg(std::string(91, 'a'))),
              HasSubstr("metadata.name"));
  EXPECT_THAT(Validate("resourcegroup.schema.json",
                       rg("x") + "  tenantId: 22222222-2222-2222-2222-222222222222\n"),
              HasSubstr("unknown field 'tenantId' (allowed: location, tags)"));
}

TEST(SchemaTest, NetworkRulesAreChecked) {
  std::string vault = std::string(manifest_testing::kFullVault);
  vault.replace(vault.find("203.0.113.0/24"), 14, "not-an-ip");
  vault.replace(vault.find("/subscriptions/1111"), 5, "/subz");
  std::string errors = Validate("vault.schema.json", vault);
  EXPECT_THAT(
      errors,
      HasSubstr("spec.networkAcls.ipRules[0].value: \"not-an-ip\" must be an IPv4 address"));
  EXPECT_THAT(errors, HasSubstr("spec.networkAcls.virtualNetworkRules[0].id:"));
}

TEST(SchemaTest, DeclaresPropertyFollowsRefs) {
  const SchemaSet& s = SchemaSet::Embedded();
  EXPECT_TRUE(s.DeclaresProperty("vault.schema.json", {"spec", "tenantId"}));
  EXPECT_TRUE(s.DeclaresProperty("vault.schema.json", {"metadata", "resourceGroup"}));
  EXPECT_FALSE(s.DeclaresProperty("resourcegroup.schema.json", {"metadata", "resourceGroup"}));
  EXPECT_FALSE(s.DeclaresProperty("resourcegroup.schema.json", {"spec", "tenantId"}));
  EXPECT_FALSE(s.DeclaresProperty("nope.schema.json", {"spec"}));
}

TEST(SchemaTest, BrokenSchemaFailsToLoadWithItsName) {
  auto loaded = SchemaSet::Load({{"a.schema.json", "{ not json"}});
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().message, HasSubstr("a.schema.json"));
  auto dangling = SchemaSet::Load({{"b.schema.json", R"({"$ref": "missing.schema.json#/x"})"}});
  ASSERT_FALSE(dangling);
  EXPECT_THAT(dangling.error().message, HasSubstr("b.schema.json does not compile"));
}

TEST(FieldPathTest, QuotesKeysThatAreNotIdentifiers) {
  EXPECT_EQ(JoinFieldPath("", "spec"), "spec");
  EXPECT_EQ(JoinFieldPath("spec", "networkAcls"), "spec.networkAcls");
  EXPECT_EQ(JoinFieldPath("spec.ipRules", 2), "spec.ipRules[2]");
  EXPECT_EQ(JoinFieldPath("metadata.annotations", "keyward.dev/reconcile-policy"),
            "metadata.annotations[\"keyward.dev/reconcile-policy\"]");
  EXPECT_EQ(JoinFieldPath("a", "say \"hi\""), "a[\"say \\\"hi\\\"\"]");
}

}  // namespace
}  // namespace keyward::engine

namespace keyward::engine {
namespace {

TEST(SchemaTest, WrongTypeIsReportedOnceNotAlsoAsEnumMismatch) {
  const std::string errors = Validate(
      "manifest.schema.json", "apiVersion: keyward.dev/v1alpha1\nkind: 5\nmetadata: ~\nspec: {}\n");
  EXPECT_EQ(errors,
            "t.yaml:2:7: error: kind: expected a string, got integer 5\n"
            "t.yaml:3:1: error: metadata: expected a mapping, got null\n");
}

}  // namespace
}  // namespace keyward::engine
