// End to end: saved plans (`plan --out`, `show`, `apply FILE`) and the JSON / Markdown plan
// formats, with the real keyward binary against the real emulator. The point of a saved plan is
// that what reviewers approved is exactly what runs: these tests move live state and manifests
// between plan and apply and check that apply refuses and writes nothing. (Edited files, signing
// and the lock are security_test.cc's.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
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

const std::string kVaultPath = VaultApiPath("rg-e2e", "e2e-plan-kv");

constexpr char kVaultYaml[] =
    "apiVersion: keyward.dev/v1alpha1\n"
    "kind: Vault\n"
    "metadata:\n"
    "  name: e2e-plan-kv\n"
    "spec:\n"
    "  location: westeurope\n"
    "  sku: { family: A, name: standard }\n"
    "  publicNetworkAccess: Disabled\n"
    "  softDeleteRetentionInDays: 30\n"
    "  tags: { team: e2e }\n";

class SavedPlanTest : public KeywardE2eTest {
 protected:
  SavedPlanTest() : KeywardE2eTest("keyward-e2e-plan") {}
  void SetUpTest() override {
    WriteStack("manifests/", "e2e", "rg-e2e");
    Write("manifests/vault.yaml", kVaultYaml);
  }

  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string Manifests() const { return (dir_ / "manifests").string(); }
  std::string PlanFile() const { return (dir_ / "reviewed.kwplan").string(); }

  CommandResult Keyward(std::vector<std::string> args) {
    return RunKeyward(args, {// Plans are signed, so `apply FILE` alone may apply them
                             // (security_test.cc covers unsigned and tampered files).
                             {"KEYWARD_PLAN_KEY", "e2e-saved-plan-signing-key"}});
  }

  // `plan --out` plus a check that the same plan's JSON validates against the schema.
  CommandResult SavePlan() {
    auto plan = Keyward({"plan", Manifests(), "--out", PlanFile(), "--detailed-exitcode"});
    auto json = Keyward({"show", PlanFile(), "--format", "json"});
    EXPECT_EQ(json.exit_code, 0) << json.err;
    EXPECT_EQ(ValidatePlanJson(json.out), "");
    return plan;
  }
};

TEST_F(SavedPlanTest, PlanOutThenApplyTheFileConvergesWithoutPrompting) {
  auto plan = SavePlan();
  ASSERT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("Plan: 2 to add, 0 to change, 0 to destroy."));
  EXPECT_THAT(plan.err, HasSubstr("keyward apply " + PlanFile()));
  struct stat st {};
  ASSERT_EQ(::stat(PlanFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600) << "saved plans are private to their owner";

  auto show = Keyward({"show", PlanFile(), "--detailed-exitcode"});
  EXPECT_EQ(show.exit_code, 2) << show.err;
  EXPECT_EQ(show.out, plan.out) << "show renders exactly what plan printed";

  // No --auto-approve and no terminal: a saved plan is applied without asking.
  auto apply = Keyward({"apply", PlanFile()});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("Vault/e2e-plan-kv: create complete"));
  EXPECT_THAT(apply.out, HasSubstr("Apply complete!"));
  auto live = Arm("GET", kVaultPath);
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(live.Json()["tags"]["keyward-stack"], "e2e");

  auto again = Keyward({"plan", Manifests(), "--detailed-exitcode", "--format", "json"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(ValidatePlanJson(again.out), "");
  EXPECT_EQ(nlohmann::json::parse(again.out)["applyable"], false);
}

TEST_F(SavedPlanTest, ApplyWithTheSameManifestsChecksTheDigestAndApplies) {
  ASSERT_EQ(SavePlan().exit_code, 2);
  auto apply = Keyward({"apply", PlanFile(), Manifests()});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_EQ(Arm("GET", kVaultPath).status, 200);
}

TEST_F(SavedPlanTest, VaultChangedOutOfBandMakesThePlanStaleAndNothingIsWritten) {
  ASSERT_EQ(Keyward({"apply", Manifests(), "--auto-approve"}).exit_code, 0);
  std::string premium = kVaultYaml;
  premium.replace(premium.find("name: standard"), 14, "name: premium");
  Write("manifests/vault.yaml", premium);
  ASSERT_EQ(SavePlan().exit_code, 2);

  // Someone changes the vault after the plan was reviewed.
  ASSERT_EQ(Arm("PATCH", kVaultPath, {{"properties", {{"publicNetworkAccess", "Enabled"}}}}).status,
            200);

  auto apply = Keyward({"apply", PlanFile()});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.err, HasSubstr("plan is stale: Vault/e2e-plan-kv changed since the plan"));
  EXPECT_THAT(apply.err, Not(HasSubstr("ResourceGroup/rg-e2e")));
  EXPECT_THAT(apply.out, Not(HasSubstr("complete")));
  auto live = Arm("GET", kVaultPath).Json();
  EXPECT_EQ(live["properties"]["sku"]["name"], "standard") << "the stale plan wrote nothing";
  EXPECT_EQ(live["properties"]["publicNetworkAccess"], "Enabled");
}

