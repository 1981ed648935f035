#include "engine/render_text.h"

#include <gtest/gtest.h>

#include "engine/plan_test_util.h"

namespace keyward::engine {
namespace {

using plan_testing::EveryActionPlan;
using plan_testing::EveryKindOfFinding;
using plan_testing::ExpectGolden;
using plan_testing::MakeChange;

TEST(RenderTextTest, PlanWithEveryActionMatchesGolden) {
  const Plan plan = EveryActionPlan();
  const std::string text = RenderPlanText(plan);
  EXPECT_EQ(text.find("canary"), std::string::npos) << "a sensitive value leaked";
  ExpectGolden("render_text_every_action.txt", text);
}

TEST(RenderTextTest, GuardrailFindingsFollowThePlanWorstFirstWaivedLast) {
  Plan plan = EveryActionPlan();
  plan.findings = EveryKindOfFinding();
  const std::string text = RenderPlanText(plan);
  const std::string expected =
      "Also: 1 to recover, 1 blocked, 1 unsupported, 1 drifted (observe only).\n"
      "\n"
      "Guardrails: 2 findings (1 high, 1 low), 1 waived.\n"
      "  [high] KW-KV-001 Title of KW-KV-001\n"
      "    Vault/payments-kv at manifests/vault.yaml:9:26 (spec.enablePurgeProtection)\n"
      "    spec.enablePurgeProtection is wrong\n"
      "    fix: Fix spec.enablePurgeProtection.\n"
      "  [low] KW-KV-005 Title of KW-KV-005\n"
      "    Vault/orders-kv at manifests/vault.yaml:20:1 (spec.enableRbacAuthorization)\n"
      "    spec.enableRbacAuthorization is wrong\n"
      "    fix: Fix spec.enableRbacAuthorization.\n"
      "  [waived] KW-KV-012 Secret/payments-kv/db-password at manifests/secrets.yaml:4:1 until "
      "2027-03-31: rotated by the app\n";
  ASSERT_GE(text.size(), expected.size());
  EXPECT_EQ(text.substr(text.size() - expected.size()), expected);
  Plan quiet;
  quiet.findings = EveryKindOfFinding();
  EXPECT_NE(RenderPlanText(quiet).find("No changes. Your infrastructure matches the "
                                       "configuration.\n\nGuardrails: 2 findings"),
            std::string::npos)
      << "a no-op plan still shows its findings";
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
