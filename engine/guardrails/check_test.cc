#include "engine/guardrails/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyward::engine::guardrails {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A rule table of its own, so the machinery is tested apart from the Key Vault rules.
RuleRegistry TestRules() {
  RuleRegistry rules;
  rules.Register(
      {.info = {.id = "KW-T-001",
                .name = "ColorAllowed",
                .title = "Widgets have an allowed color",
                .severity = Severity::kHigh,
                .kinds = {"Widget"},
                .remediation = "Paint it.",
                .parameters = {{"allowed", ParameterType::kStringList, Json::array({"blue"}),
                                "Allowed colors.", std::nullopt, std::nullopt}}},
       .check = [](const RuleContext& c, std::vector<Violation>* out) {
         const std::string value = c.subject.spec.value("color", "");
         for (const std::string& allowed : c.parameters.Strings("allowed"))
           if (value == allowed) return;
         out->push_back({"spec.color", "color is '" + value + "'"});
       }});
  rules.Register({.info = {.id = "KW-T-002",
                           .name = "SizeSmall",
                           .title = "Widgets are small",
                           .severity = Severity::kLow,
                           .kinds = {"Widget"}},
                  .check = [](const RuleContext& c, std::vector<Violation>* out) {
                    if (c.subject.spec.value("/dims/size"_json_pointer, 0) > 3)
                      out->push_back({"spec.dims.size", "too big"});
                  }});
  rules.Register({.info = {.id = "KW-T-003", .name = "Broken", .kinds = {"Gadget"}},
                  .check = [](const RuleContext& c, std::vector<Violation>*) {
                    (void)c.subject.spec.at("missing");  // throws
                  }});
  return rules;
}

DesiredResource Widget(const std::string& name, Json spec, int line) {
  DesiredResource r;
  r.kind = "Widget";
  r.name = name;
  r.address = "Widget/" + name;
  r.spec = std::move(spec);
  r.location = {"w.yaml", line, 1};
  r.field_locations["spec"] = {"w.yaml", line + 3, 3};
  if (r.spec.contains("color")) r.field_locations["spec.color"] = {"w.yaml", line + 4, 10};
  if (r.spec.contains("dims")) r.field_locations["spec.dims"] = {"w.yaml", line + 5, 9};
  return r;
}

class CheckTest : public ::testing::Test {
 protected:
  CheckResult Check(const std::string& config_yaml_json = "null") {
    StackConfig config;
    config.location = {"keyward.yaml", 1, 1};
    config.guardrails = Json::parse(config_yaml_json);
    Diagnostics diagnostics;
    policy_ = LoadPolicy(config, rules_, &diagnostics);
    EXPECT_FALSE(diagnostics.HasErrors());
    LoadWaivers(set_, &policy_, &diagnostics);
    EXPECT_FALSE(diagnostics.HasErrors());
    estate_ = DesiredEstate(set_);
    return CheckGuardrails({&estate_, &policy_, today_});
  }

  RuleRegistry rules_ = TestRules();
  DesiredSet set_;
  Policy policy_;
  Estate estate_;
  Date today_{2027, 1, 1};
};

TEST_F(CheckTest, FindingsPointAtTheFieldItsAncestorOrTheDocument) {
  set_.resources.push_back(Widget("red", {{"color", "red"}, {"dims", {{"size", 9}}}}, 10));
  set_.resources.push_back(Widget("plain", Json::object(), 30));
  const CheckResult result = Check();
  ASSERT_EQ(result.findings.size(), 3u);
  // Worst first: the two highs (by file position), then the low.
  EXPECT_EQ(result.findings[0].rule_id, "KW-T-001");
  EXPECT_EQ(result.findings[0].location.ToString(), "w.yaml:14:10");  // spec.color itself
  EXPECT_EQ(result.findings[1].rule_id, "KW-T-001");
  EXPECT_EQ(result.findings[1].location.ToString(), "w.yaml:30:1");  // not written: the document
  EXPECT_EQ(result.findings[1].field, "spec.color");
  EXPECT_EQ(result.findings[2].rule_id, "KW-T-002");
  EXPECT_EQ(result.findings[2].location.ToString(), "w.yaml:15:9");  // spec.dims: nearest written
  EXPECT_EQ(result.findings[2].severity, Severity::kLow);
  EXPECT_EQ(result.findings[0].title, "Widgets have an allowed color");
  EXPECT_EQ(result.findings[0].remediation, "Paint it.");
}

