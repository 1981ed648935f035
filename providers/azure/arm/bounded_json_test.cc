#include "providers/azure/arm/bounded_json.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward::azure {
namespace {

std::string Nested(int depth, const std::string& open = "[", const std::string& close = "]") {
  std::string text;
  for (int i = 0; i < depth; ++i) text += open;
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

TEST(BoundedJsonTest, AcceptsDepthUpToTheLimitAndRefusesOneMore) {
  EXPECT_TRUE(ParseJsonBounded(Nested(kMaxJsonDepth)));
  auto deeper = ParseJsonBounded(Nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(deeper);
  EXPECT_EQ(deeper.error().message, "nests deeper than 64 levels");
}

TEST(BoundedJsonTest, AMillionLevelsAreRefusedWithoutRecursion) {
  // Parsed and then copied, this would overflow the stack; the depth check never builds it.
  auto deep = ParseJsonBounded(std::string(1'000'000, '['));
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(JsonNestsDeeperThan(Nested(1000, "{\"a\":", "}"), 64));
}

TEST(BoundedJsonTest, BracketsInsideStringsDoNotCount) {
  const std::string brackets(500, '[');
  EXPECT_FALSE(JsonNestsDeeperThan("{\"a\":\"" + brackets + "\"}", 2));
  // An escaped quote does not end the string.
  EXPECT_FALSE(JsonNestsDeeperThan("{\"a\":\"\\\"" + brackets + "\"}", 2));
  auto parsed = ParseJsonBounded("{\"a\":\"\\\"" + brackets + "\"}");
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["a"].get<std::string>().size(), 501u);
}

TEST(BoundedJsonTest, NotJsonSaysWhereButNeverQuotesTheBody) {
  auto html = ParseJsonBounded("<html>secret-canary</html>");
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().message, "is not JSON (syntax error at byte 1 of 26)");
  auto truncated = ParseJsonBounded(R"({"access_token":"canary-tok)");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().message.find("canary"), std::string::npos);
  EXPECT_EQ(ParseJsonBounded("").error().message, "is empty, not JSON");
}

TEST(BoundedJsonTest, InvalidUtf8IsNotJson) {
  EXPECT_FALSE(ParseJsonBounded("{\"name\":\"kv-\xff\"}"));
  EXPECT_TRUE(ParseJsonBounded("{\"name\":\"kv-\xc3\xa9\"}"));
}

}  // namespace
}  // namespace keyward::azure
