#include "engine/manifest_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/manifest_test_util.h"

namespace keyward::engine {
namespace {

using manifest_testing::kFullVault;
using manifest_testing::kResourceGroup;
using manifest_testing::kStackConfig;
using manifest_testing::kSubscription;
using manifest_testing::kTenant;
using manifest_testing::MakeRegistry;
using manifest_testing::MinimalVault;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Errors(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics.items()) {
    if (d.severity == Severity::kError) out += d.ToString() + "\n";
  }
  return out;
}

std::vector<std::string> ErrorLines(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics.items()) {
    if (d.severity == Severity::kError) out.push_back(d.ToString());
  }
  return out;
}

class ManifestLoaderTest : public ::testing::Test {
 protected:
  LoadResult Load(std::vector<std::string> paths = {"m"}) {
    return LoadManifests(paths, files_, registry_);
  }

  // Loads m/ into result_ and returns its error lines. A count other than `count` fails the test;
  // the list is then cut or padded to `count` so that the checks after it index safely.
  std::vector<std::string> LoadErrors(size_t count) {
    result_ = Load();
    std::vector<std::string> errors = ErrorLines(result_.diagnostics);
    EXPECT_EQ(errors.size(), count) << Errors(result_.diagnostics);
    errors.resize(count);
    return errors;
  }

  // The one error of loading a minimal Vault/orders-kv (m/a.yaml) when keyward.yaml's stack
  // `defaults` are only `defaults` (a flow mapping's contents).
  std::string OnlyErrorUnderDefaults(const std::string& defaults) {
    files_.AddFile("m/keyward.yaml", "stack: payments\ndefaults: { " + defaults + " }\n");
    files_.AddFile("m/a.yaml", MinimalVault("orders-kv"));
    return LoadErrors(1)[0];
  }

  FakeFileReader files_;
  HandlerRegistry registry_ = MakeRegistry();
  LoadResult result_;
};

TEST_F(ManifestLoaderTest, KeywardYamlWithoutStackIsUnownedMode) {
  files_.AddFile("m/keyward.yaml",
                 "# stack: payments\n"
                 "defaults:\n"
                 "  subscription: 11111111-1111-1111-1111-111111111111\n"
                 "  resourceGroup: rg-orders\n"
                 "  location: westeurope\n");
  files_.AddFile("m/rg.yaml", kResourceGroup);
  LoadResult result = Load();
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  EXPECT_EQ(result.set.config.stack, "");
  EXPECT_EQ(result.set.config.default_resource_group, "rg-orders");
}

TEST_F(ManifestLoaderTest, LoadsValidSetWithKeywardYamlDefaults) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/rg.yaml", kResourceGroup);
  files_.AddFile("m/vault.yaml", MinimalVault("orders-kv"));
  LoadResult result = Load();

  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  EXPECT_TRUE(result.diagnostics.empty());
  EXPECT_EQ(result.set.config.stack, "payments");
  EXPECT_TRUE(result.set.config.prune);
  EXPECT_EQ(result.set.config.parallelism, 4);
  EXPECT_EQ(result.set.config.location.file, "m/keyward.yaml");
  ASSERT_EQ(result.set.resources.size(), 2u);

  const DesiredResource& rg = result.set.resources[0];
  EXPECT_EQ(rg.address, "ResourceGroup/rg-payments");
  EXPECT_EQ(rg.subscription, kSubscription);
  EXPECT_EQ(rg.resource_group, "");  // subscription-scoped kind: no group default
  EXPECT_EQ(rg.spec["location"], "westeurope");
  EXPECT_FALSE(rg.spec.contains("tenantId"));  // the RG schema has no tenantId

  const DesiredResource& vault = result.set.resources[1];
  EXPECT_EQ(vault.address, "Vault/orders-kv");
  EXPECT_EQ(vault.resource_group, "rg-payments");
  EXPECT_EQ(vault.arm_id,
            std::string("/subscriptions/") + kSubscription +
                "/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/orders-kv");
  EXPECT_EQ(vault.spec["location"], "westeurope");
  EXPECT_EQ(vault.spec["tenantId"], kTenant);
  EXPECT_EQ(vault.policy, ReconcilePolicy::kManage);
  // The implicit reference to the resource group is an edge because the group is in the set.
  EXPECT_THAT(vault.depends_on, ElementsAre("ResourceGroup/rg-payments"));
  // A defaulted field points at the keyward.yaml line it came from.
  EXPECT_EQ(vault.field_locations.at("spec.location").ToString(), "m/keyward.yaml:5:13");
  EXPECT_EQ(vault.field_locations.at("spec.sku.name").ToString(), "m/vault.yaml:6:27");
  EXPECT_EQ(vault.location.ToString(), "m/vault.yaml:1:1");
  EXPECT_THAT(result.files, ElementsAre("m/keyward.yaml", "m/rg.yaml", "m/vault.yaml"));
}

