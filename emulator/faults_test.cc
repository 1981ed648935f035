// Fault injection: the spec parsers, seeded determinism on the Faults object, then the real
// binary over HTTPS (status faults, dropped connections, latency, failed LROs, admin routes).
#include "emulator/faults.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

TEST(FaultSpecTest, FlagFormMapsToTheJsonSpec) {
  std::string error;
  auto flag = ParseFaultSpecFlag(
      "seed=42;503@0.2,op=Vaults_CreateOrUpdate,method=put,limit=3;reset@0.05;latency=200ms;"
      "429@0.1,retry-after=2;lro-fail@0.5,op=Vaults_PurgeDeleted;500,path=^/subscriptions/",
      &error);
  ASSERT_TRUE(flag) << error;
  auto json = ParseFaultSpecJson(json::parse(R"({"seed": 42, "rules": [
      {"match": {"method": "PUT", "operation": "Vaults_CreateOrUpdate"}, "status": 503,
       "rate": 0.2, "limit": 3},
      {"reset": true, "rate": 0.05},
      {"latencyMs": 200},
      {"status": 429, "retryAfter": 2, "rate": 0.1},
      {"lroFail": true, "rate": 0.5, "match": {"operation": "Vaults_PurgeDeleted"}},
      {"status": 500, "match": {"path": "^/subscriptions/"}}]})"),
                                 &error);
  ASSERT_TRUE(json) << error;
  EXPECT_EQ(flag->ToJson(), json->ToJson());
  EXPECT_EQ(flag->ToJson()["rules"][0]["match"]["method"], "PUT");
  // The flag also takes JSON.
  auto from_json_flag = ParseFaultSpecFlag(json->ToJson().dump(), &error);
  ASSERT_TRUE(from_json_flag) << error;
  EXPECT_EQ(from_json_flag->ToJson(), json->ToJson());
}

TEST(FaultSpecTest, BadSpecsAreRejectedWithAReason) {
  std::string error;
  EXPECT_FALSE(ParseFaultSpecFlag("503@1.5", &error));
  EXPECT_NE(error.find("rate"), std::string::npos) << error;
  EXPECT_FALSE(ParseFaultSpecFlag("explode@0.1", &error));
  EXPECT_FALSE(ParseFaultSpecFlag("200@0.1", &error));  // not an error status
  EXPECT_FALSE(ParseFaultSpecFlag("500,path=([", &error));
  EXPECT_FALSE(
      ParseFaultSpecJson(json::parse(R"({"rules": [{"status": 500, "reset": true}]})"), &error));
  EXPECT_NE(error.find("exactly one"), std::string::npos) << error;
  EXPECT_FALSE(
      ParseFaultSpecJson(json::parse(R"({"rules": [{"status": 500, "bogus": 1}]})"), &error));
  EXPECT_FALSE(ParseFaultSpecJson(json::parse(R"({"seeed": 1})"), &error));
}

std::vector<int> Sequence(uint64_t seed, int n) {
  Faults faults(nullptr);
  std::string error;
  auto spec = ParseFaultSpecFlag("seed=" + std::to_string(seed) + ";503@0.3;reset@0.1", &error);
  faults.Set(*spec);
  std::vector<int> out;
  RequestContext request;
  request.method = "GET";
  request.path = "/subscriptions/x";
  for (int i = 0; i < n; ++i) {
    auto outcome = faults.Evaluate(request);
    out.push_back(outcome.reset ? -1 : outcome.reply ? outcome.reply->status : 200);
  }
  return out;
}

TEST(FaultSpecTest, SameSeedSameSequenceOtherSeedOtherSequenceAndRatesRoughlyHold) {
  auto a = Sequence(42, 400);
  EXPECT_EQ(a, Sequence(42, 400));
  EXPECT_NE(a, Sequence(43, 400));
  long failures = std::count(a.begin(), a.end(), 503);
  EXPECT_GT(failures, 80);  // ~30% of 400
  EXPECT_LT(failures, 160);
}

TEST(FaultSpecTest, LimitCapsHowOftenARuleFiresAndMatchFilters) {
  Faults faults(nullptr);
  std::string error;
  faults.Set(*ParseFaultSpecFlag("500,method=PUT,limit=2", &error));
  RequestContext get, put;
  get.method = "GET";
  put.method = "PUT";
  EXPECT_FALSE(faults.Evaluate(get).reply);
  EXPECT_TRUE(faults.Evaluate(put).reply);
  EXPECT_TRUE(faults.Evaluate(put).reply);
  EXPECT_FALSE(faults.Evaluate(put).reply);
  EXPECT_EQ(faults.ToJson()["rules"][0]["fired"], 2);
}

