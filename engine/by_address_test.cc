#include "engine/by_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keyward::engine {
namespace {

struct Item {
  std::string address;
  int value = 0;
};

TEST(ByAddressTest, FindsEachItemAndNothingElse) {
  const std::vector<Item> items = {{"Vault/a", 1}, {"Key/a1", 2}, {"Secret/a1s", 3}};
  const ByAddress<Item> by_address(items);
  for (const Item& item : items) EXPECT_EQ(by_address.Find(item.address), &item);
  EXPECT_EQ(by_address.Find("Vault/b"), nullptr);
  EXPECT_EQ(by_address.Find(""), nullptr);
}

TEST(ByAddressTest, TheFirstOfTwoEqualAddressesWinsAsALinearFindWould) {
  const std::vector<Item> items = {{"Vault/a", 1}, {"Vault/a", 2}};
  EXPECT_EQ(ByAddress<Item>(items).Find("Vault/a")->value, 1);
}

}  // namespace
}  // namespace keyward::engine
