#include "engine/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "engine/manifest_loader.h"
#include "engine/manifest_test_util.h"
#include "engine/schema_keywords.h"

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
  // Output schemas are not input rules (the plan schema uses `not`, which input schemas may not).
  EXPECT_FALSE(SchemaSet::Embedded().Has("plan.schema.json"));
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
  EXPECT_THAT(
      Validate("manifest.schema.json",
               "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata: { name: a--b }\n"
               "spec: { location: westeurope, tenantId: 22222222-2222-2222-2222-222222222222, "
               "sku: { family: A, name: standard } }\n"),
      HasSubstr("metadata.name: \"a--b\" is not a valid vault name"));
}

TEST(SchemaTest, WrongApiVersionAndKindConst) {
  std::string errors = Validate(
      "vault.schema.json",
      "apiVersion: v1\nkind: Secret\nmetadata: { name: abc }\nspec: { location: westus, tenantId: "
      "22222222-2222-2222-2222-222222222222, sku: { family: A, name: standard } }\n");
  EXPECT_THAT(errors,
              HasSubstr("t.yaml:1:13: error: apiVersion: \"v1\" must be keyward.dev/v1alpha1"));
  EXPECT_THAT(errors, HasSubstr("t.yaml:2:7: error: kind: \"Secret\" must be Vault"));
}

TEST(SchemaTest, ResourceGroupNameRules) {
  auto rg = [](const std::string& name) {
    return "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata: { name: '" + name +
           "' }\nspec:\n  location: westus\n";
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
            "t.yaml:3:11: error: metadata: expected a mapping, got null\n");
}

}  // namespace
}  // namespace keyward::engine

// ---------------------------------------------------------------------------------------------
// One test per supported keyword: the exact message keyward prints. valijson's messages are
// matched by their wording (schema.cc), so a valijson upgrade that rewords one fails here
// instead of silently changing what users read.

namespace keyward::engine {
namespace {

constexpr char kKeywordSchema[] = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "required": ["req"],
  "properties": {
    "req": {},
    "typ": { "type": "integer" },
    "enu": { "type": "string", "enum": ["a", "b"] },
    "con": { "type": "string", "const": "x" },
    "min": { "type": "integer", "minimum": 7 },
    "max": { "type": "integer", "maximum": 90 },
    "minlen": { "type": "string", "minLength": 3 },
    "maxlen": { "type": "string", "maxLength": 4 },
    "minit": { "type": "array", "minItems": 2 },
    "maxit": { "type": "array", "maxItems": 2, "items": { "type": "string" } },
    "minpr": { "type": "object", "minProperties": 2 },
    "maxpr": { "type": "object", "maxProperties": 1 },
    "uniq": { "type": "array", "uniqueItems": true, "maxItems": 10 },
    "pat": { "type": "string", "pattern": "^[a-z]+$", "patternErrorMessage": "must be lowercase" },
    "patraw": { "type": "string", "pattern": "^[a-z]+$" },
    "names": { "type": "object",
               "propertyNames": { "maxLength": 3, "pattern": "^[a-z]*$",
                                  "patternErrorMessage": "must be lowercase" } },
    "region": { "type": "string", "x-keyward-regions": ["westeurope", "eastus"] },
    "any": { "anyOf": [ { "type": "string" }, { "type": "object" } ] },
    "cond": { "type": "object", "properties": { "k": { "type": "string" } },
              "allOf": [ { "if": { "properties": { "k": { "const": "A" } } },
                           "then": { "required": ["a"] } } ] },
    "ref": { "$ref": "#/definitions/small" }
  },
  "definitions": { "small": { "type": "integer", "maximum": 1 } }
})";

const SchemaSet& KeywordSchemas() {
  static const std::shared_ptr<const SchemaSet> set = [] {
    auto loaded = SchemaSet::Load({{"k.schema.json", kKeywordSchema}});
    EXPECT_TRUE(loaded) << loaded.error().ToString();
    return loaded ? *loaded : nullptr;
  }();
  return *set;
}

// The messages for one document (with the required `req` added unless `with_req` is false).
std::string Messages(const std::string& yaml, const SchemaValidateOptions& options = {},
                     bool with_req = true) {
  Diagnostics d;
  auto docs = ParseYamlDocuments((with_req ? "req: 1\n" : "") + yaml, "k.yaml", &d);
  if (docs.empty()) return "parse failed: " + (d.empty() ? "" : d.items()[0].ToString());
  KeywordSchemas().Validate("k.schema.json", docs[0].value, docs[0].source, &d, options);
  std::string out;
  for (const auto& item : d.items()) out += item.ToString() + "\n";
  return out;
}