TEST(FaultSpecTest, MessageReplacesTheInjectedErrorMessage) {
  Faults faults(nullptr);
  std::string error;
  auto spec = ParseFaultSpecJson(
      json::parse(R"({"rules": [{"status": 400, "message": "The value 'x' is invalid"}]})"),
      &error);
  ASSERT_TRUE(spec) << error;
  EXPECT_EQ(spec->ToJson()["rules"][0]["message"], "The value 'x' is invalid");
  faults.Set(*spec);
  RequestContext put;
  put.method = "PUT";
  auto outcome = faults.Evaluate(put);
  ASSERT_TRUE(outcome.reply);
  EXPECT_EQ(outcome.reply->status, 400);
  EXPECT_NE(outcome.reply->body.find("The value 'x' is invalid"), std::string::npos)
      << outcome.reply->body;
}

// --- over HTTPS --------------------------------------------------------------------------------

class FaultInjectionTest : public EmulatorTest {
 protected:
  void SetUp() override {}
  std::string ListRgs() {
    return "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) + "/resourcegroups?" +
           kRgApi;
  }
  HttpsResult Admin(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return HttpsRequest(method, emulator_->endpoint() + path,
                        {{"Content-Type", "application/json"}}, body, emulator_->ca_file());
  }
  std::string Relative(const std::string& url) { return url.substr(emulator_->endpoint().size()); }
};

TEST_F(FaultInjectionTest, SameSeedGivesTheSameFailureSequenceOnTwoFreshEmulators) {
  std::vector<std::vector<int>> runs;
  for (int run = 0; run < 2; ++run) {
    StartWith(WithArgs({"--faults", "seed=7;503@0.3;500@0.2;429@0.1"}));
    std::vector<int> statuses;
    for (int i = 0; i < 40; ++i) statuses.push_back(Call("GET", ListRgs()).status);
    runs.push_back(statuses);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_GT(std::count(runs[0].begin(), runs[0].end(), 503), 0);
  EXPECT_GT(std::count(runs[0].begin(), runs[0].end(), 200), 0);
}

TEST_F(FaultInjectionTest, StatusFaultsCarryArmBodiesRetryAfterAndRequestIds) {
  StartWith(WithArgs({}));
  ASSERT_EQ(Admin("PUT", "/_emulator/faults",
                  R"({"seed": 1, "rules": [{"status": 503, "limit": 1}, {"status": 500, "limit": 1},
                      {"status": 429, "retryAfter": 3, "limit": 1}]})")
                .status,
            200);
  auto r503 = Call("GET", ListRgs());
  EXPECT_EQ(r503.status, 503);
  EXPECT_EQ(r503.Json()["error"]["code"], "ServiceUnavailable");
  EXPECT_TRUE(r503.HasHeader("x-ms-request-id"));
  auto r500 = Call("GET", ListRgs());
  EXPECT_EQ(r500.status, 500);
  EXPECT_EQ(r500.Json()["error"]["code"], "InternalServerError");
  auto r429 = Call("GET", ListRgs());
  EXPECT_EQ(r429.status, 429);
  EXPECT_EQ(r429.Header("Retry-After"), "3");
  EXPECT_EQ(Call("GET", ListRgs()).status, 200);
  // Faults never touch the token endpoint or the admin surface.
  EXPECT_FALSE(keyward::testing::GetToken(*emulator_).empty());
  json stats = Admin("GET", "/_emulator/stats").Json();
  EXPECT_EQ(stats["faults"]["503"], 1);
  EXPECT_EQ(stats["faults"]["500"], 1);
  EXPECT_EQ(stats["faults"]["429"], 1);
  EXPECT_EQ(stats["faults"]["total"], 3);
  json current = Admin("GET", "/_emulator/faults").Json();
  EXPECT_EQ(current["rules"][0]["fired"], 1);
  EXPECT_EQ(Admin("DELETE", "/_emulator/faults").Json()["rules"].size(), 0u);
  EXPECT_EQ(Admin("PUT", "/_emulator/faults", R"({"rules": [{"status": 99}]})").status, 400);
}

TEST_F(FaultInjectionTest, FaultedRequestsHaveNoEffect) {
  StartWith(WithArgs({"--faults", "503,method=PUT,limit=1"}));
  EXPECT_EQ(Call("PUT", RgPath("rg1") + "?" + kRgApi, {{"location", "westus"}}).status, 503);
  EXPECT_EQ(Call("GET", RgPath("rg1") + "?" + kRgApi).status, 404);
}

TEST_F(FaultInjectionTest, ResetClosesTheConnectionWithoutAResponse) {
  StartWith(WithArgs({"--faults", "reset,limit=1"}));
  auto dropped = Call("GET", ListRgs());
  EXPECT_EQ(dropped.status, 0) << dropped.body;
  EXPECT_FALSE(dropped.error.empty());
  EXPECT_EQ(Call("GET", ListRgs()).status, 200);  // the emulator is still fine
  EXPECT_EQ(Admin("GET", "/_emulator/stats").Json()["faults"]["reset"], 1);
}

