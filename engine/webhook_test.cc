#include "engine/webhook.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

TEST(WebhookTest, SignatureMatchesGitHubsDocumentedExample) {
  // From GitHub's "Validating webhook deliveries" documentation.
  EXPECT_EQ(HubSignature256("It's a Secret to Everybody", "Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(WebhookTest, VerifyRejectsWrongBodyWrongSecretMalformedHeaderAndEmptySecret) {
  const std::string good = HubSignature256("s3cret", "{\"ref\":\"refs/heads/main\"}");
  EXPECT_TRUE(VerifyHubSignature256("s3cret", "{\"ref\":\"refs/heads/main\"}", good));
  EXPECT_FALSE(VerifyHubSignature256("s3cret", "{\"ref\":\"refs/heads/evil\"}", good));
  EXPECT_FALSE(VerifyHubSignature256("other", "{\"ref\":\"refs/heads/main\"}", good));
  EXPECT_FALSE(VerifyHubSignature256("s3cret", "{\"ref\":\"refs/heads/main\"}", ""));
  EXPECT_FALSE(VerifyHubSignature256("s3cret", "{\"ref\":\"refs/heads/main\"}", good.substr(7)));
  EXPECT_FALSE(VerifyHubSignature256("", "x", HubSignature256("", "x")))
      << "no secret configured means webhooks are off";
}

}  // namespace
}  // namespace keyward::engine