struct KeywordCase {
  const char* keyword;
  std::string yaml;      // after "req: 1\n" (so the value is on line 2)
  std::string expected;  // every message, exactly
};

const std::vector<KeywordCase>& KeywordCases() {
  static const std::vector<KeywordCase> cases = {
      {"type", "typ: true\n", "k.yaml:2:6: error: typ: expected an integer, got boolean true\n"},
      {"additionalProperties", "typx: 1\n",
       "k.yaml:2:1: error: unknown field 'typx', did you mean 'typ'? (allowed: any, con, cond, "
       "enu, max, maxit, maxlen, maxpr, min, minit, minlen, minpr, names, pat, patraw, ref, "
       "region, req, typ, uniq)\n"},
      {"enum", "enu: c\n", "k.yaml:2:6: error: enu: \"c\" is not one of: a, b\n"},
      {"const", "con: y\n", "k.yaml:2:6: error: con: \"y\" must be x\n"},
      {"minimum", "min: 3\n", "k.yaml:2:6: error: min: 3 is less than the minimum 7\n"},
      {"maximum", "max: 91\n", "k.yaml:2:6: error: max: 91 is greater than the maximum 90\n"},
      {"minLength", "minlen: ab\n",
       "k.yaml:2:9: error: minlen: \"ab\" is shorter than the minimum of 3 characters\n"},
      {"maxLength", "maxlen: abcde\n",
       "k.yaml:2:9: error: maxlen: is 5 characters long, more than the maximum of 4\n"},
      {"minItems", "minit: [1]\n",
       "k.yaml:2:8: error: minit: has 1 item, fewer than the minimum of 2\n"},
      {"maxItems", "maxit: [a, b, c]\n",
       "k.yaml:2:8: error: maxit: has 3 items, more than the maximum of 2\n"},
      {"items", "maxit: [a, 2]\n",
       "k.yaml:2:12: error: maxit[1]: expected a string, got integer 2\n"},
      {"minProperties", "minpr: {a: 1}\n",
       "k.yaml:2:8: error: minpr: has 1 entry, fewer than the minimum of 2\n"},
      {"maxProperties", "maxpr: {a: 1, b: 2}\n",
       "k.yaml:2:8: error: maxpr: has 2 entries, more than the maximum of 1\n"},
      {"uniqueItems", "uniq: [a, b, a]\n",
       "k.yaml:2:14: error: uniq: item 2 \"a\" repeats item 0; list each value once\n"},
      {"pattern", "pat: A\n", "k.yaml:2:6: error: pat: \"A\" must be lowercase\n"},
      {"propertyNames", "names: {ab: 1, CD: 2, abcd: 3}\n",
       "k.yaml:2:16: error: names: key 'CD' must be lowercase\n"
       "k.yaml:2:23: error: names: key 'abcd' is 4 characters long, more than the maximum of 3\n"},
      {"x-keyward-regions", "region: westeurop\n",
       "k.yaml:2:9: error: region: \"westeurop\" is not an Azure region keyward knows; did you "
       "mean 'westeurope'? (a region newer than keyward: list it under extraRegions in "
       "keyward.yaml)\n"},
      {"anyOf", "any: 5\n",
       "k.yaml:2:6: error: any: expected a string or a mapping, got integer 5\n"},
      {"allOf", "cond: {k: A}\n", "k.yaml:2:1: error: cond: missing required field 'a'\n"},
      {"if", "cond: {k: B}\ncon: z\n", "k.yaml:3:6: error: con: \"z\" must be x\n"},
      {"then", "cond: {k: A, a: 1}\ncon: z\n", "k.yaml:3:6: error: con: \"z\" must be x\n"},
      {"$ref", "ref: 2\n", "k.yaml:2:6: error: ref: 2 is greater than the maximum 1\n"},
  };
  return cases;
}

TEST(SchemaKeywordTest, EachKeywordHasItsMessage) {
  for (const KeywordCase& c : KeywordCases())
    EXPECT_EQ(Messages(c.yaml), c.expected) << "keyword " << c.keyword;
}

TEST(SchemaKeywordTest, RequiredIsReportedAtTheMapping) {
  EXPECT_EQ(Messages("typ: 1\n", {}, false), "k.yaml:1:1: error: missing required field 'req'\n");
}

