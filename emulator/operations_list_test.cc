// Operations_List and PrivateLinkResources_ListByVault against the real binary.
#include <gtest/gtest.h>

#include <set>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

using OperationsListTest = EmulatorTest;

TEST_F(OperationsListTest, ListsTheProviderCatalogueWithoutASubscription) {
  auto r = Call("GET", std::string("/providers/Microsoft.KeyVault/operations?") + kKv);
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  EXPECT_FALSE(body.contains("nextLink"));
  std::set<std::string> names;
  for (const auto& op : body["value"]) {
    names.insert(op["name"]);
    EXPECT_EQ(op["display"]["provider"], "Microsoft Key Vault");
    for (const char* f : {"resource", "operation", "description"}) {
      EXPECT_TRUE(op["display"][f].is_string()) << op.dump();
    }
    EXPECT_TRUE(op["isDataAction"].is_boolean());
    EXPECT_TRUE(op["origin"].is_string());
  }
  for (const char* n :
       {"Microsoft.KeyVault/vaults/read", "Microsoft.KeyVault/vaults/keys/write",
        "Microsoft.KeyVault/vaults/secrets/write", "Microsoft.KeyVault/vaults/accessPolicies/write",
        "Microsoft.KeyVault/operations/read"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  EXPECT_EQ(Call("GET", "/providers/Microsoft.KeyVault/operations?api-version=2019-01-01").status,
            400);
}

using PrivateLinkResourcesTest = EmulatorTest;

TEST_F(PrivateLinkResourcesTest, VaultHasOneVaultGroupAndNoPaging) {
  CreateRg("rg1");
  ASSERT_EQ(PutVault("rg1", "kv-plr", VaultBody()).status, 200);
  auto r = Call("GET", VaultPath("rg1", "kv-plr") + "/privateLinkResources?" + kKv);
  ASSERT_EQ(r.status, 200) << r.body;
  json expected = {{"value",
                    {{{"id", VaultPath("rg1", "kv-plr") + "/privateLinkResources/vault"},
                      {"name", "vault"},
                      {"type", "Microsoft.KeyVault/vaults/privateLinkResources"},
                      {"properties",
                       {{"groupId", "vault"},
                        {"requiredMembers", {"default"}},
                        {"requiredZoneNames", {"privatelink.vaultcore.azure.net"}}}}}}}};
  EXPECT_EQ(r.Json(), expected);
  EXPECT_EQ(Call("GET", VaultPath("rg1", "kv-none") + "/privateLinkResources?" + kKv).status, 404);
}

}  // namespace
}  // namespace keyward::emulator::test