TEST_F(ManifestLoaderTest, AcceptsEveryVaultFieldOfTheExample) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/vault.yaml", kFullVault);
  LoadResult result = Load();
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  ASSERT_EQ(result.set.resources.size(), 1u);
  const DesiredResource& vault = result.set.resources[0];
  EXPECT_EQ(vault.policy, ReconcilePolicy::kObserve);
  EXPECT_EQ(vault.spec["softDeleteRetentionInDays"], 90);
  EXPECT_EQ(vault.spec["enablePurgeProtection"], true);
  EXPECT_EQ(vault.spec["tags"]["cost-center"], "4711");  // quoted: stays a string
  EXPECT_EQ(vault.annotations.at("keyward.dev/reconcile-policy"), "observe");
  EXPECT_EQ(vault.field_locations.at("spec.networkAcls.ipRules[1].value").ToString(),
            "m/vault.yaml:27:16");
  // The resource group is not in the set and the reference is optional: no edge, no error.
  EXPECT_TRUE(vault.depends_on.empty());
}

TEST_F(ManifestLoaderTest, LoadsEveryDocumentOfAMultiDocumentFile) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/all.yaml", std::string("# comment only document\n---\n") + kResourceGroup +
                                   "---\n---\n" + MinimalVault("a-kv") + "...\n---\n" +
                                   MinimalVault("b-kv"));
  LoadResult result = Load();
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  ASSERT_EQ(result.set.resources.size(), 3u);
  EXPECT_EQ(result.set.resources[0].address, "ResourceGroup/rg-payments");
  EXPECT_EQ(result.set.resources[1].address, "Vault/a-kv");
  EXPECT_EQ(result.set.resources[2].address, "Vault/b-kv");
  EXPECT_EQ(result.set.resources[1].location.ToString(), "m/all.yaml:11:1");
}

TEST_F(ManifestLoaderTest, MalformedYamlGivesFileLineColumn) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile(
      "m/bad.yaml",
      "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: x\n   bad: [1, 2\n");
  LoadResult result = Load();
  ASSERT_TRUE(result.diagnostics.HasErrors());
  std::vector<std::string> errors = ErrorLines(result.diagnostics);
  ASSERT_EQ(errors.size(), 1u) << Errors(result.diagnostics);
  EXPECT_THAT(errors[0],
              ::testing::MatchesRegex("m/bad\\.yaml:[0-9]+:[0-9]+: error: invalid YAML: .*"));
}

TEST_F(ManifestLoaderTest, UnknownFieldIsReportedAtThatFieldWithSuggestion) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/vault.yaml",
                 MinimalVault("orders-kv") + "  lokation: westeurope\n  enableSoftDeleet: true\n");
  const std::vector<std::string> errors = LoadErrors(2);
  EXPECT_THAT(errors[0], HasSubstr("m/vault.yaml:7:3: error: spec: unknown field 'lokation', did "
                                   "you mean 'location'? (allowed: "));
  EXPECT_THAT(errors[0], HasSubstr("location, networkAcls"));
  EXPECT_THAT(errors[1], HasSubstr("m/vault.yaml:8:3: error: spec: unknown field "
                                   "'enableSoftDeleet', did you mean 'enableSoftDelete'?"));
  EXPECT_TRUE(result_.set.resources.empty());
}