TEST(SchemaKeywordTest, EveryKeywordThatChecksSomethingHasACase) {
  // Keywords that only carry structure or documentation produce no message of their own.
  const std::set<std::string> silent = {
      "$schema",  "$id",     "definitions", "properties",          "title",   "description",
      "examples", "default", "format",      "patternErrorMessage", "$comment"};
  std::set<std::string> covered = {"required"};
  for (const KeywordCase& c : KeywordCases()) covered.insert(c.keyword);
  for (const std::string& keyword : SupportedSchemaKeywords()) {
    if (silent.count(keyword)) continue;
    EXPECT_TRUE(covered.count(keyword)) << keyword << " has no message test";
  }
}

TEST(SchemaKeywordTest, MinimumLengthsOfEmptyValuesSayMustNotBeEmpty) {
  EXPECT_EQ(Messages("minlen: ''\n"), "k.yaml:2:9: error: minlen: must not be empty\n");
  EXPECT_EQ(Messages("minit: []\n"), "k.yaml:2:8: error: minit: must not be empty\n");
  EXPECT_EQ(Messages("minpr: {}\n"), "k.yaml:2:8: error: minpr: must not be empty\n");
}

TEST(SchemaKeywordTest, RegionsCompareWithoutCaseOrSpacesAndAcceptExtraRegions) {
  EXPECT_EQ(Messages("region: West Europe\n"), "");
  EXPECT_EQ(Messages("region: EASTUS\n"), "");
  EXPECT_THAT(Messages("region: mars\n"),
              HasSubstr("\"mars\" is not an Azure region keyward knows (a region"));
  SchemaValidateOptions options;
  options.extra_regions = {"Mars Central"};
  EXPECT_EQ(Messages("region: marscentral\n", options), "");
}

TEST(SchemaKeywordTest, AWrongTypeIsNotAlsoReportedAsAPatternOrEnumMismatch) {
  EXPECT_EQ(Messages("pat: 5\n"), "k.yaml:2:6: error: pat: expected a string, got integer 5\n");
  EXPECT_EQ(Messages("enu: 5\n"), "k.yaml:2:6: error: enu: expected a string, got integer 5\n");
}

// ---------------------------------------------------------------------------------------------
// Unbounded input: the crashes of issue #11 and what keeps them from coming back

TEST(SchemaBoundsTest, LongStringsAreLengthErrorsNotStackOverflows) {
  // libstdc++'s std::regex recursed once per character here and overflowed the stack at ~40 KB.
  const std::string name(200000, 'a');
  const std::string errors =
      Validate("vault.schema.json",
               "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: " + name +
                   "\n  dependsOn: [Vault/" + name +
                   "]\nspec: { location: westeurope, tenantId: "
                   "22222222-2222-2222-2222-222222222222, sku: { family: A, name: standard } }\n");
  EXPECT_THAT(errors,
              HasSubstr("metadata.name: is 200000 characters long, more than the maximum of 24"));
  EXPECT_THAT(errors, HasSubstr("metadata.dependsOn[0]: is 200006 characters long"));
  EXPECT_LT(errors.size(), 1000u) << "a message must not quote a whole long value";
}

TEST(SchemaBoundsTest, InvalidUtf8InAValueIsShownNotThrown) {
  // YAML never lets invalid UTF-8 through (yaml_document.h), but Validate is also fed JSON.
  Diagnostics d;
  SourceMap where;
  where.document = {"j.json", 1, 1};
  Json doc = {{"req", 1}, {"enu", std::string("\xff\xfe")}};
  EXPECT_FALSE(KeywordSchemas().Validate("k.schema.json", doc, where, &d));
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_THAT(d.items()[0].message, HasSubstr("enu: \"\xEF\xBF\xBD\xEF\xBF\xBD\" is not one of"));
}

TEST(SchemaBoundsTest, ADocumentWithThousandsOfProblemsListsFifty) {
  std::string yaml = "maxit: [";
  for (int i = 0; i < 3000; ++i) yaml += std::to_string(i) + ", ";
  yaml += "0]\n";
  std::string errors = Messages(yaml);
  // 3,001 wrong items and the list's length: 50 listed, the rest counted.
  EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 51) << errors.substr(0, 500);
  EXPECT_THAT(errors, HasSubstr("k.yaml:1:1: error: 2952 more problems in this document are not "
                                "listed; fix the ones above first"));
}

TEST(SchemaBoundsTest, UniqueItemsOfAHugeListIsNotCompared) {
  // 50,000 equal items: a pairwise check would take more than a billion comparisons.
  std::string yaml = "uniq: [";
  for (int i = 0; i < 50000; ++i) yaml += "a, ";
  yaml += "a]\n";
  EXPECT_EQ(Messages(yaml),
            "k.yaml:2:7: error: uniq: has 50001 items, more than the maximum of 10\n");
}