TEST_F(SavedPlanTest, VaultDeletedOutOfBandMakesThePlanStale) {
  ASSERT_EQ(Keyward({"apply", Manifests(), "--auto-approve"}).exit_code, 0);
  ASSERT_EQ(Arm("PATCH", kVaultPath, {{"properties", {{"publicNetworkAccess", "Enabled"}}}}).status,
            200);
  ASSERT_EQ(SavePlan().exit_code, 2);
  ASSERT_EQ(Arm("DELETE", kVaultPath).status, 200);

  auto apply = Keyward({"apply", PlanFile()});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.err, HasSubstr("plan is stale: Vault/e2e-plan-kv disappeared since the plan"));
  EXPECT_EQ(Arm("GET", kVaultPath).status, 404) << "not recovered by a stale plan";
}

TEST_F(SavedPlanTest, VaultCreatedOutOfBandMakesACreatePlanStale) {
  ASSERT_EQ(SavePlan().exit_code, 2);
  ASSERT_EQ(Arm("PUT",
                "/subscriptions/11111111-2222-4333-8444-555555555555/resourcegroups/rg-e2e"
                "?api-version=2021-04-01",
                {{"location", "westeurope"}})
                    .status /
                100,
            2);
  auto put = Arm("PUT", kVaultPath,
                 {{"location", "westeurope"},
                  {"properties",
                   {{"tenantId", kTenantId},
                    {"sku", {{"family", "A"}, {"name", "standard"}}},
                    {"accessPolicies", nlohmann::json::array()}}}});
  ASSERT_EQ(put.status / 100, 2) << put.body;

  auto apply = Keyward({"apply", PlanFile()});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.err, HasSubstr("Vault/e2e-plan-kv appeared since the plan"));
  EXPECT_THAT(apply.err, HasSubstr("ResourceGroup/rg-e2e appeared since the plan"));
  auto live = Arm("GET", kVaultPath).Json();
  EXPECT_FALSE(live["tags"].contains("keyward-stack")) << "nothing was written";
}

TEST_F(SavedPlanTest, ChangedManifestsMakeThePlanStale) {
  ASSERT_EQ(SavePlan().exit_code, 2);
  std::string premium = kVaultYaml;
  premium.replace(premium.find("name: standard"), 14, "name: premium");
  Write("manifests/vault.yaml", premium);

  auto apply = Keyward({"apply", PlanFile(), Manifests()});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.err, HasSubstr("plan is stale: Vault/e2e-plan-kv would now be planned with "
                                   "other values (properties.sku.name"));
  EXPECT_THAT(apply.err, HasSubstr("the manifests changed since the plan was made: "
                                   "Vault/e2e-plan-kv changed in the manifests"));
  EXPECT_EQ(Arm("GET", kVaultPath).status, 404);
}

TEST_F(SavedPlanTest, PlanWithErrorsCanBeShownButNeverApplied) {
  ASSERT_EQ(SavePlan().exit_code, 2);
  auto doc = nlohmann::json::parse(Read("reviewed.kwplan"));
  doc["plan"]["diagnostics"].push_back(
      {{"severity", "error"},
       {"location", {{"file", "vault.yaml"}, {"line", 3}, {"column", 1}}},
       {"message", "dependency cycle: Vault/e2e-plan-kv -> Vault/e2e-plan-kv"}});
  Write("reviewed.kwplan", doc.dump());

  auto show = Keyward({"show", PlanFile(), "--detailed-exitcode"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_THAT(show.out, HasSubstr("dependency cycle"));
  EXPECT_EQ(Keyward({"show", PlanFile()}).exit_code, 0);
  auto json = Keyward({"show", PlanFile(), "--format", "json"});
  EXPECT_EQ(ValidatePlanJson(json.out), "");
  EXPECT_EQ(nlohmann::json::parse(json.out)["errored"], true);

  auto apply = Keyward({"apply", PlanFile()});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.err, HasSubstr("was planned with errors; it can be shown"));
  EXPECT_EQ(Arm("GET", kVaultPath).status, 404);
}

TEST_F(SavedPlanTest, CorruptOrForeignFilesAreRefusedClearly) {
  Write("garbage.kwplan",
        "{\"format\": \"keyward-saved-plan\", \"format_version\": 2, \"plan\": 7}");
  Write("other.json", "{\"format_version\": \"1.0\"}");
  for (const char* name : {"garbage.kwplan", "other.json"}) {
    const std::string path = (dir_ / name).string();
    auto apply = Keyward({"apply", path});
    EXPECT_EQ(apply.exit_code, 1) << name;
    EXPECT_THAT(apply.err, HasSubstr(path + ": ")) << name;
    auto show = Keyward({"show", path});
    EXPECT_EQ(show.exit_code, 1) << name;
  }
  EXPECT_THAT(Keyward({"show", (dir_ / "garbage.kwplan").string()}).err,
              HasSubstr("corrupt keyward saved plan"));
  EXPECT_THAT(Keyward({"show", (dir_ / "other.json").string()}).err,
              HasSubstr("not a keyward saved plan"));
}

TEST_F(SavedPlanTest, MarkdownFormatWritesPartsForPullRequestComments) {
  std::filesystem::create_directories(dir_ / "comments");
  auto plan = Keyward({"plan", Manifests(), "--format", "markdown", "--markdown-dir",
                       (dir_ / "comments").string(), "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 2) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("<!-- keyward-plan part 1 of 1 -->\n"));
  EXPECT_THAT(plan.out, HasSubstr("### keyward plan: 2 to add, 0 to change, 0 to destroy"));
  EXPECT_THAT(plan.out, HasSubstr("<code>Vault/e2e-plan-kv</code>"));
  EXPECT_EQ(Read("comments/plan-001.md"), plan.out);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "comments" / "plan-002.md"));
}

}  // namespace
}  // namespace keyward::testing
