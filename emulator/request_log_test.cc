#include "emulator/request_log.h"

#include <gtest/gtest.h>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator {
namespace {

using test::EmulatorTest;
using test::kKv;
using test::RgPath;
using test::VaultBody;
using test::VaultPath;

TEST(RequestLogTest, KeepsTheNewestEntriesAndCountsWhatAReaderMissed) {
  RequestLog log(3);
  for (int i = 0; i < 5; ++i) log.Record({0, 1.0 * i, 1.0 * i + 0.5, "PUT", "/p", "Op", 200});
  const auto all = log.Since(1);
  ASSERT_EQ(all["requests"].size(), 3u);
  EXPECT_EQ(all["requests"][0]["seq"], 3);
  EXPECT_EQ(all["next"], 6);
  EXPECT_EQ(all["dropped"], 2);  // seq 1 and 2 were evicted
  const auto tail = log.Since(5);
  ASSERT_EQ(tail["requests"].size(), 1u);
  EXPECT_EQ(tail["dropped"], 0);
  EXPECT_EQ(log.Since(6)["requests"].size(), 0u);
}

TEST(RequestLogTest, ZeroCapacityLogsNothing) {
  RequestLog log(0);
  log.Record({0, 1, 2, "GET", "/", "Op", 200});
  EXPECT_EQ(log.Since(1)["requests"].size(), 0u);
}

class RequestLogEmulatorTest : public EmulatorTest {};

TEST_F(RequestLogEmulatorTest, RecordsWhoCalledWhatWhenButNotAdminCalls) {
  CreateRg("rg-log");
  auto put = keyward::testing::ArmRequest(
      *emulator_, token_, "PUT", VaultPath("rg-log", "kv-log1") + "?" + kKv, VaultBody(),
      {{"User-Agent", "keyward/0.1.0 replica/r-1"}, {"x-ms-client-request-id", "cid-7"}});
  ASSERT_EQ(put.status, 200) << put.body;
  auto stats = keyward::testing::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {},
                                              "", emulator_->ca_file());
  ASSERT_EQ(stats.status, 200);

  auto log = keyward::testing::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/requests",
                                            {}, "", emulator_->ca_file());
  ASSERT_EQ(log.status, 200) << log.body;
  const auto requests = log.Json()["requests"];
  // The token request, the resource group PUT and the vault PUT; not the /_emulator calls.
  const nlohmann::json* vault = nullptr;
  for (const auto& r : requests) {
    EXPECT_EQ(r["path"].get<std::string>().rfind("/_emulator", 0), std::string::npos);
    if (r["operation"] == "Vaults_CreateOrUpdate") vault = &r;
  }
  ASSERT_NE(vault, nullptr) << requests.dump();
  EXPECT_EQ((*vault)["method"], "PUT");
  EXPECT_EQ((*vault)["path"], VaultPath("rg-log", "kv-log1"));
  EXPECT_EQ((*vault)["status"], 200);
  EXPECT_EQ((*vault)["userAgent"], "keyward/0.1.0 replica/r-1");
  EXPECT_EQ((*vault)["clientRequestId"], "cid-7");
  EXPECT_LE((*vault)["start"].get<double>(), (*vault)["end"].get<double>());
  EXPECT_GT((*vault)["start"].get<double>(), 1.6e9);  // unix seconds

  const long next = log.Json()["next"];
  auto again = keyward::testing::HttpsRequest(
      "GET", emulator_->endpoint() + "/_emulator/requests?since=" + std::to_string(next), {}, "",
      emulator_->ca_file());
  EXPECT_EQ(again.Json()["requests"].size(), 0u);
}

}  // namespace
}  // namespace keyward::emulator
