// End to end: the real `keyward` binary against the real emulator over HTTPS, the way the demo
// and users run it. Each test gets a fresh emulator and a fresh manifest directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/e2e_test_util.h"
#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"
#include "tests/support/plan_json.h"

namespace keyward::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kVaultPath = VaultApiPath("rg-e2e", "e2e-kv-01");

class CliTest : public KeywardE2eTest {
 protected:
  CliTest() : KeywardE2eTest("keyward-e2e") {}
  void SetUpTest() override {
    WriteStack("", "e2e", "rg-e2e");
    Write("vault.yaml",
          "apiVersion: keyward.dev/v1alpha1\n"
          "kind: Vault\n"
          "metadata:\n"
          "  name: e2e-kv-01\n"
          "spec:\n"
          "  location: West Europe\n"
          "  sku: { family: A, name: standard }\n"
          "  publicNetworkAccess: Disabled\n"
          "  softDeleteRetentionInDays: 30\n"
          "  networkAcls:\n"
          "    defaultAction: Deny\n"
          "    bypass: AzureServices\n"
          "    ipRules: [ { value: 203.0.113.0/24 }, { value: 198.51.100.7 } ]\n"
          "  tags: { team: e2e }\n");
  }

  CommandResult Keyward(std::vector<std::string> args) {
    CommandResult result = RunKeyward(args);
    // Every plan a test makes must also be valid as JSON (schemas/plan.schema.json).
    const bool planned = result.exit_code == 0 || result.exit_code == 2;
    if (!args.empty() && args[0] == "plan" && planned &&
        std::find(args.begin(), args.end(), "--format") == args.end()) {
      args.insert(args.end(), {"--format", "json"});
      CommandResult json = Keyward(args);
      EXPECT_EQ(json.exit_code, result.exit_code) << json.err;
      EXPECT_EQ(ValidatePlanJson(json.out), "");
    }
    return result;
  }
};