TEST_F(ManifestLoaderTest, WrongTypeIsReportedAtItsLocation) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/vault.yaml", MinimalVault("orders-kv") +
                                     "  enablePurgeProtection: \"true\"\n  enableSoftDelete: yes\n"
                                     "  softDeleteRetentionInDays: '30'\n");
  const std::vector<std::string> errors = LoadErrors(3);
  EXPECT_EQ(errors[0],
            "m/vault.yaml:7:26: error: spec.enablePurgeProtection: expected a boolean, got string "
            "\"true\""
            " (keyward reads YAML 1.2: write true or false, unquoted)");
  EXPECT_THAT(errors[1], HasSubstr("m/vault.yaml:8:21: error: spec.enableSoftDelete: expected a "
                                   "boolean, got string \"yes\""));
  EXPECT_EQ(errors[2],
            "m/vault.yaml:9:30: error: spec.softDeleteRetentionInDays: expected an integer, got "
            "string \"30\""
            " (remove the quotes to write a number)");
}

TEST_F(ManifestLoaderTest, RangeEnumAndPatternViolationsReadLikeSentences) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/vault.yaml",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: orders-kv\n"
                 "  annotations: { keyward.dev/reconcile-policy: manag }\n"
                 "spec:\n  sku: { family: A, name: gold }\n  softDeleteRetentionInDays: 5\n"
                 "  publicNetworkAccess: enabled\n");
  const std::vector<std::string> errors = LoadErrors(3);
  EXPECT_EQ(errors[0],
            "m/vault.yaml:5:48: error: metadata.annotations[\"keyward.dev/reconcile-policy\"]: "
            "\"manag\" is not one of: manage, observe, skip, detach-on-delete");
  EXPECT_EQ(
      errors[1],
      "m/vault.yaml:7:27: error: spec.sku.name: \"gold\" must be standard or premium (any case)");
  EXPECT_EQ(
      errors[2],
      "m/vault.yaml:8:30: error: spec.softDeleteRetentionInDays: 5 is less than the minimum 7");
}

TEST_F(ManifestLoaderTest, ReportsAllProblemsAcrossFilesAtOnce) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("a-kv") + "  enableSoftDelete: 1\n");
  files_.AddFile("m/b.yaml", "kind: Vault\nmetadata: { name: b-kv }\nspec: {}\n---\n" +
                                 MinimalVault("c-kv") + "  bogus: 1\n");
  files_.AddFile("m/c.yaml", "a: [\n");
  LoadResult result = Load();
  std::string errors = Errors(result.diagnostics);
  EXPECT_THAT(
      errors,
      HasSubstr("m/a.yaml:7:21: error: spec.enableSoftDelete: expected a boolean, got integer 1"));
  EXPECT_THAT(errors, HasSubstr("m/b.yaml:1:1: error: missing required field 'apiVersion'"));
  EXPECT_THAT(errors, HasSubstr("m/b.yaml:3:1: error: spec: missing required field 'sku'"));
  EXPECT_THAT(errors, HasSubstr("m/b.yaml:11:3: error: spec: unknown field 'bogus'"));
  EXPECT_THAT(errors, HasSubstr("m/c.yaml:"));
  EXPECT_EQ(ErrorLines(result.diagnostics).size(), 5u) << errors;
}

TEST_F(ManifestLoaderTest, RejectsBadVaultNames) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/v.yaml", MinimalVault("my--vault") + "---\n" + MinimalVault("1vault") +
                                 "---\n" + MinimalVault("ab") + "---\n" + MinimalVault("vault-") +
                                 "---\n" + MinimalVault("abcdefghijklmnopqrstuvwxy"));
  const std::vector<std::string> errors = LoadErrors(5);
  EXPECT_EQ(errors[0],
            "m/v.yaml:4:9: error: metadata.name: \"my--vault\" is not a valid vault name: use 3-24 "
            "letters, digits and hyphens, start with a letter, end with a letter or digit, and no "
            "consecutive hyphens");
  EXPECT_TRUE(result_.set.resources.empty());
}

TEST_F(ManifestLoaderTest, UnknownKindListsKnownKinds) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile(
      "m/x.yaml",
      "apiVersion: keyward.dev/v1alpha1\nkind: Vualt\nmetadata: { name: x }\nspec: {}\n");
  const std::vector<std::string> errors = LoadErrors(1);
  EXPECT_EQ(
      errors[0],
      "m/x.yaml:2:7: error: unknown kind 'Vualt' (known kinds: ResourceGroup, Vault, Secret)");
}