TEST(SchemaBoundsTest, EveryEmbeddedStringListAndMapIsBounded) {
  // What keeps "no unbounded input passes validation" true as the schemas grow: every string
  // has a maxLength (or is an enum / const / anchored pattern without open-ended repetition),
  // every list a maxItems, every open-ended map a maxProperties.
  std::vector<std::string> unbounded;
  std::function<void(const Json&, const std::string&)> walk = [&](const Json& node,
                                                                  const std::string& where) {
    if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], where + "/" + std::to_string(i));
      return;
    }
    if (!node.is_object()) return;
    // ("type" may also be a property named type, inside "properties".)
    const std::string type =
        node.contains("type") && node["type"].is_string() ? node["type"].get<std::string>() : "";
    if (type == "string" && !node.contains("maxLength") && !node.contains("enum") &&
        !node.contains("const")) {
      const std::string pattern = node.value("pattern", "");
      const bool bounded_pattern = !pattern.empty() && pattern.front() == '^' &&
                                   pattern.back() == '$' &&
                                   pattern.find_first_of("*+") == std::string::npos &&
                                   pattern.find(",}") == std::string::npos;
      if (!bounded_pattern) unbounded.push_back(where + " (string)");
    }
    if (type == "array" && !node.contains("maxItems")) unbounded.push_back(where + " (list)");
    if (type == "object" && node.contains("additionalProperties") &&
        node["additionalProperties"].is_object() && !node.contains("maxProperties"))
      unbounded.push_back(where + " (map)");
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() != "enum" && it.key() != "const" && it.key() != "examples")
        walk(*it, where + "/" + it.key());
    }
  };
  for (const auto& [name, text] : EmbeddedSchemas()) {
    if (IsOutputSchema(name)) continue;  // keyward's own output, not user input
    walk(Json::parse(text), name + "#");
  }
  EXPECT_THAT(unbounded, ::testing::IsEmpty());
}

TEST(SchemaLoadTest, PatternsRe2CannotRunFailTheLoad) {
  auto loaded =
      SchemaSet::Load({{"l.schema.json", R"({"type": "string", "pattern": "^(?!.*--)[a-z]+$"})"}});
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().ToString(), HasSubstr("cannot run in RE2"));
}

TEST(SchemaLoadTest, UnsupportedKeywordsAndUnboundedUniqueItemsFailTheLoad) {
  auto not_keyword = SchemaSet::Load({{"n.schema.json", R"({"not": {"type": "string"}})"}});
  ASSERT_FALSE(not_keyword);
  EXPECT_THAT(not_keyword.error().ToString(), HasSubstr("keyword 'not' is not supported"));
  auto unique = SchemaSet::Load({{"u.schema.json", R"({"type": "array", "uniqueItems": true})"}});
  ASSERT_FALSE(unique);
  EXPECT_THAT(unique.error().ToString(), HasSubstr("uniqueItems needs a maxItems"));
}

// ---------------------------------------------------------------------------------------------
// Rules that live in the schema only (their C++ copies in the handlers were removed)

std::string Vault(const std::string& name, const std::string& extra_spec = "") {
  return "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata: { name: '" + name +
         "' }\nspec: { location: westeurope, tenantId: 22222222-2222-2222-2222-222222222222, "
         "sku: { family: A, name: standard }" +
         extra_spec + " }\n";
}

TEST(SchemaRulesTest, VaultNames) {
  for (const char* good : {"payments-kv", "abc", "a1-b2-c3", "abcdefghijklmnopqrstuvwx"})
    EXPECT_EQ(Validate("vault.schema.json", Vault(good)), "") << good;
  EXPECT_THAT(Validate("vault.schema.json", Vault("ab")),
              HasSubstr("shorter than the minimum of 3"));
  EXPECT_THAT(Validate("vault.schema.json", Vault(std::string(25, 'a'))),
              HasSubstr("more than the maximum of 24"));
  for (const char* bad : {"1abc", "abc-", "ab--c", "abc_def", "-abc"})
    EXPECT_THAT(Validate("vault.schema.json", Vault(bad)), HasSubstr("is not a valid vault name"))
        << bad;
}

