#include "engine/split.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

using Parts = std::vector<std::string>;

TEST(SplitNonEmptyTest, DropsEmptyPartsAtTheEndsAndBetweenSeparators) {
  EXPECT_EQ(SplitNonEmpty("/subscriptions/s1//resourceGroups/rg/", '/'),
            (Parts{"subscriptions", "s1", "resourceGroups", "rg"}));
  EXPECT_EQ(SplitNonEmpty("/etc/keyward::/run/secrets", ':'),
            (Parts{"/etc/keyward", "/run/secrets"}));
  EXPECT_EQ(SplitNonEmpty("a, b ,c", ','), (Parts{"a", " b ", "c"}));
}

TEST(SplitNonEmptyTest, NothingButSeparatorsIsNoParts) {
  EXPECT_EQ(SplitNonEmpty("", '/'), Parts{});
  EXPECT_EQ(SplitNonEmpty("///", '/'), Parts{});
  EXPECT_EQ(SplitNonEmpty("one", '/'), Parts{"one"});
}

}  // namespace
}  // namespace keyward::engine
