#include "providers/azure/arm/paging.h"

#include <gtest/gtest.h>

namespace keyward::azure {
namespace {

using Json = nlohmann::json;

std::string PageError(const char* body) {
  auto page = ParsePage(Json::parse(body));
  EXPECT_FALSE(page) << body;
  return page ? std::string() : page.error().message;
}

TEST(PagingTest, EveryItemMustBeAnArmResourceEnvelope) {
  EXPECT_EQ(PageError(R"({"value":[null]})"), "ARM list page: item 0 is null, not an object");
  EXPECT_EQ(PageError(R"({"value":[{"id":"/a"},"x"]})"),
            "ARM list page: item 1 is a string, not an object");
  EXPECT_EQ(PageError(R"({"value":[{"name":"kv"}]})"), "ARM list page: item 0 has no `id` string");
  EXPECT_EQ(PageError(R"({"value":[{"id":""}]})"), "ARM list page: item 0 has no `id` string");
  EXPECT_EQ(PageError(R"({"value":[{"id":7}]})"), "ARM list page: item 0 has no `id` string");
  EXPECT_EQ(PageError(R"({"value":[{"id":"/a","name":7}]})"),
            "ARM list page: item 0 has a `name` that is a number, not a string");
  EXPECT_EQ(PageError(R"({"value":[{"id":"/a","etag":{}}]})"),
            "ARM list page: item 0 has a `etag` that is an object, not a string");
  EXPECT_EQ(PageError(R"({"value":[{"id":"/a","tags":[]}]})"),
            "ARM list page: item 0 has `tags` that are an array");
  EXPECT_EQ(PageError(R"({"value":[{"id":"/a","tags":{"t":1}}]})"),
            "ARM list page: item 0 has a tag `t` that is not a string");
  EXPECT_EQ(PageError(R"({"value":[{"id":"/a","properties":"x"}]})"),
            "ARM list page: item 0 has `properties` that are a string, not an object");
}

TEST(PagingTest, APageIsAnObjectWithAValueArray) {
  EXPECT_EQ(PageError("{}"), "ARM list page has no `value` array");
  EXPECT_EQ(PageError(R"({"value":null})"), "ARM list page has no `value` array");
  EXPECT_EQ(PageError("[]"), "ARM list page is an array, not a JSON object");
  EXPECT_EQ(PageError("null"), "ARM list page is empty, not a page");
}

TEST(PagingTest, OptionalEnvelopeFieldsMayBeNullOrAbsent) {
  auto page = ParsePage(Json::parse(
      R"({"value":[{"id":"/a","name":null,"tags":null,"properties":null},
                   {"id":"/b","name":"b","type":"t","location":"l","kind":"k","etag":"e",
                    "tags":{"x":"y"},"properties":{"p":[1]}}]})"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1]["properties"]["p"][0], 1);
  EXPECT_FALSE(page->next_link);
}

}  // namespace
}  // namespace keyward::azure
