#include "engine/guardrails/sarif.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/guardrails/rule_docs.h"
#include "engine/guardrails/rule_test_util.h"

namespace keyward::engine::guardrails {
namespace {

using ::testing::HasSubstr;

// A high Vault rule with every text and a control.
RuleRegistry Rules() {
  return RegistryWith(
      {.id = "KW-T-001",
       .name = "Thing",
       .title = "Things are fine",
       .severity = Severity::kHigh,
       .kinds = {"Vault"},
       .checks = "checks",
       .rationale = "why",
       .remediation = "fix",
       .controls = {{"MCSB v1", "DP-8", "Ensure security of key and certificate repository"}}});
}

Finding Located(const std::string& file) {
  Finding f;
  f.rule_id = "KW-T-001";
  f.severity = Severity::kMedium;
  f.address = "Vault/kv";
  f.arm_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
  f.field = "spec.enablePurgeProtection";
  f.location = {file, 12, 3};
  f.message = "enablePurgeProtection is false";
  return f;
}

TEST(SarifTest, RulesResultsLocationsAndSuppressions) {
  const RuleRegistry rules = Rules();
  Diagnostics d;
  StackConfig config;
  config.guardrails = {{"rules", {{"KW-T-001", {{"severity", "medium"}}}}}};
  const Policy policy = LoadPolicy(config, rules, &d);
  Finding waived = Located("m/vault b.yaml");
  waived.waiver = AppliedWaiver{"legacy", "2027-03-31"};
  Finding live = Located("");
  live.location = {};
  const Json log = Json::parse(RenderSarif({Located("m/vault.yaml"), waived, live}, policy,
                                           {"1.2.3", "/work/repo", "keyward/plan/"}));
  EXPECT_EQ(log["version"], "2.1.0");
  const Json& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["semanticVersion"], "1.2.3");
  EXPECT_EQ(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///work/repo/");
  EXPECT_EQ(run["automationDetails"]["id"], "keyward/plan/");
  const Json& descriptors = run["tool"]["driver"]["rules"];
  ASSERT_EQ(descriptors.size(), 2u);  // KW-GR-001 and the test rule
  const Json& rule = descriptors[1];
  EXPECT_EQ(rule["id"], "KW-T-001");
  EXPECT_EQ(rule["defaultConfiguration"]["level"], "warning") << "the stack's severity";
  EXPECT_EQ(rule["properties"]["security-severity"], "5.5");
  EXPECT_THAT(rule["help"]["markdown"].get<std::string>(), HasSubstr("**Fix:** fix"));

  const Json& results = run["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["ruleIndex"], 1);
  EXPECT_EQ(results[0]["level"], "warning");
  const Json& physical = results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(physical["artifactLocation"]["uri"], "m/vault.yaml");
  EXPECT_EQ(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(physical["region"], (Json{{"startLine", 12}, {"startColumn", 3}}));
  EXPECT_EQ(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "m/vault%20b.yaml");
  EXPECT_EQ(results[1]["suppressions"][0]["kind"], "inSource");
  EXPECT_EQ(results[1]["suppressions"][0]["justification"], "legacy (waived until 2027-03-31)");
  EXPECT_FALSE(results[2]["locations"][0].contains("physicalLocation"));
  EXPECT_EQ(results[2]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], live.arm_id);
  // Same rule, resource and field: the same fingerprint wherever the line moves.
  EXPECT_EQ(results[0]["partialFingerprints"], results[1]["partialFingerprints"]);
}

TEST(SarifTest, AbsolutePathsBecomeFileUris) {
  EXPECT_EQ(PathToUri("/tmp/a b/c#d.yaml"), "file:///tmp/a%20b/c%23d.yaml");
  EXPECT_EQ(PathToUri("manifests/vault.yaml"), "manifests/vault.yaml");
}

TEST(RuleDocsTest, GeneratedSectionIsReplacedBetweenTheMarkers) {
  const std::string doc =
      std::string("# Title\n\nprose\n\n") + kDocsBegin + "\nold\n" + kDocsEnd + "\n\nmore prose\n";
  auto updated = ReplaceGeneratedSection(doc, "new\n");
  ASSERT_TRUE(updated);
  EXPECT_EQ(*updated, std::string("# Title\n\nprose\n\n") + kDocsBegin + "\nnew\n" + kDocsEnd +
                          "\n\nmore prose\n");
  EXPECT_EQ(GeneratedSectionOf(*updated), "new\n");
  EXPECT_FALSE(ReplaceGeneratedSection("no markers", "x"));
}

TEST(RuleDocsTest, ReferenceListsEveryRuleWithItsWaiverSyntax) {
  const std::string doc = RuleReferenceMarkdown(Rules());
  EXPECT_THAT(doc, HasSubstr("| [KW-T-001](#kw-t-001) | high | Vault | Things are fine | MCSB v1 "
                             "DP-8 |"));
  EXPECT_THAT(doc, HasSubstr("### KW-GR-001"));
  EXPECT_THAT(doc, HasSubstr("`keyward.dev/waive: \"KW-T-001: <reason> until <YYYY-MM-DD>\"`"));
}

}  // namespace
}  // namespace keyward::engine::guardrails
