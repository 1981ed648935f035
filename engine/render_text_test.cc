#include "engine/render_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace keyward::engine {
namespace {

// Golden files live in engine/testdata. KEYWARD_UPDATE_GOLDEN=1 rewrites them instead of
// comparing (review the diff before committing). The directory comes from KEYWARD_SOURCE_DIR
// (set by ctest) or, when the binary is run by hand, from this file's own path.
std::filesystem::path TestdataDir() {
  if (const char* root = std::getenv("KEYWARD_SOURCE_DIR"); root && *root)
    return std::filesystem::path(root) / "engine" / "testdata";
  return std::filesystem::path(__FILE__).parent_path() / "testdata";
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const auto path = TestdataDir() / name;
  if (const char* update = std::getenv("KEYWARD_UPDATE_GOLDEN");
      update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with KEYWARD_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << path << " differs";
}

Change MakeChange(Action action, std::string address, std::string reason = {}) {
  Change c;
  c.action = action;
  c.address = std::move(address);
  c.kind = c.address.substr(0, c.address.find('/'));
  c.reason = std::move(reason);
  return c;
}

// One change per action, in an order that puts destructive ones in the middle, so the test
// shows that the renderer lifts them to the top.
Plan EveryActionPlan() {
  Plan plan;
  Change create = MakeChange(Action::kCreate, "Vault/payments-kv");
  create.field_changes = {{"location", nullptr, "westeurope"},
                          {"properties.sku.name", nullptr, "premium"}};
  plan.changes.push_back(create);

  Change update = MakeChange(Action::kUpdate, "Vault/orders-kv");
  update.field_changes = {
      {"properties.sku.name", "standard", "premium"},
      {"properties.networkAcls.ipRules", Json::array({{{"value", "203.0.113.0/24"}}}),
       Json::array({{{"value", "203.0.113.0/24"}}, {{"value", "198.51.100.7/32"}}})},
      {"tags.owner", "alice", nullptr}};
  plan.changes.push_back(update);

  plan.changes.push_back(MakeChange(Action::kNoOp, "Vault/steady-kv"));

  plan.changes.push_back(
      MakeChange(Action::kDelete, "Vault/old-kv", "not in the manifests and owned by this stack"));

  Change replace = MakeChange(Action::kReplace, "ManagedHsm/hsm1",
                              "properties.tenantId cannot change after creation");
  replace.field_changes = {{"properties.tenantId", "00000000-0000-0000-0000-000000000001",
                            "00000000-0000-0000-0000-000000000002"}};
  plan.changes.push_back(replace);

  plan.changes.push_back(MakeChange(Action::kPurgeThenCreate, "Vault/reborn-kv",
                                    "soft-deleted vault holds the name; policy asks to purge it"));

  Change recover = MakeChange(
      Action::kRecover, "Vault/lost-kv",
      "a soft-deleted vault holds the name; recover it, then apply the desired properties");
  recover.field_changes = {{"properties.enableRbacAuthorization", false, true}};
  plan.changes.push_back(recover);

  plan.changes.push_back(
      MakeChange(Action::kBlocked, "Vault/held-kv",
                 "name held by a purge-protected deleted vault until 2027-01-30T00:00:00Z"));

  Change unsupported = MakeChange(Action::kUnsupported, "Key/payments-kv/signing",
                                  "key properties cannot change after creation through ARM");
  unsupported.field_changes = {{"properties.kty", "RSA", "EC"}};
  plan.changes.push_back(unsupported);

  Change secret = MakeChange(Action::kUpdate, "Secret/payments-kv/db-password");
  secret.sensitive_paths = {"properties.value"};
  secret.field_changes = {{"properties.value", "old-canary-value", "new-canary-value"},
                          {"properties.contentType", nullptr, "text/plain"}};
  plan.changes.push_back(secret);

  Change adopt =
      MakeChange(Action::kAdopt, "Vault/legacy-kv", "exists without the keyward-stack tag");
  adopt.field_changes = {{"tags.keyward-stack", nullptr, "payments"}};
  plan.changes.push_back(adopt);

  Change drift = MakeChange(Action::kUpdate, "Vault/audited-kv");
  drift.report_only = true;
  drift.policy = ReconcilePolicy::kObserve;
  drift.field_changes = {{"properties.publicNetworkAccess", "Enabled", "Disabled"}};
  plan.changes.push_back(drift);
  return plan;
}

TEST(RenderTextTest, PlanWithEveryActionMatchesGolden) {
  const Plan plan = EveryActionPlan();
  const std::string text = RenderPlanText(plan);
  EXPECT_EQ(text.find("canary"), std::string::npos) << "a sensitive value leaked";
  ExpectGolden("render_text_every_action.txt", text);
}

TEST(RenderTextTest, SummaryLineCountsLikeTerraform) {
  const PlanSummary s = EveryActionPlan().Summary();
  // add: create + replace + purge-then-create; change: 2 updates + adopt + recover;
  // destroy: delete + replace + purge-then-create.
  EXPECT_EQ(SummaryLine(s), "Plan: 3 to add, 4 to change, 3 to destroy.");
  const std::string text = RenderPlanText(EveryActionPlan());
  EXPECT_NE(text.find("\nPlan: 3 to add, 4 to change, 3 to destroy.\n"
                      "Also: 1 to recover, 1 blocked, 1 unsupported, 1 drifted (observe only).\n"),
            std::string::npos);
}

TEST(RenderTextTest, DestructiveChangesComeFirst) {
  const std::string text = RenderPlanText(EveryActionPlan());
  const size_t destructive = text.find("Destructive changes");
  ASSERT_NE(destructive, std::string::npos);
  EXPECT_LT(text.find("- Vault/old-kv (delete)"), text.find("+ Vault/payments-kv (create)"));
  EXPECT_LT(text.find("± ManagedHsm/hsm1 (replace)"), text.find("Changes:"));
}

TEST(RenderTextTest, NoOpsHiddenUnlessAsked) {
  const Plan plan = EveryActionPlan();
  EXPECT_EQ(RenderPlanText(plan).find("steady-kv"), std::string::npos);
  TextRenderOptions options;
  options.show_no_ops = true;
  EXPECT_NE(RenderPlanText(plan, options).find("  = Vault/steady-kv (no-op)\n"), std::string::npos);
}

TEST(RenderTextTest, NoChangesSaysSo) {
  Plan plan;
  plan.changes.push_back(MakeChange(Action::kNoOp, "Vault/steady-kv"));
  EXPECT_EQ(RenderPlanText(plan), "No changes. Your infrastructure matches the configuration.\n");
  EXPECT_EQ(RenderPlanText(Plan{}), "No changes. Your infrastructure matches the configuration.\n");
}

TEST(RenderTextTest, ColorIsOffByDefaultAndOptional) {
  const Plan plan = EveryActionPlan();
  EXPECT_EQ(RenderPlanText(plan).find('\033'), std::string::npos);
  TextRenderOptions options;
  options.color = true;
  EXPECT_NE(RenderPlanText(plan, options).find("\033[32m+\033[0m Vault/payments-kv"),
            std::string::npos);
}

TEST(RenderTextTest, AsciiOnlyRecoverSymbol) {
  Plan plan;
  plan.changes.push_back(MakeChange(Action::kRecover, "Vault/lost-kv"));
  TextRenderOptions options;
  options.ascii_only = true;
  EXPECT_NE(RenderPlanText(plan, options).find("  R Vault/lost-kv (recover)\n"), std::string::npos);
}

}  // namespace
}  // namespace keyward::engine
