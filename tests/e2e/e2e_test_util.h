// The base of the end-to-end suites that run the real `keyward` binary against a real emulator:
// a fresh emulator and a fresh scratch directory per test (removed after it), keyward run with
// the emulator as ARM and as identity provider, and raw ARM calls for what keyward must not be
// trusted to report about itself.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::testing {

// What keyward needs to reach `emulator` as ARM and as its identity provider, signed in as the
// emulator's fixed service principal.
inline std::map<std::string, std::string> EmulatorEnv(const EmulatorProcess& emulator) {
  return {{"KEYWARD_ARM_ENDPOINT", emulator.endpoint()},
          {"AZURE_AUTHORITY_HOST", emulator.endpoint()},
          {"KEYWARD_CA_FILE", emulator.ca_file()},
          {"AZURE_TENANT_ID", kTenantId},
          {"AZURE_CLIENT_ID", kClientId},
          {"AZURE_CLIENT_SECRET", kClientSecret}};
}

// The ARM path (with api-version) of vault `name` in resource group `group` of the emulator's
// subscription.
inline std::string VaultApiPath(const std::string& group, const std::string& name) {
  return "/subscriptions/" + std::string(kSubscriptionId) + "/resourceGroups/" + group +
         "/providers/Microsoft.KeyVault/vaults/" + name + "?api-version=2024-11-01";
}

// An empty scratch directory for the running test: <tmp>/<prefix>-<pid>-<test name>.
inline std::filesystem::path FreshTestDir(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(::getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

class KeywardE2eTest : public ::testing::Test {
 protected:
  explicit KeywardE2eTest(std::string dir_prefix, double lro_seconds = 0.2)
      : dir_prefix_(std::move(dir_prefix)), lro_seconds_(lro_seconds) {}

  // Suites override SetUpTest, not SetUp, so that no test runs without its emulator.
  void SetUp() final {
    emulator_ = EmulatorProcess::Start({.lro_seconds = lro_seconds_});
    ASSERT_NE(emulator_, nullptr);
    dir_ = FreshTestDir(dir_prefix_);
    SetUpTest();
  }
  virtual void SetUpTest() {}
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` to `name` under the scratch directory.
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
  }
  // keyward.yaml for `stack` (defaults: the emulator's subscription and tenant, resource group
  // `group`, westeurope) and rg.yaml declaring that group, in `folder` ("" or "manifests/"),
  // which it creates.
  void WriteStack(const std::string& folder, const std::string& stack, const std::string& group) {
    std::filesystem::create_directories(dir_ / folder);
    Write(folder + "keyward.yaml", "stack: " + stack + "\ndefaults:\n  subscription: " +
                                       kSubscriptionId + "\n  resourceGroup: " + group +
                                       "\n  location: westeurope\n  tenantId: " + kTenantId + "\n");
    Write(folder + "rg.yaml",
          "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: " + group +
              "\nspec:\n  location: westeurope\n");
  }

  // Runs the keyward binary with EmulatorEnv, `extra` added or overriding.
  CommandResult RunKeyward(std::vector<std::string> args,
                           const std::map<std::string, std::string>& extra = {}) {
    args.insert(args.begin(), BinaryPath("keyward"));
    std::map<std::string, std::string> env = EmulatorEnv(*emulator_);
    for (const auto& [name, value] : extra) env[name] = value;
    return RunCommand(args, env);
  }

  HttpsResult Arm(const std::string& method, const std::string& path,
                  const nlohmann::json& body = nullptr) {
    if (token_.empty()) token_ = GetToken(*emulator_);
    return ArmRequest(*emulator_, token_, method, path, body);
  }
  // Replaces the emulator's fault rules with `rules` (the JSON body of PUT /_emulator/faults).
  void InjectFaults(const std::string& rules) {
    HttpsResult put =
        HttpsRequest("PUT", emulator_->endpoint() + "/_emulator/faults",
                     {{"Content-Type", "application/json"}}, rules, emulator_->ca_file());
    ASSERT_EQ(put.status, 200) << put.body;
  }
  // How many requests the emulator has served so far (its /_emulator/stats total).
  long ArmRequestCount() {
    return HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {}, "",
                        emulator_->ca_file())
        .Json()
        .value("total", -1L);
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::filesystem::path dir_;

 private:
  std::string dir_prefix_;
  double lro_seconds_;
  std::string token_;
};

}  // namespace keyward::testing