TEST_F(ManifestLoaderTest, DuplicateAddressNamesBothLocations) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("orders-kv"));
  files_.AddFile("m/b.yaml", "# second\n" + MinimalVault("Orders-KV"));
  const std::vector<std::string> errors = LoadErrors(1);
  EXPECT_EQ(errors[0],
            "m/b.yaml:2:1: error: duplicate resource Vault/Orders-KV: defined at m/a.yaml:1:1 and "
            "at m/b.yaml:2:1");
  ASSERT_EQ(result_.set.resources.size(), 1u);
}

TEST_F(ManifestLoaderTest, DanglingRequiredReferenceIsAnErrorAtTheField) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/s.yaml",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata: { name: db-password }\n"
                 "spec:\n  vault: missing-kv\n");
  const std::vector<std::string> errors = LoadErrors(1);
  EXPECT_EQ(errors[0],
            "m/s.yaml:5:10: error: dangling reference: spec.vault refers to Vault/missing-kv, "
            "which is not "
            "in this manifest set");
}

TEST_F(ManifestLoaderTest, ReferencesAndDependsOnBecomeEdgesSpelledAsTheTarget) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("orders-kv"));
  files_.AddFile("m/s.yaml",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: db\n"
                 "  dependsOn: [vault/ORDERS-kv, Vault/nope]\nspec:\n  vault: orders-kv\n");
  const std::vector<std::string> errors = LoadErrors(1);
  EXPECT_EQ(
      errors[0],
      "m/s.yaml:5:32: error: Secret/orders-kv/db: dependsOn 'Vault/nope' is not a resource in this "
      "manifest set");
  ASSERT_EQ(result_.set.resources.size(), 2u);
  EXPECT_THAT(result_.set.resources[1].depends_on, ElementsAre("Vault/orders-kv"));
}

TEST_F(ManifestLoaderTest, MissingSubscriptionNamesTheResource) {
  EXPECT_EQ(
      OnlyErrorUnderDefaults("resourceGroup: rg, location: westeurope, tenantId: "
                             "22222222-2222-2222-2222-222222222222"),
      "m/a.yaml:3:1: error: Vault/orders-kv has no subscription: set metadata.subscription or "
      "defaults.subscription in keyward.yaml");
}

TEST_F(ManifestLoaderTest, MissingLocationSaysWhereToSetIt) {
  EXPECT_EQ(
      OnlyErrorUnderDefaults("subscription: 11111111-1111-1111-1111-111111111111, "
                             "resourceGroup: rg, tenantId: 22222222-2222-2222-2222-222222222222"),
      "m/a.yaml:5:1: error: spec: missing required field 'location' (set it here or as "
      "defaults.location in keyward.yaml)");
}

TEST_F(ManifestLoaderTest, ReconcilePolicyAnnotationOverridesTheStackDefault) {
  files_.AddFile("m/keyward.yaml", std::string(kStackConfig) + "");
  files_.AddFile("m/keyward.yaml",
                 "stack: payments\ndefaults: { subscription: 11111111-1111-1111-1111-111111111111, "
                 "resourceGroup: rg,"
                 " location: westeurope, tenantId: 22222222-2222-2222-2222-222222222222 }\n"
                 "policies: { reconcilePolicy: observe }\n");
  auto with_policy = [](const std::string& name, const std::string& policy) {
    return "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: " + name +
           "\n  annotations: { keyward.dev/reconcile-policy: " + policy +
           " }\nspec:\n  sku: { family: A, name: standard }\n";
  };
  files_.AddFile("m/a.yaml", MinimalVault("a-kv") + "---\n" + with_policy("b-kv", "skip") +
                                 "---\n" + with_policy("c-kv", "detach-on-delete") + "---\n" +
                                 with_policy("d-kv", "manage"));
  LoadResult result = Load();
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  ASSERT_EQ(result.set.resources.size(), 4u);
  EXPECT_EQ(result.set.resources[0].policy, ReconcilePolicy::kObserve);  // keyward.yaml default
  EXPECT_EQ(result.set.resources[1].policy, ReconcilePolicy::kSkip);
  EXPECT_EQ(result.set.resources[2].policy, ReconcilePolicy::kDetachOnDelete);
  EXPECT_EQ(result.set.resources[3].policy, ReconcilePolicy::kManage);
  EXPECT_EQ(result.set.config.default_policy, ReconcilePolicy::kObserve);
}