TEST_F(CheckTest, SeverityParametersAndDisabledRulesComeFromTheStack) {
  set_.resources.push_back(Widget("red", {{"color", "red"}, {"dims", {{"size", 9}}}}, 10));
  const CheckResult result = Check(R"({"rules": {"KW-T-001": {"severity": "critical",
      "parameters": {"allowed": ["red"]}}, "kw-t-002": {"enabled": false}}})");
  EXPECT_THAT(result.findings, IsEmpty());
  const CheckResult critical = Check(R"({"rules": {"KW-T-001": {"severity": "critical"}}})");
  ASSERT_EQ(critical.findings.size(), 2u);
  EXPECT_EQ(critical.findings[0].severity, Severity::kCritical);
  EXPECT_THAT(Check(R"({"enabled": false})").findings, IsEmpty());
}

TEST_F(CheckTest, WaiverHonouredUntilItsDateThenExpiredIsAFindingOfItsOwn) {
  DesiredResource red = Widget("red", {{"color", "red"}}, 10);
  red.annotations["keyward.dev/waive"] = "KW-T-001: the paint shop is closed until 2027-01-31";
  red.field_locations["metadata.annotations[\"keyward.dev/waive\"]"] = {"w.yaml", 13, 24};
  set_.resources.push_back(red);

  today_ = {2027, 1, 31};
  CheckResult held = Check();
  ASSERT_EQ(held.findings.size(), 1u);
  ASSERT_TRUE(held.findings[0].waiver);
  EXPECT_EQ(held.findings[0].waiver->reason, "the paint shop is closed");
  EXPECT_EQ(held.findings[0].waiver->expires, "2027-01-31");
  policy_.fail_on = Severity::kLow;
  EXPECT_EQ(FailOnMessage(held.findings, policy_), "") << "waived findings never fail";

  today_ = {2027, 2, 1};
  CheckResult expired = Check();
  ASSERT_EQ(expired.findings.size(), 2u);
  EXPECT_EQ(expired.findings[0].rule_id, "KW-T-001");
  EXPECT_FALSE(expired.findings[0].waiver);
  EXPECT_EQ(expired.findings[1].rule_id, kExpiredWaiverRuleId);
  EXPECT_EQ(expired.findings[1].severity, Severity::kMedium);
  EXPECT_EQ(expired.findings[1].location.ToString(), "w.yaml:13:24");
  EXPECT_THAT(expired.findings[1].message, HasSubstr("expired on 2027-01-31"));
}

TEST_F(CheckTest, ContextOnlySubjectsAreNeverReported) {
  Subject live;
  live.kind = "Widget";
  live.address = "Widget/live";
  live.spec = {{"color", "green"}};
  live.context_only = true;
  Estate estate;
  estate.Add(live);
  Diagnostics diagnostics;
  Policy policy = LoadPolicy(StackConfig{}, rules_, &diagnostics);
  EXPECT_THAT(CheckGuardrails({&estate, &policy, today_}).findings, IsEmpty());
  estate = Estate();
  live.context_only = false;
  live.source = FindingSource::kLive;
  estate.Add(live);
  const CheckResult result = CheckGuardrails({&estate, &policy, today_});
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_TRUE(result.findings[0].location.file.empty()) << "live findings have no file";
  EXPECT_EQ(result.findings[0].source, FindingSource::kLive);
}

TEST_F(CheckTest, ARuleThatThrowsIsAWarningNotACrash) {
  Subject gadget;
  gadget.kind = "Gadget";
  gadget.address = "Gadget/g";
  Estate estate;
  estate.Add(gadget);
  Diagnostics diagnostics;
  Policy policy = LoadPolicy(StackConfig{}, rules_, &diagnostics);
  const CheckResult result = CheckGuardrails({&estate, &policy, today_});
  EXPECT_THAT(result.findings, IsEmpty());
  ASSERT_EQ(result.diagnostics.items().size(), 1u);
  EXPECT_FALSE(result.diagnostics.HasErrors());
  EXPECT_THAT(result.diagnostics.items()[0].message, HasSubstr("KW-T-003 could not be checked"));
}

TEST_F(CheckTest, FailOnNamesEveryFindingAtOrAboveTheThreshold) {
  set_.resources.push_back(Widget("red", {{"color", "red"}, {"dims", {{"size", 9}}}}, 10));
  const CheckResult result = Check();
  policy_.fail_on = Severity::kCritical;
  EXPECT_EQ(FailOnMessage(result.findings, policy_), "");
  policy_.fail_on = Severity::kHigh;
  EXPECT_EQ(FailOnMessage(result.findings, policy_),
            "1 guardrail finding(s) at or above failOn high:\n  high KW-T-001 Widget/red "
            "(w.yaml:14:10): Widgets have an allowed color");
  policy_.fail_on = Severity::kLow;
  EXPECT_THAT(FailOnMessage(result.findings, policy_), HasSubstr("2 guardrail finding(s)"));
  policy_.fail_on.reset();
  EXPECT_EQ(FailOnMessage(result.findings, policy_), "");
}

}  // namespace
}  // namespace keyward::engine::guardrails
