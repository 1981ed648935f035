#include "engine/render_markdown.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/plan_test_util.h"

namespace keyward::engine {
namespace {

using plan_testing::DetailedEveryActionPlan;
using plan_testing::ExpectGolden;
using plan_testing::MakeChange;
using ::testing::HasSubstr;

// "" when `part` is well-formed for a PR comment: every code fence closed by a fence of the same
// length, every <details> closed before the next opens and before the end, nothing after the
// marker line that belongs to another part.
std::string WellFormedProblem(const std::string& part) {
  std::string open_fence;
  bool in_details = false;
  size_t start = 0;
  int line_no = 0;
  while (start < part.size()) {
    size_t end = part.find('\n', start);
    if (end == std::string::npos) end = part.size();
    const std::string line = part.substr(start, end - start);
    ++line_no;
    start = end + 1;
    const size_t ticks = line.find_first_not_of('`');
    const size_t run = ticks == std::string::npos ? line.size() : ticks;
    if (run >= 3) {
      if (open_fence.empty()) {
        open_fence = line.substr(0, run);
      } else if (line == open_fence) {
        open_fence.clear();
      }
      continue;
    }
    if (!open_fence.empty()) continue;
    if (line.rfind("<details>", 0) == 0) {
      if (in_details) return "nested <details> at line " + std::to_string(line_no);
      in_details = true;
    }
    if (line == "</details>") {
      if (!in_details) return "</details> without <details> at line " + std::to_string(line_no);
      in_details = false;
    }
  }
  if (!open_fence.empty()) return "unclosed code fence";
  if (in_details) return "unclosed <details>";
  return "";
}

TEST(RenderMarkdownTest, PlanWithEveryActionMatchesGolden) {
  const std::vector<std::string> parts = RenderPlanMarkdown(DetailedEveryActionPlan());
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].find("canary"), std::string::npos) << "a sensitive value leaked";
  EXPECT_EQ(WellFormedProblem(parts[0]), "");
  ExpectGolden("render_markdown_every_action.md", parts[0] + "\n");
}

TEST(RenderMarkdownTest, DangerousChangesComeFirstWithAWarning) {
  const std::string md = RenderPlanMarkdown(DetailedEveryActionPlan())[0];
  EXPECT_THAT(md, HasSubstr("### keyward plan: 3 to add, 4 to change, 3 to destroy\n"));
  EXPECT_THAT(md, HasSubstr("> [!WARNING]\n> This plan has 3 destructive or irreversible change(s) "
                            "and 1 blocked change(s)."));
  const size_t attention = md.find("#### ⚠️ Destructive, irreversible and blocked changes");
  const size_t changes = md.find("#### Changes");
  ASSERT_NE(attention, std::string::npos);
  ASSERT_NE(changes, std::string::npos);
  EXPECT_LT(attention, changes);
  for (const char* address :
       {"Vault/old-kv", "ManagedHsm/hsm1", "Vault/reborn-kv", "Vault/held-kv"})
    EXPECT_LT(md.find(std::string("<code>") + address + "</code>", attention), changes) << address;
  EXPECT_GT(md.find("<code>Vault/payments-kv</code>"), changes);
  EXPECT_LT(md.find("| Action | Count |"), attention);
}

TEST(RenderMarkdownTest, GuardrailsSectionFollowsTheSummaryWorstFirstWithTheFix) {
  const std::string md = RenderPlanMarkdown(DetailedEveryActionPlan())[0];
  const size_t section = md.find("#### 🛡️ Guardrails: 2 findings (1 high, 1 low), 1 waived\n");
  ASSERT_NE(section, std::string::npos) << md;
  EXPECT_LT(md.find("| Action | Count |"), section);
  EXPECT_LT(section, md.find("#### ⚠️ Destructive")) << "reviewers see the guardrails first";
  EXPECT_THAT(md,
              HasSubstr("- 🟠 **high** `KW-KV-001` Title of KW-KV-001 — `Vault/payments-kv` "
                        "at `manifests/vault.yaml:9:26` (`spec.enablePurgeProtection`)\n\n"
                        "  spec.enablePurgeProtection is wrong\n\n"
                        "  **Fix:** Fix spec.enablePurgeProtection.\n"));
  EXPECT_LT(md.find("`KW-KV-001`"), md.find("`KW-KV-005`"));
  EXPECT_THAT(md, HasSubstr("<details><summary>Waived (keyward.dev/waive)</summary>\n\n- "
                            "`KW-KV-012` `Secret/payments-kv/db-password` until 2027-03-31: "
                            "rotated by the app\n"));
  EXPECT_EQ(WellFormedProblem(md), "");
}

