// Golden plans: the text, JSON and Markdown plans of manifests/examples/payments, byte for byte,
// against files checked in under tests/golden/payments/. They pin what a reviewer sees, so a
// refactor that changes a plan's wording, order or layout fails here and shows the difference.
// Two states: an empty subscription (every kind created) and the estate after an apply with
// changes made out of band (updates rendered next to no-ops and blocked changes).
//
// A change of output that is meant: KEYWARD_UPDATE_GOLDEN=1 ctest -R GoldenPlanTest rewrites
// the files; review the diff in git before committing it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_test_util.h"
#include "tests/support/command.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;

// From manifests/examples/payments/keyward.yaml.
constexpr char kGroup[] =
    "/subscriptions/6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01/resourceGroups/rg-payments";

fs::path GoldenDir() { return SourceDir() / "tests" / "golden" / "payments"; }

// The first line where two texts differ, for a readable failure.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "(same lines; line endings differ)";
    if (!more_a || !more_b || la != lb)
      return "line " + std::to_string(line) + ":\n  golden: " + (more_a ? la : "(end)") +
             "\n  now:    " + (more_b ? lb : "(end)");
  }
}

class GoldenPlanTest : public KeywardE2eTest {
 protected:
  GoldenPlanTest() : KeywardE2eTest("keyward-golden") {}
  void SetUpTest() override {
    manifests_ = dir_ / "manifests";
    fs::copy(SourceDir() / "manifests" / "examples" / "payments", manifests_,
             fs::copy_options::recursive);
  }

  CommandResult Keyward(std::vector<std::string> args) {
    return RunKeyward(std::move(args), {{"PAYMENTS_DB_PASSWORD", "golden-db-password"},
                                        {"PAYMENTS_AUDIT_WEBHOOK_TOKEN", "golden-webhook-token"},
                                        {"KEYWARD_FINGERPRINT_KEY", "golden-fingerprint-key"},
                                        {"NO_COLOR", "1"}});
  }

  // Plans in each format and compares with `<state>.plan.{txt,json,md}`. The scratch directory
  // (it holds the test's process id) is written as $DIR.
  void ExpectGoldenPlans(const std::string& state) {
    for (const auto& [format, extension] :
         {std::pair{"text", "txt"}, std::pair{"json", "json"}, std::pair{"markdown", "md"}}) {
      CommandResult plan = Keyward({"plan", manifests_.string(), "--format", format});
      ASSERT_NE(plan.exit_code, 1) << plan.out << plan.err;
      for (size_t at; (at = plan.out.find(dir_.string())) != std::string::npos;)
        plan.out.replace(at, dir_.string().size(), "$DIR");
      const fs::path golden = GoldenDir() / (state + ".plan." + extension);
      if (const char* update = std::getenv("KEYWARD_UPDATE_GOLDEN"); update && *update == '1') {
        fs::create_directories(golden.parent_path());
        std::ofstream(golden, std::ios::binary | std::ios::trunc) << plan.out;
        continue;
      }
      ASSERT_TRUE(fs::exists(golden)) << golden << " is missing (KEYWARD_UPDATE_GOLDEN=1)";
      const std::string want = ReadFile(golden);
      EXPECT_EQ(want, plan.out) << golden.filename().string() << " differs at "
                                << FirstDifference(want, plan.out);
    }
  }

  fs::path manifests_;
};

TEST_F(GoldenPlanTest, AnEmptySubscription) { ExpectGoldenPlans("empty"); }

TEST_F(GoldenPlanTest, AnAppliedEstateChangedOutOfBand) {
  // The private endpoint connections stay blocked (no endpoints exist), so apply exits 1.
  CommandResult apply = Keyward({"apply", manifests_.string(), "--auto-approve"});
  ASSERT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  const std::string vault = std::string(kGroup) + "/providers/Microsoft.KeyVault/vaults/";
  auto patch = Arm(
      "PATCH", vault + "payments-kv?api-version=2024-11-01",
      {{"tags", {{"keyward-stack", "payments"}, {"cost-center", "4711"}, {"team", "someone-else"}}},
       {"properties", {{"publicNetworkAccess", "Enabled"}}}});
  ASSERT_EQ(patch.status, 200) << patch.body;
  ExpectGoldenPlans("drifted");
}

}  // namespace
}  // namespace keyward::testing