TEST_F(ManifestLoaderTest, BadReconcilePolicyOnSchemalessKindIsAnError) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("orders-kv"));
  files_.AddFile(
      "m/s.yaml",
      "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: db\n"
      "  annotations:\n    keyward.dev/reconcile-policy: sometimes\nspec:\n  vault: orders-kv\n");
  const std::vector<std::string> errors = LoadErrors(1);
  EXPECT_THAT(
      errors[0],
      HasSubstr("m/s.yaml:6:35: error: metadata.annotations[\"keyward.dev/reconcile-policy\"]: "
                "\"sometimes\" is not one of"));
}

TEST_F(ManifestLoaderTest, DigestChangesWhenContentChanges) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("orders-kv"));
  const std::string first = Load().set.digest;
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(Load().set.digest, first);  // deterministic
  files_.AddFile("m/a.yaml", MinimalVault("orders-kv") + "# a comment changes the bytes\n");
  EXPECT_NE(Load().set.digest, first);
  files_.AddFile("m/a.yaml", MinimalVault("orders-kv"));
  EXPECT_EQ(Load().set.digest, first);
  files_.AddFile("m/keyward.yaml", std::string(kStackConfig) + "\n");
  EXPECT_NE(Load().set.digest, first);  // keyward.yaml is part of the set
}

TEST_F(ManifestLoaderTest, DigestDoesNotDependOnTheDirectoryItWasLoadedFrom) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("a-kv"));
  files_.AddFile("other/place/m/keyward.yaml", kStackConfig);
  files_.AddFile("other/place/m/a.yaml", MinimalVault("a-kv"));
  EXPECT_EQ(Load({"m"}).set.digest, Load({"other/place/m"}).set.digest);
}

TEST_F(ManifestLoaderTest, DigestDoesNotDependOnPathOrderGiven) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("a-kv"));
  files_.AddFile("m/b.yaml", MinimalVault("b-kv"));
  EXPECT_EQ(Load({"m/a.yaml", "m/b.yaml"}).set.digest, Load({"m/b.yaml", "m/a.yaml"}).set.digest);
}

TEST_F(ManifestLoaderTest, WithoutKeywardYamlStackIsNamedAfterTheDirectoryWithAWarning) {
  files_.AddFile("payments/rg.yaml",
                 "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: rg\n  "
                 "subscription: " +
                     std::string(kSubscription) + "\nspec: { location: westeurope }\n");
  LoadResult result = Load({"payments"});
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  EXPECT_EQ(result.set.config.stack, "payments");
  ASSERT_EQ(result.diagnostics.items().size(), 1u);
  EXPECT_EQ(result.diagnostics.items()[0].ToString(),
            "payments: warning: no keyward.yaml in 'payments'; the stack name defaults to "
            "'payments' (the "
            "keyward-stack tag on every resource)");
}

TEST_F(ManifestLoaderTest, KeywardYamlIsValidatedToo) {
  files_.AddFile("m/keyward.yaml",
                 "stack: a/b\npolicies:\n  parallelism: 100\n  softDelete: purge\n  pruen: true\n");
  const std::vector<std::string> errors = LoadErrors(4);
  EXPECT_EQ(errors[0],
            "m/keyward.yaml:1:8: error: stack: \"a/b\" is used as an ARM tag value and may not "
            "contain / < > % & \\ ?");
  EXPECT_EQ(errors[1],
            "m/keyward.yaml:3:16: error: policies.parallelism: 100 is greater than the maximum 64");
  EXPECT_EQ(errors[2],
            "m/keyward.yaml:4:15: error: policies.softDelete: \"purge\" is not one of: recover, "
            "purge-then-create");
  EXPECT_THAT(
      errors[3],
      HasSubstr(
          "m/keyward.yaml:5:3: error: policies: unknown field 'pruen', did you mean 'prune'?"));
}

TEST_F(ManifestLoaderTest, PurgeThenCreatePolicyIsPassedOn) {
  files_.AddFile("m/keyward.yaml", "stack: s\npolicies: { softDelete: purge-then-create }\n");
  EXPECT_TRUE(Load().purge_then_create);
}

TEST_F(ManifestLoaderTest, FilePathUsesTheKeywardYamlOfItsDirectory) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("a-kv"));
  files_.AddFile("m/b.yaml", MinimalVault("b-kv"));
  LoadResult result = Load({"m/b.yaml"});
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  ASSERT_EQ(result.set.resources.size(), 1u);
  EXPECT_EQ(result.set.config.stack, "payments");
}

