#include "engine/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/manifest_test_util.h"

namespace keyward::engine {
namespace {

using manifest_testing::kResourceGroup;
using manifest_testing::kStackConfig;
using manifest_testing::MakeRegistry;
using manifest_testing::MinimalVault;
using ::testing::ElementsAre;

std::string Secret(const std::string& name, const std::string& vault,
                   const std::string& depends_on = "") {
  return "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: " + name +
         (depends_on.empty() ? "" : "\n  dependsOn: [" + depends_on + "]") +
         "\nspec:\n  vault: " + vault + "\n";
}

TEST(ValidateManifestsTest, ValidSetYieldsGraphAndCreationOrder) {
  FakeFileReader files;
  HandlerRegistry registry = MakeRegistry();
  files.AddFile("m/keyward.yaml", kStackConfig);
  files.AddFile("m/1-secrets.yaml", Secret("db", "orders-kv"));
  files.AddFile("m/2-vault.yaml", MinimalVault("orders-kv"));
  files.AddFile("m/3-rg.yaml", kResourceGroup);
  ValidationResult result = ValidateManifests({"m"}, files, registry);
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(result.order,
              ElementsAre("ResourceGroup/rg-payments", "Vault/orders-kv", "Secret/orders-kv/db"));
  EXPECT_EQ(result.graph.Dump(),
            "Secret/orders-kv/db <- Vault/orders-kv\nVault/orders-kv <- "
            "ResourceGroup/rg-payments\nResourceGroup/rg-payments\n");
}

TEST(ValidateManifestsTest, DependsOnCycleNamesThePath) {
  FakeFileReader files;
  HandlerRegistry registry = MakeRegistry();
  files.AddFile("m/keyward.yaml", kStackConfig);
  files.AddFile("m/a.yaml",
                "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: a\n"
                "  dependsOn: [Secret/a/s]\nspec:\n  sku: { family: A, name: standard }\n");
  files.AddFile("m/b.yaml", Secret("s", "a"));
  ValidationResult result = ValidateManifests({"m"}, files, registry);
  // "a" is too short for a vault name, so make it valid first.
  files.AddFile("m/a.yaml",
                "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: kva\n"
                "  dependsOn: [Secret/kva/s]\nspec:\n  sku: { family: A, name: standard }\n");
  files.AddFile("m/b.yaml", Secret("s", "kva"));
  result = ValidateManifests({"m"}, files, registry);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.items().size(), 1u);
  EXPECT_EQ(result.diagnostics.items()[0].ToString(),
            "m/a.yaml:1:1: error: dependency cycle: Vault/kva -> Secret/kva/s -> Vault/kva");
  EXPECT_TRUE(result.order.empty());
}

TEST(ValidateManifestsTest, OrderIsTheSameOnEveryRun) {
  FakeFileReader files;
  HandlerRegistry registry = MakeRegistry();
  files.AddFile("m/keyward.yaml", kStackConfig);
  for (const char* name : {"e-kv", "c-kv", "a-kv", "d-kv", "b-kv"}) {
    files.AddFile(std::string("m/") + name + ".yaml",
                  MinimalVault(name) + "---\n" + Secret("s", name));
  }
  const auto first = ValidateManifests({"m"}, files, registry).order;
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(first[0], "Vault/a-kv");  // files of a directory load sorted by path
  EXPECT_EQ(first[1], "Secret/a-kv/s");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ValidateManifests({"m"}, files, registry).order, first);
}

}  // namespace
}  // namespace keyward::engine