TEST(SchemaRulesTest, RetentionLocationAndNetworkLimits) {
  EXPECT_THAT(Validate("vault.schema.json", Vault("kv1", ", softDeleteRetentionInDays: 6")),
              HasSubstr("6 is less than the minimum 7"));
  EXPECT_THAT(Validate("vault.schema.json", Vault("kv1", ", softDeleteRetentionInDays: 91")),
              HasSubstr("91 is greater than the maximum 90"));
  std::string mars = Vault("kv1");
  mars.replace(mars.find("westeurope"), 10, "mars");
  EXPECT_THAT(Validate("vault.schema.json", mars), HasSubstr("\"mars\" is not an Azure region"));
  std::string rules;
  for (int i = 0; i < 1001; ++i) rules += "{ value: 10.0.0.1 }, ";
  EXPECT_THAT(
      Validate("vault.schema.json", Vault("kv1", ", networkAcls: { ipRules: [" + rules + "] }")),
      HasSubstr("spec.networkAcls.ipRules: has 1001 items, more than the maximum of 1000"));
}

TEST(SchemaRulesTest, AccessPolicyIdentitiesAreGuidsAndTheVaultAVaultNameOrId) {
  auto policy = [](const std::string& vault, const std::string& object_id) {
    return "apiVersion: keyward.dev/v1alpha1\nkind: AccessPolicy\nmetadata: { name: app }\n"
           "spec:\n  vault: '" +
           vault +
           "'\n  tenantId: 22222222-2222-2222-2222-222222222222\n"
           "  objectId: '" +
           object_id + "'\n  permissions: { keys: [get] }\n";
  };
  const std::string guid = "33333333-3333-3333-3333-333333333333";
  EXPECT_EQ(Validate("accesspolicy.schema.json", policy("payments-kv", guid)), "");
  EXPECT_EQ(Validate("accesspolicy.schema.json",
                     policy("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/"
                            "vaults/payments-kv",
                            guid)),
            "");
  EXPECT_THAT(Validate("accesspolicy.schema.json", policy("payments-kv", "bob")),
              HasSubstr("t.yaml:7:13: error: spec.objectId: \"bob\" must be a GUID"));
  EXPECT_THAT(Validate("accesspolicy.schema.json",
                       policy("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/"
                              "storageAccounts/x",
                              guid)),
              HasSubstr("t.yaml:5:10: error: spec.vault: \"/subscriptions/s/resourceGroups/rg/"
                        "providers/Microsoft.S... must be a vault name or a vault id"));
}

TEST(SchemaRulesTest, PrivateEndpointConnectionFieldsAreSharedByBothKinds) {
  auto pec = [](const std::string& kind, const std::string& parent, const std::string& endpoint,
                const std::string& status) {
    return "apiVersion: keyward.dev/v1alpha1\nkind: " + kind +
           "\nmetadata: { name: app }\n"
           "spec:\n  " +
           parent + ": p-1\n  privateEndpointId: '" + endpoint + "'\n  status: " + status + "\n";
  };
  const std::string endpoint =
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe";
  const std::string nic =
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic";
  for (const auto& [kind, parent] : std::vector<std::pair<std::string, std::string>>{
           {"PrivateEndpointConnection", "vault"},
           {"MhsmPrivateEndpointConnection", "managedHsm"}}) {
    const std::string file = SchemaSet::FileForKind(kind);
    EXPECT_EQ(Validate(file, pec(kind, parent, endpoint, "approved")), "") << kind;
    const std::string errors = Validate(file, pec(kind, parent, nic, "Pending"));
    EXPECT_THAT(errors, HasSubstr("t.yaml:6:22: error: spec.privateEndpointId:")) << kind;
    EXPECT_THAT(errors, HasSubstr("must be a private endpoint ARM id")) << kind;
    EXPECT_THAT(errors, HasSubstr("t.yaml:7:11: error: spec.status: \"Pending\" must be Approved "
                                  "or Rejected"))
        << kind;
  }
}

TEST(SchemaRulesTest, KeyAndManagedHsmKeyShareTheirDefinitions) {
  auto key = [](const std::string& kind, const std::string& parent) {
    return "apiVersion: keyward.dev/v1alpha1\nkind: " + kind +
           "\nmetadata: { name: cmk }\n"
           "spec:\n  " +
           parent + ": p-1\n  kty: RSA\n  keySize: 1024\n  curveName: P-999\n";
  };
  for (const auto& [kind, parent] : std::vector<std::pair<std::string, std::string>>{
           {"Key", "vault"}, {"ManagedHsmKey", "managedHsm"}}) {
    const std::string errors = Validate(SchemaSet::FileForKind(kind), key(kind, parent));
    EXPECT_THAT(errors, HasSubstr("spec.keySize: 1024 is not one of: 2048, 3072, 4096")) << kind;
    EXPECT_THAT(errors, HasSubstr("spec.curveName: \"P-999\" must be one of P-256")) << kind;
  }
}

}  // namespace
}  // namespace keyward::engine
