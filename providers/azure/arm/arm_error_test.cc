#include "providers/azure/arm/arm_error.h"

#include <gtest/gtest.h>

namespace keyward::azure {
namespace {

TEST(ArmErrorTest, MappingTableSaysWhatToDoNext) {
  struct Case {
    int status;
    const char* code;
    ErrorCode want;
  } cases[] = {
      {400, "InvalidApiVersionParameter", ErrorCode::kInvalidArgument},
      {400, "BadRequest", ErrorCode::kInvalidArgument},
      {401, "InvalidAuthenticationToken", ErrorCode::kUnauthenticated},
      {401, "", ErrorCode::kUnauthenticated},
      {403, "AuthorizationFailed", ErrorCode::kPermissionDenied},
      {404, "ResourceNotFound", ErrorCode::kNotFound},
      {404, "ResourceGroupNotFound", ErrorCode::kNotFound},
      {409, "ConflictError", ErrorCode::kAlreadyExists},
      {409, "VaultAlreadyExists", ErrorCode::kAlreadyExists},
      {409, "AnotherOperationInProgress", ErrorCode::kAborted},
      {409, "ResourceGroupBeingDeleted", ErrorCode::kFailedPrecondition},
      {409, "ScopeLocked", ErrorCode::kFailedPrecondition},
      {412, "PreconditionFailed", ErrorCode::kAborted},
      {412, "", ErrorCode::kAborted},
      {429, "SubscriptionRequestsThrottled", ErrorCode::kUnavailable},
      {429, "RetryableErrorDueToAnotherOperation", ErrorCode::kAborted},
      {408, "", ErrorCode::kUnavailable},
      {500, "InternalServerError", ErrorCode::kUnavailable},
      {502, "", ErrorCode::kUnavailable},
      {503, "", ErrorCode::kUnavailable},
      {504, "GatewayTimeout", ErrorCode::kUnavailable},
      {501, "", ErrorCode::kInternal},
      {418, "", ErrorCode::kInvalidArgument},
      {409, "conflicterror", ErrorCode::kAlreadyExists},  // codes compare case-insensitively
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MapArmError(c.status, c.code), c.want) << c.status << " " << c.code;
  }
}

TEST(ArmErrorTest, ParsesArmBodyWithDetailsAndInnerError) {
  HttpHeaders headers;
  headers.Set("x-ms-request-id", "req-1");
  headers.Set("x-ms-client-request-id", "client-1");
  ArmError arm = ParseArmError(
      409, headers,
      R"({"error":{"code":"ConflictError","message":"A vault with the same name already exists in deleted state.",
                                   "target":"name","details":[{"code":"Inner","message":"x"}],
                                   "additionalInfo":[{"type":"PolicyViolation","info":{}}]}})");
  EXPECT_EQ(arm.code, "ConflictError");
  EXPECT_EQ(arm.target, "name");
  EXPECT_EQ(arm.inner_code, "Inner");
  EXPECT_EQ(arm.request_id, "req-1");
  EXPECT_EQ(arm.client_request_id, "client-1");

  ArmError mhsm = ParseArmError(
      400, {}, R"({"error":{"code":"BadRequest","message":"m","innererror":{"code":"Deeper"}}})");
  EXPECT_EQ(mhsm.inner_code, "Deeper");
  ArmError capitalised = ParseArmError(400, {}, R"({"Code":"Oops","Message":"cap"})");
  EXPECT_EQ(capitalised.code, "Oops");
  EXPECT_EQ(capitalised.message, "cap");
  ArmError oauth =
      ParseArmError(401, {}, R"({"error":"invalid_client","error_description":"AADSTS7000215"})");
  EXPECT_EQ(oauth.code, "invalid_client");
  EXPECT_EQ(oauth.message, "AADSTS7000215");
}

TEST(ArmErrorTest, ToleratesNonJsonAndEmptyBodies) {
  ArmError html = ParseArmError(502, {}, "<html><body>Bad Gateway</body></html>");
  EXPECT_EQ(html.code, "");
  EXPECT_NE(html.message.find("Bad Gateway"), std::string::npos);
  ArmError empty = ParseArmError(404, {}, "");
  EXPECT_EQ(empty.message, "HTTP 404");
  ArmError secret = ParseArmError(500, {}, "value=canary-secret", /*sensitive=*/true);
  EXPECT_EQ(secret.message.find("canary"), std::string::npos);
  ArmError weird = ParseArmError(500, {}, R"({"error": 42})");
  EXPECT_EQ(weird.message, "HTTP 500");
  ArmError array = ParseArmError(500, {}, "[1,2]");
  EXPECT_FALSE(array.message.empty());
}

TEST(ArmErrorTest, ErrorCarriesArmCodeAndRequestIdsThroughDetail) {
  ArmError arm;
  arm.status = 404;
  arm.code = "ResourceNotFound";
  arm.message =
      "The Resource 'Microsoft.KeyVault/vaults/kv1' under resource group 'rg' was not found.";
  arm.request_id = "req-9";
  arm.client_request_id = "cli-9";
  Error error = ToError(arm);
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_EQ(error.message, "ARM 404 ResourceNotFound: " + arm.message);
  EXPECT_EQ(error.detail,
            "status=404 arm-code=ResourceNotFound request-id=req-9 client-request-id=cli-9");
  auto back = ArmErrorOf(error);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status, 404);
  EXPECT_EQ(back->code, "ResourceNotFound");
  EXPECT_EQ(back->request_id, "req-9");
  EXPECT_EQ(back->client_request_id, "cli-9");
  EXPECT_EQ(back->message, arm.message);
  EXPECT_EQ(ArmCodeOf(error), "ResourceNotFound");
  EXPECT_TRUE(HasArmCode(error, "resourcenotfound"));
  EXPECT_FALSE(ArmErrorOf(Error{ErrorCode::kInternal, "x", ""}).has_value());
}

}  // namespace
}  // namespace keyward::azure
