#include "providers/azure/arm/lro.h"

#include <gtest/gtest.h>

#include "providers/azure/arm/arm_error.h"
#include "providers/azure/arm/paging.h"

namespace keyward::azure {
namespace {

using Json = nlohmann::json;

HttpHeaders Headers(std::initializer_list<std::pair<const char*, const char*>> list) {
  HttpHeaders headers;
  for (auto [name, value] : list) headers.Set(name, value);
  return headers;
}

TEST(LroTest, TerminalStatesAreExactlySucceededFailedCanceledAnyCase) {
  for (const char* s : {"Succeeded", "succeeded", "FAILED", "Canceled", "canceled"}) {
    EXPECT_TRUE(IsTerminalState(s)) << s;
  }
  for (const char* s :
       {"Cancelled", "InProgress", "RegisteringDns", "Provisioning", "Updating", "Activated", ""}) {
    EXPECT_FALSE(IsTerminalState(s)) << s;
  }
  EXPECT_TRUE(IsFailedState("canceled"));
  EXPECT_FALSE(IsFailedState("Succeeded"));
}

TEST(LroTest, StrategyOrderFollowsAzcore) {
  auto all = Headers({{"Azure-AsyncOperation", "https://h/a"},
                      {"Operation-Location", "https://h/o"},
                      {"Location", "https://h/l"}});
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPut, 201, all), LroStrategy::kAzureAsyncOperation);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPut, 202,
                              Headers({{"Operation-Location", "u"}, {"Location", "l"}})),
            LroStrategy::kOperationLocation);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPost, 202, Headers({{"Location", "l"}})),
            LroStrategy::kLocation);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPut, 200, {}), LroStrategy::kBody);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPatch, 200, {}), LroStrategy::kBody);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kDelete, 200, {}), LroStrategy::kNone);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kDelete, 204, {}), LroStrategy::kNone);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kDelete, 202, {}), LroStrategy::kMissingPollingUrl);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPost, 202, {}), LroStrategy::kMissingPollingUrl);
  EXPECT_EQ(ChooseLroStrategy(HttpMethod::kPost, 200, {}), LroStrategy::kNone);
}

TEST(LroTest, InitialBodyStateDefaults) {
  EXPECT_EQ(InitialBodyState(
                200, Json::parse(R"({"properties":{"provisioningState":"RegisteringDns"}})")),
            "RegisteringDns");
  EXPECT_EQ(InitialBodyState(200, Json::parse(R"({"properties":{}})")),
            "Succeeded");  // missing ⇒ done
  EXPECT_EQ(InitialBodyState(204, nullptr), "Succeeded");
  EXPECT_EQ(InitialBodyState(201, Json::parse(R"({"name":"x"})")), "InProgress");
  EXPECT_EQ(ProvisioningStateOf(Json::parse(R"({"properties":{"provisioningState":5}})")), "");
}

TEST(LroTest, OperationErrorCarriesTheOperationsCode) {
  auto failed = OperationError(
      "Failed",
      Json::parse(R"({"status":"Failed","error":{"code":"VaultAlreadyExists","message":"taken"}})"),
      Headers({{"x-ms-request-id", "r"}}), "c");
  EXPECT_EQ(failed.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ArmCodeOf(failed), "VaultAlreadyExists");
  EXPECT_NE(failed.message.find("taken"), std::string::npos);
  EXPECT_EQ(ArmErrorOf(failed)->client_request_id, "c");

  auto unknown = OperationError(
      "Failed", Json::parse(R"({"error":{"code":"SomethingBroke","message":"m"}})"), {}, "");
  EXPECT_EQ(unknown.code, ErrorCode::kFailedPrecondition);
  auto canceled = OperationError("Canceled", Json::parse(R"({"status":"Canceled"})"), {}, "");
  EXPECT_EQ(canceled.code, ErrorCode::kAborted);
  auto in_properties = OperationError(
      "Failed",
      Json::parse(
          R"({"properties":{"provisioningState":"Failed","error":{"code":"X","message":"y"}}})"),
      {}, "");
  EXPECT_EQ(ArmCodeOf(in_properties), "X");
}

TEST(PagingTest, ParsesPagesAndEndsOnlyWithoutNextLink) {
  auto page = ParsePage(Json::parse(
      R"({"value":[{"id":"/a/1"},{"id":"/a/2"}],"nextLink":"https://h/next?$skipToken=x"})"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->next_link, "https://h/next?$skipToken=x");
  auto empty_with_next = ParsePage(Json::parse(R"({"value":[],"nextLink":"https://h/n"})"));
  ASSERT_TRUE(empty_with_next);
  EXPECT_TRUE(empty_with_next->next_link.has_value());
  for (const char* last :
       {R"({"value":[{"id":"/a"}]})", R"({"value":[{"id":"/a"}],"nextLink":null})",
        R"({"value":[{"id":"/a"}],"nextLink":""})"}) {
    auto p = ParsePage(Json::parse(last));
    ASSERT_TRUE(p) << last;
    EXPECT_FALSE(p->next_link.has_value()) << last;
  }
  EXPECT_FALSE(ParsePage(nullptr));
  EXPECT_FALSE(ParsePage(Json::parse("[1]")));
  EXPECT_FALSE(ParsePage(Json::parse(R"({"value":{}})")));
  EXPECT_FALSE(ParsePage(Json::parse(R"({"value":[],"nextLink":3})")));
}

}  // namespace
}  // namespace keyward::azure
