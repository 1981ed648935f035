#include "engine/observed_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/diff.h"

namespace keyward::engine {
namespace {

TEST(ArmIdKeyTest, EqualAndHashedAlikeExactlyWhenTheCanonicalIdsAre) {
  const std::vector<std::string> ids = {
      "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/kv",
      "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/KV/",
      "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv//",
      "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv2",
      "/",
      "//",
      ""};
  for (const std::string& a : ids) {
    for (const std::string& b : ids) {
      const bool same = CanonicalArmId(a) == CanonicalArmId(b);
      EXPECT_EQ(ArmIdEqual{}(a, b), same) << a << " vs " << b;
      if (same) EXPECT_EQ(ArmIdHash{}(a), ArmIdHash{}(b)) << a << " vs " << b;
    }
  }
}

TEST(FirstByKeyTest, FindsTheFirstPositionInsertedUnderAKey) {
  const std::vector<std::string> keys = {"a", "b", "a", "c"};
  FirstByKey<> table(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) table.Insert(keys[i], i);
  EXPECT_EQ(table.Find("a"), 0u);
  EXPECT_EQ(table.Find("b"), 1u);
  EXPECT_EQ(table.Find("c"), 3u);
  EXPECT_EQ(table.Find("d"), FirstByKey<>::kNone);
  EXPECT_EQ(table.Find(""), FirstByKey<>::kNone);
}

TEST(FirstByKeyTest, HoldsAsManyKeysAsItWasSizedFor) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("key-" + std::to_string(i));
  FirstByKey<> table(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) table.Insert(keys[i], i);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(table.Find(keys[i]), i);
}

TEST(ObservedIndexTest, MatchesByIdIgnoringCaseThenByAddressFirstOneWinning) {
  ObservedSet observed;
  observed.resources.push_back(
      {"Vault", "Vault/kv", "/subscriptions/s/x/vaults/KV", {}, "", false});
  observed.resources.push_back(
      {"Vault", "Vault/kv2", "/subscriptions/s/x/vaults/kv", {}, "", false});
  observed.resources.push_back({"Pec", "Pec/a", "/server/chosen/id", {}, "", false});
  const ObservedIndex index(observed);

  DesiredResource by_id;
  by_id.address = "Vault/other";
  by_id.arm_id = "/subscriptions/s/x/vaults/kv/";
  EXPECT_EQ(index.Match(by_id), &observed.resources[0]);

  DesiredResource by_address;
  by_address.address = "Pec/a";
  by_address.arm_id = "/not/live";
  EXPECT_EQ(index.Match(by_address), &observed.resources[2]);

  DesiredResource neither;
  neither.address = "Vault/none";
  EXPECT_EQ(index.Match(neither), nullptr);
}

}  // namespace
}  // namespace keyward::engine