TEST(RenderMarkdownTest, NoChangesSaysSo) {
  Plan plan;
  plan.changes.push_back(MakeChange(Action::kNoOp, "Vault/steady-kv"));
  const auto parts = RenderPlanMarkdown(plan);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_THAT(parts[0], HasSubstr("### keyward plan: no changes"));
  EXPECT_THAT(parts[0], ::testing::Not(HasSubstr("<details>")));
}

TEST(RenderMarkdownTest, ErrorsAreAnnouncedAtTheTop) {
  Plan plan;
  plan.changes.push_back(MakeChange(Action::kCreate, "Vault/a"));
  plan.diagnostics.Error({"a.yaml", 2, 3}, "dependency cycle: Vault/a -> Vault/a");
  const std::string md = RenderPlanMarkdown(plan)[0];
  EXPECT_LT(md.find("cannot be applied"), md.find("#### Changes"));
  EXPECT_THAT(md, HasSubstr("#### Diagnostics\n\n- a.yaml:2:3: error: dependency cycle"));
}

TEST(RenderMarkdownTest, BackticksAndHtmlInValuesCannotBreakTheComment) {
  Plan plan;
  Change c = MakeChange(Action::kUpdate, "Vault/a", "");
  c.field_changes = {{"tags.note", "```\n</details>", "<script>|x|</script>"}};
  c.warnings = {"<b>not bold</b>"};
  plan.changes.push_back(c);
  const std::string md = RenderPlanMarkdown(plan)[0];
  EXPECT_EQ(WellFormedProblem(md), "");
  EXPECT_THAT(md, HasSubstr("&lt;b&gt;not bold&lt;/b&gt;"));
}

Plan ThousandsOfChanges(int n) {
  Plan plan;
  for (int i = 0; i < n; ++i) {
    Change c = MakeChange(i % 7 == 0 ? Action::kDelete : Action::kUpdate,
                          "Secret/payments-kv/secret-" + std::to_string(i),
                          i % 7 == 0 ? "not in the manifests and owned by this stack" : "");
    c.field_changes = {{"properties.contentType", "text/plain", "application/json"},
                       {"tags.owner", "team-" + std::to_string(i), nullptr},
                       {"properties.value", "canary-" + std::to_string(i), "canary-new"}};
    c.sensitive_paths = {"properties.value"};
    plan.changes.push_back(c);
  }
  return plan;
}

TEST(RenderMarkdownTest, ThousandsOfChangesSplitIntoWellFormedPartsUnderTheLimit) {
  const Plan plan = ThousandsOfChanges(5000);
  const std::vector<std::string> parts = RenderPlanMarkdown(plan);
  ASSERT_GT(parts.size(), 2u);
  std::string all;
  for (size_t i = 0; i < parts.size(); ++i) {
    SCOPED_TRACE("part " + std::to_string(i + 1));
    EXPECT_LE(parts[i].size(), 65536u);
    EXPECT_EQ(WellFormedProblem(parts[i]), "");
    EXPECT_EQ(parts[i].rfind("<!-- keyward-plan part " + std::to_string(i + 1) + " of " +
                                 std::to_string(parts.size()) + " -->\n",
                             0),
              0u);
    EXPECT_EQ(parts[i].find("canary"), std::string::npos);
    all += parts[i];
  }
  // Nothing lost: every change appears exactly once.
  for (int i = 0; i < 5000; ++i) {
    const std::string code = "<code>Secret/payments-kv/secret-" + std::to_string(i) + "</code>";
    const size_t at = all.find(code);
    ASSERT_NE(at, std::string::npos) << i;
    EXPECT_EQ(all.find(code, at + 1), std::string::npos) << i;
  }
}

TEST(RenderMarkdownTest, OneHugeChangeIsCutBetweenDiffLines) {
  Plan plan;
  Change c = MakeChange(Action::kUpdate, "Vault/wide-kv");
  for (int i = 0; i < 3000; ++i)
    c.field_changes.push_back({"properties.networkAcls.ipRules[" + std::to_string(i) + "].value",
                               "203.0.113." + std::to_string(i % 256), "198.51.100.1"});
  c.field_changes.push_back({"tags.huge", std::string(200000, 'x'), nullptr});
  plan.changes.push_back(c);
  MarkdownRenderOptions options;
  options.max_part_bytes = 20000;
  const auto parts = RenderPlanMarkdown(plan, options);
  ASSERT_GT(parts.size(), 3u);
  for (const std::string& part : parts) {
    EXPECT_LE(part.size(), 20000u);
    EXPECT_EQ(WellFormedProblem(part), "");
  }
  std::string all;
  for (const std::string& part : parts) all += part;
  EXPECT_THAT(all, HasSubstr("<code>Vault/wide-kv</code> — update (diff 2 of "));
  EXPECT_THAT(all, HasSubstr("ipRules[2999].value"));
  EXPECT_THAT(all, HasSubstr("(cut: 200015 bytes; see the JSON plan)"));
}

}  // namespace
}  // namespace keyward::engine
