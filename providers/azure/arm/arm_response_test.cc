#include "providers/azure/arm/arm_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/azure/arm/arm_error.h"

namespace keyward::azure {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kUrl[] =
    "https://arm.test/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults"
    "?api-version=2024-11-01&$skipToken=abc";
constexpr char kOperation[] =
    "GET /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults";

HttpResponse Answer(int status, std::string body, std::string content_type = "application/json") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  if (!content_type.empty()) response.headers.Set("Content-Type", content_type);
  response.headers.Set("x-ms-request-id", "req-1");
  return response;
}

Error ReadError(HttpMethod method, HttpResponse response) {
  auto read = ReadArmResponse(method, kUrl, std::move(response), "client-1");
  EXPECT_FALSE(read);
  return read ? Error{} : read.error();
}

TEST(ArmResponseTest, AnHtmlPageWith200IsAnErrorNamingTheOperationAndRequestId) {
  Error error = ReadError(HttpMethod::kGet, Answer(200, "<html>gateway</html>", "text/html"));
  EXPECT_EQ(error.code, ErrorCode::kInternal);
  EXPECT_EQ(error.message,
            std::string(kOperation) + ": ARM answered 200 with Content-Type 'text/html', not JSON");
  auto arm = ArmErrorOf(error);
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->status, 200);
  EXPECT_EQ(arm->request_id, "req-1");
  EXPECT_EQ(arm->client_request_id, "client-1");
}

TEST(ArmResponseTest, JsonBodiesNeedAJsonContentTypeWhenOneIsSent) {
  EXPECT_THAT(ReadError(HttpMethod::kGet, Answer(200, R"({"value":[]})", "text/plain")).message,
              HasSubstr("Content-Type 'text/plain', not JSON"));
  for (const char* type : {"application/json", "Application/JSON; charset=utf-8", "text/json",
                           "application/problem+json", ""}) {
    EXPECT_TRUE(ReadArmResponse(HttpMethod::kGet, kUrl, Answer(200, "{}", type), "c")) << type;
  }
}

TEST(ArmResponseTest, BodiesThatAreNotTheJsonAnOperationReturnsAreErrors) {
  EXPECT_THAT(ReadError(HttpMethod::kGet, Answer(200, R"({"value":[)")).message,
              HasSubstr("the 200 response body is not JSON (syntax error at byte"));
  EXPECT_THAT(ReadError(HttpMethod::kGet, Answer(200, "")).message,
              HasSubstr("ARM answered 200 with an empty body; a resource or list was expected"));
  EXPECT_THAT(ReadError(HttpMethod::kGet, Answer(200, "[]")).message,
              HasSubstr("with an array; a JSON object was expected"));
  EXPECT_THAT(ReadError(HttpMethod::kGet, Answer(200, "null")).message, HasSubstr("with null"));
  EXPECT_THAT(ReadError(HttpMethod::kGet, Answer(200, std::string(100'000, '['))).message,
              HasSubstr("nests deeper than 64 levels"));
  EXPECT_THAT(ReadError(HttpMethod::kPut, Answer(201, "")).message,
              HasSubstr("201 with an empty body"));
  EXPECT_THAT(ReadError(HttpMethod::kPatch, Answer(200, R"("ok")")).message,
              HasSubstr("with a string"));
}

TEST(ArmResponseTest, AnswersWithoutABodyAreFineWhereTheOperationHasNone) {
  for (auto [method, status] :
       {std::pair{HttpMethod::kGet, 202}, std::pair{HttpMethod::kGet, 204},
        std::pair{HttpMethod::kPut, 202}, std::pair{HttpMethod::kDelete, 200},
        std::pair{HttpMethod::kDelete, 204}, std::pair{HttpMethod::kPost, 200}}) {
    auto read = ReadArmResponse(method, kUrl, Answer(status, ""), "c");
    ASSERT_TRUE(read) << HttpMethodName(method) << " " << status << ": " << read.error().message;
    EXPECT_TRUE(read->body.is_null());
    EXPECT_EQ(read->status, status);
  }
  // A finished DELETE's Location URL answers 200 without a body, when the caller says it may.
  EXPECT_FALSE(ReadArmResponse(HttpMethod::kGet, kUrl, Answer(200, ""), "c"));
  EXPECT_TRUE(ReadArmResponse(HttpMethod::kGet, kUrl, Answer(200, ""), "c", false, true));
  EXPECT_FALSE(ReadArmResponse(HttpMethod::kGet, kUrl, Answer(200, "[]"), "c", false, true));
  // A body, when there is one, must still be JSON.
  EXPECT_FALSE(ReadArmResponse(HttpMethod::kDelete, kUrl, Answer(200, "<html/>", ""), "c"));
}

TEST(ArmResponseTest, ErrorAnswersKeepTheArmErrorAndNameTheOperation) {
  Error error = ReadError(HttpMethod::kGet,
                          Answer(404, R"({"error":{"code":"ResourceNotFound","message":"gone"}})"));
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_EQ(error.message, std::string("ARM 404 ResourceNotFound: gone (") + kOperation + ")");
  EXPECT_EQ(ArmCodeOf(error), "ResourceNotFound");
  // A huge error message is cut, not printed whole.
  const std::string huge =
      R"({"error":{"code":"X","message":")" + std::string(1 << 20, 'm') + "\"}}";
  EXPECT_LT(ReadError(HttpMethod::kGet, Answer(400, huge)).message.size(), 2'200u);
}

TEST(ArmResponseTest, OperationNamesLeaveOutHostAndQuery) {
  EXPECT_EQ(OperationName(HttpMethod::kPut, "https://h:1/a/b?sig=secret"), "PUT /a/b");
  EXPECT_EQ(OperationName(HttpMethod::kGet, "/subscriptions/s?api-version=1"),
            "GET /subscriptions/s");
}

ArmResponse NameCheck(Json body) {
  ArmResponse response;
  response.method = HttpMethod::kPost;
  response.url =
      "https://arm.test/subscriptions/s/providers/Microsoft.KeyVault/"
      "checkNameAvailability?api-version=2024-11-01";
  response.status = 200;
  response.body = std::move(body);
  return response;
}

TEST(ArmResponseTest, NameChecksMustSayAvailableOrNot) {
  auto taken = ParseNameAvailability(NameCheck(
      Json::parse(R"({"nameAvailable":false,"reason":"AlreadyExists","message":"taken"})")));
  ASSERT_TRUE(taken);
  EXPECT_FALSE(taken->available);
  EXPECT_EQ(taken->Explain("vault name 'kv'"), "taken");
  auto unexplained = ParseNameAvailability(NameCheck(Json::parse(R"({"nameAvailable":false})")));
  ASSERT_TRUE(unexplained);
  EXPECT_EQ(unexplained->Explain("vault name 'kv'"),
            "The vault name 'kv' is not available (AlreadyExists)");
  EXPECT_TRUE(
      ParseNameAvailability(NameCheck(Json::parse(R"({"nameAvailable":true})")))->available);

  for (const char* body : {"null", "[]", R"({})", R"({"nameAvailable":"false"})",
                           R"({"nameAvailable":false,"message":3})"}) {
    auto bad = ParseNameAvailability(NameCheck(Json::parse(body)));
    ASSERT_FALSE(bad) << body;
    EXPECT_THAT(
        bad.error().message,
        HasSubstr("POST /subscriptions/s/providers/Microsoft.KeyVault/checkNameAvailability"))
        << body;
  }
}

}  // namespace
}  // namespace keyward::azure