TEST_F(ManifestLoaderTest, MissingPathAndDifferentStacksAreErrors) {
  files_.AddFile("a/keyward.yaml", "stack: one\n");
  files_.AddFile("b/keyward.yaml", "stack: two\n");
  files_.AddFile("a/x.yaml", "# nothing\n");
  files_.AddFile("b/x.yaml", "# nothing\n");
  LoadResult result = Load({"a", "b", "nope"});
  std::string errors = Errors(result.diagnostics);
  EXPECT_THAT(errors, HasSubstr("nope: error: no such file or directory"));
  EXPECT_THAT(errors, HasSubstr("b/keyward.yaml:1:1: error: manifest paths belong to different "
                                "stacks: 'one' (a) and 'two' (b)"));
}

TEST_F(ManifestLoaderTest, SkipsHiddenDirectoriesNodeModulesAndNestedKeywardYaml) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/.git/x.yaml", "garbage: [");
  files_.AddFile("m/node_modules/y.yml", "garbage: [");
  files_.AddFile("m/sub/keyward.yaml", "stack: other\n");
  files_.AddFile("m/sub/v.yml", MinimalVault("orders-kv"));
  files_.AddFile("m/README.md", "not yaml");
  LoadResult result = Load();
  EXPECT_FALSE(result.diagnostics.HasErrors()) << Errors(result.diagnostics);
  EXPECT_EQ(result.set.resources.size(), 1u);
  ASSERT_EQ(result.diagnostics.items().size(), 1u);
  EXPECT_THAT(result.diagnostics.items()[0].ToString(),
              HasSubstr("m/sub/keyward.yaml: warning: ignored"));
}

TEST_F(ManifestLoaderTest, UnreadableFileIsAnErrorAndOthersStillLoad) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", MinimalVault("a-kv"));
  files_.AddFile("m/b.yaml", MinimalVault("b-kv"));
  files_.MakeUnreadable("m/a.yaml");
  LoadResult result = Load();
  EXPECT_THAT(Errors(result.diagnostics),
              HasSubstr("m/a.yaml: error: cannot read: m/a.yaml: permission denied"));
  EXPECT_EQ(result.set.resources.size(), 1u);
}

TEST_F(ManifestLoaderTest, GarbageInputIsReportedNeverCrashes) {
  files_.AddFile("m/keyward.yaml", "- not\n- a mapping\n");
  const char* const kGarbage[] = {
      "kind: 5\n",
      "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata: [a]\nspec: 3\n",
      "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata: { name: 12 }\nspec: { sku: [] }\n",
      "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata: ~\nspec: ~\n",
      "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata: { name: s, dependsOn: [3, "
      "Vault/x] }\nspec: {}\n",
      "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata: { name: rg, resourceGroup: "
      "x }\nspec: {}\n",
      "\t- tab\n",
      "\"unterminated\n",
      "&a [*a, *a]\n",
      "---\n...\n---\n",
      "\xff\xfe\x00garbage\n",
      "? a\n",
  };
  int i = 0;
  for (const char* text : kGarbage) files_.AddFile("m/g" + std::to_string(i++) + ".yaml", text);
  LoadResult result = Load();
  EXPECT_TRUE(result.diagnostics.HasErrors());
  EXPECT_TRUE(result.set.resources.empty());
  for (const auto& d : result.diagnostics.items()) EXPECT_FALSE(d.message.empty());
}

TEST_F(ManifestLoaderTest, NonMappingDocumentIsAnError) {
  files_.AddFile("m/keyward.yaml", kStackConfig);
  files_.AddFile("m/a.yaml", "- just\n- a list\n");
  LoadResult result = Load();
  EXPECT_EQ(Errors(result.diagnostics),
            "m/a.yaml:1:1: error: a manifest document must be a mapping with apiVersion, kind, "
            "metadata and spec\n");
}

TEST(ManifestDigestTest, IsOrderIndependentAndLengthPrefixed) {
  EXPECT_EQ(ManifestDigest({{"a", "1"}, {"b", "2"}}), ManifestDigest({{"b", "2"}, {"a", "1"}}));
  EXPECT_NE(ManifestDigest({{"a", "bc"}}), ManifestDigest({{"ab", "c"}}));
  EXPECT_EQ(ManifestDigest({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace keyward::engine
