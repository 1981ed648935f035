#include "engine/guardrails/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/guardrails/rule_test_util.h"

namespace keyward::engine::guardrails {
namespace {

using ::testing::HasSubstr;

// A Widget rule with an integer and a list parameter.
RuleRegistry Rules() {
  return RegistryWith({.id = "KW-T-001",
                       .name = "T",
                       .severity = Severity::kMedium,
                       .kinds = {"Widget"},
                       .parameters = {{"days", ParameterType::kInteger, 90, "", 7, 90},
                                      {"names", ParameterType::kStringList, Json::array(), "",
                                       std::nullopt, std::nullopt}}});
}

std::string Text(const Diagnostics& d) {
  std::string out;
  for (const Diagnostic& item : d.items()) out += item.ToString() + "\n";
  return out;
}

StackConfig Config(const std::string& json) {
  StackConfig config;
  config.location = {"m/keyward.yaml", 1, 1};
  config.guardrails = Json::parse(json);
  config.guardrails_locations["guardrails.rules.KW-T-999"] = {"m/keyward.yaml", 4, 5};
  config.guardrails_locations["guardrails.rules.KW-T-001.parameters.day"] = {"m/keyward.yaml", 7,
                                                                             9};
  config.guardrails_locations["guardrails.rules.KW-T-001.parameters.days"] = {"m/keyward.yaml", 8,
                                                                              15};
  return config;
}

TEST(PolicyTest, DefaultsHoldEveryRuleWithItsSeverityAndParameters) {
  const RuleRegistry rules = Rules();
  Diagnostics d;
  const Policy policy = LoadPolicy(StackConfig{}, rules, &d);
  EXPECT_TRUE(d.empty());
  EXPECT_TRUE(policy.enabled);
  EXPECT_FALSE(policy.fail_on);
  ASSERT_TRUE(policy.SettingsFor("KW-T-001"));
  EXPECT_EQ(policy.SettingsFor("KW-T-001")->parameters.Integer("days"), 90);
  EXPECT_EQ(policy.SettingsFor("KW-T-001")->severity, Severity::kMedium);
  ASSERT_TRUE(policy.SettingsFor(kExpiredWaiverRuleId)) << "the engine's own rule is configurable";
}

TEST(PolicyTest, OverridesAndFailOn) {
  const RuleRegistry rules = Rules();
  Diagnostics d;
  const Policy policy = LoadPolicy(Config(R"({"failOn": "high", "rules": {"kw-t-001":
      {"enabled": false, "severity": "critical", "parameters": {"days": 30, "names": ["a"]}}}})"),
                                   rules, &d);
  EXPECT_TRUE(d.empty()) << Text(d);
  EXPECT_EQ(policy.fail_on, Severity::kHigh);
  const RuleSettings* s = policy.SettingsFor("KW-T-001");
  EXPECT_FALSE(s->enabled);
  EXPECT_EQ(s->severity, Severity::kCritical);
  EXPECT_EQ(s->parameters.Integer("days"), 30);
  EXPECT_EQ(s->parameters.Strings("names"), std::vector<std::string>{"a"});
  EXPECT_FALSE(LoadPolicy(Config(R"({"failOn": "none"})"), rules, &d).fail_on);
}

TEST(PolicyTest, UnknownRulesAndParametersAreErrorsAtTheirKeywardYamlLine) {
  const RuleRegistry rules = Rules();
  Diagnostics d;
  LoadPolicy(Config(R"({"rules": {"KW-T-999": {"enabled": false},
      "KW-T-001": {"parameters": {"day": 3, "days": 3}}}})"),
             rules, &d);
  const std::string text = Text(d);
  EXPECT_THAT(text, HasSubstr("m/keyward.yaml:4:5: error: guardrails: unknown rule 'KW-T-999'"));
  EXPECT_THAT(text, HasSubstr("m/keyward.yaml:7:9: error: guardrails: KW-T-001 has no parameter "
                              "'day' (it takes days, names)"));
  EXPECT_THAT(text, HasSubstr("m/keyward.yaml:8:15: error: guardrails: KW-T-001 parameter days "
                              "must be at least 7"));
  EXPECT_EQ(d.items().size(), 3u);
  Diagnostics types;
  LoadPolicy(Config(R"({"rules": {"KW-T-001": {"parameters": {"days": "90", "names": [1]}}}})"),
             rules, &types);
  EXPECT_THAT(Text(types), HasSubstr("days must be an integer"));
  EXPECT_THAT(Text(types), HasSubstr("names must be a list of strings"));
}

TEST(PolicyTest, WaiversForUnknownRulesAreErrorsAndForOtherKindsWarnings) {
  const RuleRegistry rules = Rules();
  Diagnostics d;
  Policy policy = LoadPolicy(StackConfig{}, rules, &d);
  DesiredSet set;
  DesiredResource widget;
  widget.kind = "Widget";
  widget.address = "Widget/w";
  widget.location = {"m/w.yaml", 1, 1};
  widget.annotations["keyward.dev/waive"] =
      "KW-T-001: ok until 2027-01-01; KW-T-404: typo until 2027-01-01";
  widget.field_locations["metadata.annotations[\"keyward.dev/waive\"]"] = {"m/w.yaml", 5, 24};
  DesiredResource gadget = widget;
  gadget.kind = "Gadget";
  gadget.address = "Gadget/g";
  gadget.annotations["keyward.dev/waive"] = "kw-t-001: not a widget until 2027-01-01";
  set.resources = {widget, gadget};
  LoadWaivers(set, &policy, &d);
  const std::string text = Text(d);
  EXPECT_THAT(text, HasSubstr("m/w.yaml:5:24: error: Widget/w: keyward.dev/waive names unknown "
                              "rule 'KW-T-404'"));
  EXPECT_THAT(text, HasSubstr("warning: Gadget/g: keyward.dev/waive: KW-T-001 does not apply to "
                              "Gadget resources"));
  ASSERT_EQ(policy.waivers["Widget/w"].size(), 1u);
  EXPECT_EQ(policy.waivers["Gadget/g"][0].rule_id, "KW-T-001") << "the id as the table spells it";
}

}  // namespace
}  // namespace keyward::engine::guardrails
