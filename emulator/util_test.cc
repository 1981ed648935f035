#include "emulator/util.h"

#include <gtest/gtest.h>

#include "emulator/paging.h"

namespace keyward::emulator {
namespace {

TEST(UtilTest, Base64UrlRoundTripsWithoutPadding) {
  for (std::string s : {"", "a", "ab", "abc", "/subscriptions/x/resourcegroups/y\xff"}) {
    std::string encoded = Base64UrlEncode(s), decoded;
    EXPECT_EQ(encoded.find('='), std::string::npos);
    ASSERT_TRUE(Base64UrlDecode(encoded, &decoded));
    EXPECT_EQ(decoded, s);
  }
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("a+b", &out));
}

TEST(UtilTest, FormParsingDecodesPercentAndPlus) {
  auto form = ParseForm("scope=https%3A%2F%2Fmanagement.azure.com%2F.default&a=b+c&empty=");
  EXPECT_EQ(form["scope"], "https://management.azure.com/.default");
  EXPECT_EQ(form["a"], "b c");
  EXPECT_EQ(form["empty"], "");
}

TEST(UtilTest, TimestampsHaveArmShapes) {
  EXPECT_EQ(FormatIso8601(1645782605.0, 0), "2022-02-25T09:50:05Z");
  EXPECT_EQ(FormatIso8601(1645782605.5, 7), "2022-02-25T09:50:05.5000000Z");
  EXPECT_EQ(FormatSpaceSeparated(1645782651.0), "2022-02-25 09:50:51Z");
  EXPECT_EQ(FormatHttpDate(1645782605.0), "Fri, 25 Feb 2022 09:50:05 GMT");
  EXPECT_EQ(NormalizeLocation("West US 2"), "westus2");
  EXPECT_TRUE(IsGuid(NewGuid()));
}

TEST(PagingTest, TopMustBeAPositiveInteger) {
  RequestContext request;
  request.query.emplace("$TOP", "0");
  EXPECT_TRUE(std::holds_alternative<ArmError>(ParsePageRequest(request, 10, true)));
  request.query.clear();
  request.query.emplace("$top", "3");
  auto page = ParsePageRequest(request, 10, true);
  ASSERT_TRUE(std::holds_alternative<PageRequest>(page));
  EXPECT_EQ(std::get<PageRequest>(page).page_size, 3);
}

}  // namespace
}  // namespace keyward::emulator
