// Helpers shared by the emulator's scenario tests (test-only header; the *_test.cc glob builds the
// tests, this file is included by them). Every scenario runs the real binary over HTTPS.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::emulator::test {

using keyward::testing::ArmRequest;
using keyward::testing::EmulatorOptions;
using keyward::testing::EmulatorProcess;
using keyward::testing::HttpsResult;
using nlohmann::json;

inline constexpr char kKv[] = "api-version=2024-11-01";
inline constexpr char kRgApi[] = "api-version=2021-04-01";

inline std::string RgPath(const std::string& rg,
                          const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/resourcegroups/" + rg;
}
inline std::string VaultPath(const std::string& rg, const std::string& name,
                             const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/resourceGroups/" + rg +
         "/providers/Microsoft.KeyVault/vaults/" + name;
}

inline std::string HsmPath(const std::string& rg, const std::string& name,
                           const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/resourceGroups/" + rg +
         "/providers/Microsoft.KeyVault/managedHSMs/" + name;
}

// A Standard_B1 HSM with the fixture's tenant and administrator.
inline json HsmBody(const std::string& location = "westus") {
  return {{"location", location},
          {"sku", {{"family", "B"}, {"name", "Standard_B1"}}},
          {"tags", {{"Dept", "hsm"}}},
          {"properties",
           {{"tenantId", keyward::testing::kTenantId},
            {"initialAdminObjectIds", {keyward::testing::kObjectId}}}}};
}

inline json VaultBody(const std::string& location = "westus") {
  return {{"location", location},
          {"properties",
           {{"tenantId", keyward::testing::kTenantId},
            {"sku", {{"family", "A"}, {"name", "standard"}}},
            {"accessPolicies",
             {{{"tenantId", keyward::testing::kTenantId},
               {"objectId", keyward::testing::kObjectId},
               {"permissions", {{"secrets", {"get", "list"}}}}}}}}}};
}

// Emulator options with these command-line arguments.
inline EmulatorOptions WithArgs(std::vector<std::string> args) {
  EmulatorOptions options;
  options.extra_args = std::move(args);
  return options;
}

// Fixture: one emulator per test, a token, and shortcuts for common calls.
class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWith({}); }

  void StartWith(const EmulatorOptions& options) {
    emulator_ = EmulatorProcess::Start(options);
    ASSERT_NE(emulator_, nullptr);
    token_ = keyward::testing::GetToken(*emulator_);
    ASSERT_FALSE(token_.empty());
  }

  HttpsResult Call(const std::string& method, const std::string& path_and_query,
                   const json& body = nullptr) {
    return ArmRequest(*emulator_, token_, method, path_and_query, body);
  }

  void CreateRg(const std::string& rg, const std::string& sub = keyward::testing::kSubscriptionId) {
    auto r = Call("PUT", RgPath(rg, sub) + "?" + kRgApi, {{"location", "westus"}});
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
  }

  HttpsResult PutVault(const std::string& rg, const std::string& name, const json& body,
                       const std::string& sub = keyward::testing::kSubscriptionId) {
    return Call("PUT", VaultPath(rg, name, sub) + "?" + kKv, body);
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::string token_;
};

}  // namespace keyward::emulator::test