TEST_F(FaultInjectionTest, LatencyIsApplied) {
  StartWith(WithArgs({"--faults", "latency=300ms,method=GET"}));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("GET", ListRgs()).status, 200);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_EQ(Admin("GET", "/_emulator/stats").Json()["faults"]["latency"], 1);
}

TEST_F(FaultInjectionTest, LroFailureEndsVaultPurgeAndResourceGroupDeleteWithAnError) {
  StartWith(
      WithArgs({"--faults", "lro-fail,op=Vaults_PurgeDeleted;lro-fail,op=ResourceGroups_Delete"}));
  CreateRg("rg1");
  ASSERT_EQ(PutVault("rg1", "kwfaultvault1", VaultBody()).status, 200);
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kwfaultvault1") + "?" + kKv).status, 200);
  auto purge = Call("POST", "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) +
                                "/providers/Microsoft.KeyVault/locations/westus/deletedVaults/"
                                "kwfaultvault1/purge?" +
                                kKv);
  ASSERT_EQ(purge.status, 202) << purge.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto polled = Call("GET", Relative(purge.Header("Location")));
  EXPECT_EQ(polled.status, 500) << polled.body;
  EXPECT_EQ(polled.Json()["error"]["code"], "InternalServerError");
  // The deleted vault is still there (the purge did not happen).
  EXPECT_EQ(Call("GET", "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) +
                            "/providers/Microsoft.KeyVault/locations/westus/deletedVaults/"
                            "kwfaultvault1?" +
                            kKv)
                .status,
            200);

  auto del = Call("DELETE", RgPath("rg1") + "?" + kRgApi);
  ASSERT_EQ(del.status, 202);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto rg_polled = Call("GET", Relative(del.Header("Location")));
  EXPECT_EQ(rg_polled.status, 500) << rg_polled.body;
  auto rg = Call("GET", RgPath("rg1") + "?" + kRgApi);
  EXPECT_EQ(rg.status, 200);
  EXPECT_EQ(rg.Json()["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(Admin("GET", "/_emulator/stats").Json()["faults"]["lroFail"], 2);
}

TEST_F(FaultInjectionTest, LroFailureMakesAVaultCreateEndInProvisioningStateFailed) {
  StartWith(WithArgs({"--faults", "lro-fail,op=Vaults_CreateOrUpdate,limit=1"}));
  CreateRg("rg1");
  auto put = PutVault("rg1", "kwfaultvault2", VaultBody());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["properties"]["provisioningState"], "RegisteringDns");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto got = Call("GET", VaultPath("rg1", "kwfaultvault2") + "?" + kKv);
  EXPECT_EQ(got.Json()["properties"]["provisioningState"], "Failed");
  // The limit is used up: the next vault provisions normally.
  ASSERT_EQ(PutVault("rg1", "kwfaultvault3", VaultBody()).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Call("GET", VaultPath("rg1", "kwfaultvault3") + "?" + kKv)
                .Json()["properties"]["provisioningState"],
            "Succeeded");
}

TEST_F(FaultInjectionTest, APutOrPatchProvisionsAFailedVaultAgain) {
  // Two failures, then none: the create fails, the first PATCH's new attempt fails too, the PUT
  // after it provisions the vault (as ARM retries provisioning on a PUT or PATCH).
  StartWith(WithArgs({"--faults", "lro-fail,op=VaultDnsRegistration,limit=2"}));
  CreateRg("rg1");
  const std::string path = VaultPath("rg1", "kwfaultvault4") + "?" + kKv;
  ASSERT_EQ(PutVault("rg1", "kwfaultvault4", VaultBody()).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_EQ(Call("GET", path).Json()["properties"]["provisioningState"], "Failed");

  auto patched = Call("PATCH", path, {{"tags", {{"try", "2"}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["properties"]["provisioningState"], "RegisteringDns");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Call("GET", path).Json()["properties"]["provisioningState"], "Failed");

  auto put = PutVault("rg1", "kwfaultvault4", VaultBody());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["properties"]["provisioningState"], "RegisteringDns");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Call("GET", path).Json()["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(Admin("GET", "/_emulator/stats").Json()["faults"]["lroFail"], 2);

  // A PATCH of a vault that provisioned normally starts nothing.
  auto again = Call("PATCH", path, {{"tags", {{"try", "3"}}}});
  EXPECT_EQ(again.Json()["properties"]["provisioningState"], "Succeeded");
}

TEST_F(FaultInjectionTest, BadFaultsFlagStopsStartup) {
  int status = std::system((keyward::testing::EmulatorBinaryPath() +
                            " --tls-cert x --tls-key y --faults 'explode@2' >/dev/null 2>&1")
                               .c_str());
  EXPECT_NE(status, 0);
}

}  // namespace
}  // namespace keyward::emulator::test
