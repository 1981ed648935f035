#include "coordination/blob_auth.h"

#include <gtest/gtest.h>

#include "coordination/codec.h"
#include "engine/hmac.h"

namespace keyward::coordination {
namespace {

TEST(BlobAuthTest, AccountNameFromHostOrFromThePathForAzurite) {
  EXPECT_EQ(AccountNameOf("myaccount.blob.core.windows.net", ""), "myaccount");
  EXPECT_EQ(AccountNameOf("127.0.0.1", "/devstoreaccount1"), "devstoreaccount1");
  EXPECT_EQ(AccountNameOf("localhost", "/devstoreaccount1/"), "devstoreaccount1");
}

// The string to sign, computed by hand from the Shared Key rules (Blob service, 2015-02-21+):
// twelve standard header lines (Content-Length empty for 0), the x-ms-* headers sorted, then
// /account/path and the query parameters sorted, lowercased.
TEST(BlobAuthTest, SharedKeySignsTheCanonicalRequest) {
  const std::string key = "0123456789abcdef";
  SharedKeyRequest request;
  request.method = "PUT";
  request.path = "/devstoreaccount1/locks/keyward/payments.lock";
  request.query = {{"comp", "lease"}};
  request.headers = {{"x-ms-version", "2020-10-02"},
                     {"x-ms-lease-action", "acquire"},
                     {"x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"},
                     {"If-None-Match", "*"}};
  const std::string expected_to_sign =
      "PUT\n\n\n\n\n\n\n\n\n*\n\n\n"
      "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\n"
      "x-ms-lease-action:acquire\n"
      "x-ms-version:2020-10-02\n"
      "/devstoreaccount1/devstoreaccount1/locks/keyward/payments.lock\n"
      "comp:lease";
  EXPECT_EQ(
      SharedKeyAuthorization(request, "devstoreaccount1", key),
      "SharedKey devstoreaccount1:" + Base64Encode(engine::HmacSha256(key, expected_to_sign)));
}

TEST(BlobAuthTest, Base64RoundTrips) {
  for (const std::string& text :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto decoded = Base64Decode(Base64Encode(text));
    ASSERT_TRUE(decoded) << text;
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_FALSE(Base64Decode("abc"));
}

}  // namespace
}  // namespace keyward::coordination