TEST_F(CliTest, ApplyCreatesVaultAndSecondPlanIsANoOp) {
  auto plan = Keyward({"plan", dir_.string(), "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("ResourceGroup/rg-e2e"));
  EXPECT_THAT(plan.out, HasSubstr("Vault/e2e-kv-01"));
  EXPECT_THAT(plan.out, HasSubstr("Plan: 2 to add, 0 to change, 0 to destroy."));

  auto apply = Keyward({"apply", dir_.string(), "--auto-approve"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("Vault/e2e-kv-01: create complete"));

  auto vault = Arm("GET", kVaultPath);
  ASSERT_EQ(vault.status, 200) << vault.body;
  auto live = vault.Json();
  EXPECT_EQ(live["tags"]["keyward-stack"], "e2e");
  EXPECT_EQ(live["tags"]["team"], "e2e");
  EXPECT_EQ(live["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(live["properties"]["softDeleteRetentionInDays"], 30);

  auto again = Keyward({"plan", dir_.string(), "--detailed-exitcode"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("No changes."));
}

TEST_F(CliTest, VerboseApplyNeverPrintsTheClientSecretOrToken) {
  auto apply = Keyward({"-v", "apply", dir_.string(), "--auto-approve"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.err, HasSubstr("PUT")) << "verbose mode logs ARM requests";
  for (const std::string& text : {apply.out, apply.err}) {
    EXPECT_THAT(text, Not(HasSubstr(kClientSecret)));
    EXPECT_THAT(text, Not(HasSubstr("Bearer ey")));
  }
}

TEST_F(CliTest, OutOfBandPatchShowsExactlyThatField) {
  ASSERT_EQ(Keyward({"apply", dir_.string(), "--auto-approve"}).exit_code, 0);
  auto patch = Arm("PATCH", kVaultPath, {{"properties", {{"publicNetworkAccess", "Enabled"}}}});
  ASSERT_EQ(patch.status, 200) << patch.body;

  auto plan = Keyward({"plan", dir_.string(), "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("Vault/e2e-kv-01"));
  EXPECT_THAT(plan.out, HasSubstr("properties.publicNetworkAccess"));
  EXPECT_THAT(plan.out, Not(HasSubstr("properties.networkAcls")));
  EXPECT_THAT(plan.out, Not(HasSubstr("ResourceGroup/rg-e2e")));
  EXPECT_THAT(plan.out, HasSubstr("Plan: 0 to add, 1 to change, 0 to destroy."));

  ASSERT_EQ(Keyward({"apply", dir_.string(), "--auto-approve"}).exit_code, 0);
  EXPECT_EQ(Arm("GET", kVaultPath).Json()["properties"]["publicNetworkAccess"], "Disabled");
}

TEST_F(CliTest, VaultDeletedOutOfBandIsPlannedAsRecoverAndConverges) {
  ASSERT_EQ(Keyward({"apply", dir_.string(), "--auto-approve"}).exit_code, 0);
  // Out of band: someone changes the vault, then deletes it. Recover restores that old state.
  ASSERT_EQ(Arm("PATCH", kVaultPath, {{"properties", {{"publicNetworkAccess", "Enabled"}}}}).status,
            200);
  ASSERT_EQ(Arm("DELETE", kVaultPath).status, 200);

  auto plan = Keyward({"plan", dir_.string(), "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("recover"));
  EXPECT_THAT(plan.out, Not(HasSubstr("to add, 0 to change")))
      << "a soft-deleted vault is never planned as create";

  auto apply = Keyward({"apply", dir_.string(), "--auto-approve"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  auto live = Arm("GET", kVaultPath).Json();
  EXPECT_EQ(live["properties"]["publicNetworkAccess"], "Disabled")
      << "desired applied after recover";

  auto again = Keyward({"plan", dir_.string(), "--detailed-exitcode"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

struct BadInput {
  const char* name;
  const char* vault_yaml;
  const char* expected_location;  // "vault.yaml:L:C" (or "vault.yaml:L")
  const char* expected_message;
};

class CliBadInputTest : public CliTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(CliBadInputTest, FailsWithLocationAndMakesNoArmRequest) {
  Write("vault.yaml", GetParam().vault_yaml);
  const long before = ArmRequestCount();
  for (const char* command : {"validate", "plan", "apply"}) {
    std::vector<std::string> args = {command, dir_.string()};
    if (std::string(command) == "apply") args.push_back("--auto-approve");
    auto result = Keyward(args);
    EXPECT_EQ(result.exit_code, 1) << command << ": " << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr(GetParam().expected_location)) << command;
    EXPECT_THAT(result.err, HasSubstr(GetParam().expected_message)) << command;
  }
  EXPECT_EQ(ArmRequestCount(), before) << "bad manifests must not reach ARM";
}

INSTANTIATE_TEST_SUITE_P(
    Manifests, CliBadInputTest,
    ::testing::Values(
        BadInput{"MalformedYaml",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: e2e-kv-01\n"
                 "spec:\n  location: [westeurope\n",
                 "vault.yaml:", "error"},
        BadInput{"UnknownField",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: e2e-kv-01\n"
                 "spec:\n  sku: { family: A, name: standard }\n  lokation: westeurope\n",
                 "vault.yaml:7:3", "lokation"},
        BadInput{"WrongType",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: e2e-kv-01\n"
                 "spec:\n  sku: { family: A, name: standard }\n  enablePurgeProtection: "
                 "sometimes\n",
                 "vault.yaml:7", "enablePurgeProtection"},
        BadInput{"BadVaultName",
                 "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: 9-bad--name\n"
                 "spec:\n  sku: { family: A, name: standard }\n",
                 "vault.yaml:4", "9-bad--name"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

// The ```sh block that follows `marker` in a document of the repository ("" when there is none).
std::string DocumentedBlock(const std::string& document, const std::string& marker) {
  std::ifstream in(SourceDir() / document);
  std::string line, block;
  bool after_marker = false, inside = false;
  while (std::getline(in, line)) {
    if (inside) {
      if (line == "```") return block;
      block += line + "\n";
    } else if (after_marker && line == "```sh") {
      inside = true;
    } else if (line.rfind(marker, 0) == 0) {
      after_marker = true;
    }
  }
  return "";
}

// docs/ci.md's policy step ("fail if any change updates a vault"), run as the docs write it with
// jq, on a saved plan that adopts a vault someone made (or untagged) outside keyward: an adopt
// writes the vault, so change.actions says "update" and the policy must catch it. Once keyward
// owns the vault, the next plan passes.
TEST_F(CliTest, CiPolicyExampleFailsOnAnAdoptedVault) {
  const std::string policy = DocumentedBlock("docs/ci.md", "<!-- policy example:");
  ASSERT_THAT(policy, HasSubstr("jq ")) << "docs/ci.md lost its policy example";
  ASSERT_EQ(Keyward({"apply", dir_.string(), "--auto-approve"}).exit_code, 0);
  // Out of band: the vault loses keyward's stack tag (PATCH replaces the tags).
  ASSERT_EQ(Arm("PATCH", kVaultPath, {{"tags", {{"team", "e2e"}}}}).status, 200);

  const std::string path = std::filesystem::path(BinaryPath("keyward")).parent_path().string() +
                           ":" + std::getenv("PATH");
  auto run_policy = [&] {
    return RunCommand({"/bin/bash", "-c", "set -e; cd '" + dir_.string() + "'\n" + policy},
                      {{"PATH", path}});
  };
  auto plan = Keyward(
      {"plan", dir_.string(), "--out", (dir_ / "keyward.kwplan").string(), "--detailed-exitcode"});
  ASSERT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  ASSERT_THAT(plan.out, HasSubstr("adopt"));
  auto denied = run_policy();
  EXPECT_EQ(denied.exit_code, 1) << denied.out << denied.err;
  EXPECT_THAT(denied.out, HasSubstr("Vault/e2e-kv-01 would be updated (keyward action: adopt)"));

  ASSERT_EQ(Keyward({"apply", dir_.string(), "--auto-approve"}).exit_code, 0);
  plan = Keyward(
      {"plan", dir_.string(), "--out", (dir_ / "keyward.kwplan").string(), "--detailed-exitcode"});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  auto allowed = run_policy();
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_EQ(allowed.out, "");
}

TEST_F(CliTest, VersionPrintsTheVersion) {
  auto result = Keyward({"version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("keyward 0.1.0"));
}

// The User-Agent of every ARM request is "keyward/" and the version `keyward version` prints: both
// come from CMake's project(VERSION), so a version bump cannot leave one of them behind.
TEST_F(CliTest, EveryArmRequestCarriesTheVersionTheCliPrints) {
  auto version = Keyward({"version"});
  ASSERT_EQ(version.exit_code, 0);
  const std::string printed = version.out.substr(0, version.out.find('\n'));
  ASSERT_EQ(printed.rfind("keyward ", 0), 0u) << printed;
  const std::string user_agent = "keyward/" + printed.substr(std::string("keyward ").size());

  auto plan = RunKeyward({"plan", dir_.string()});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  auto log = HttpsRequest("GET", emulator_->endpoint() + "/_emulator/requests", {}, "",
                          emulator_->ca_file());
  const nlohmann::json requests = log.Json()["requests"];
  ASSERT_FALSE(requests.empty());
  for (const auto& request : requests)
    EXPECT_EQ(request.value("userAgent", "").rfind(user_agent, 0), 0u) << request.dump();
}

}  // namespace
}  // namespace keyward::testing
