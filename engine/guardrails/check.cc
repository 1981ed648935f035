#include "engine/guardrails/check.h"

#include "engine/guardrails/field_path.h"
#include "engine/schema.h"

namespace keyward::engine::guardrails {
namespace {

// The first waiver of `rule_id` on the resource that still holds today.
const Waiver* ActiveWaiver(const Policy& policy, const std::string& address,
                           const std::string& rule_id, const Date& today) {
  auto it = policy.waivers.find(address);
  if (it == policy.waivers.end()) return nullptr;
  for (const Waiver& w : it->second)
    if (EqualsIgnoreCase(w.rule_id, rule_id) && !w.ExpiredOn(today)) return &w;
  return nullptr;
}

Finding MakeFinding(const RuleInfo& info, const RuleSettings& settings, const Subject& subject,
                    const Violation& violation) {
  Finding f;
  f.rule_id = info.id;
  f.rule_name = info.name;
  f.title = info.title;
  f.severity = settings.severity;
  f.address = subject.address;
  f.kind = subject.kind;
  f.arm_id = subject.arm_id;
  f.field = violation.field;
  f.message = violation.message;
  f.remediation = info.remediation;
  f.source = subject.source;
  if (subject.desired)
    f.location =
        LocateField(subject.desired->field_locations, violation.field, subject.desired->location);
  return f;
}

void CheckSubject(const Subject& subject, const CheckRequest& request, CheckResult* result) {
  const Policy& policy = *request.policy;
  for (const Rule& rule : policy.rules->all()) {
    if (!rule.check || !rule.info.AppliesTo(subject.kind)) continue;
    const RuleSettings* settings = policy.SettingsFor(rule.info.id);
    if (!settings || !settings->enabled) continue;
    std::vector<Violation> violations;
    try {
      rule.check(RuleContext{subject, *request.estate, settings->parameters}, &violations);
    } catch (const std::exception& e) {
      // A rule tripping over unexpected data must not take the plan down with it.
      result->diagnostics.Warning(
          subject.desired ? subject.desired->location : SourceLocation{},
          subject.address + ": guardrail " + rule.info.id + " could not be checked: " + e.what());
      continue;
    }
    for (const Violation& v : violations) {
      Finding f = MakeFinding(rule.info, *settings, subject, v);
      if (const Waiver* w = ActiveWaiver(policy, subject.address, rule.info.id, request.today))
        f.waiver = AppliedWaiver{w->reason, w->until.ToString()};
      result->findings.push_back(std::move(f));
    }
  }
}

void CheckExpiredWaivers(const Subject& subject, const CheckRequest& request, CheckResult* result) {
  const Policy& policy = *request.policy;
  const RuleSettings* settings = policy.SettingsFor(kExpiredWaiverRuleId);
  const Rule* rule = policy.rules->Find(kExpiredWaiverRuleId);
  if (!settings || !settings->enabled || !rule) return;
  auto waivers = policy.waivers.find(subject.address);
  if (waivers == policy.waivers.end()) return;
  const std::string field = JoinFieldPath("metadata.annotations", kWaiveAnnotation);
  for (const Waiver& w : waivers->second) {
    if (!w.ExpiredOn(request.today)) continue;
    Violation v{field, "the waiver of " + w.rule_id + " (\"" + w.reason + "\") expired on " +
                           w.until.ToString() + "; " + w.rule_id +
                           " findings on this resource are no longer waived"};
    result->findings.push_back(MakeFinding(rule->info, *settings, subject, v));
  }
}

}  // namespace

CheckResult CheckGuardrails(const CheckRequest& request) {
  CheckResult result;
  if (!request.policy || !request.policy->rules || !request.policy->enabled || !request.estate)
    return result;
  for (const Subject& subject : request.estate->subjects()) {
    if (subject.context_only) continue;
    CheckSubject(subject, request, &result);
    if (subject.desired) CheckExpiredWaivers(subject, request, &result);
  }
  SortFindings(result.findings);
  return result;
}

std::string FailOnMessage(const std::vector<Finding>& findings, const Policy& policy) {
  if (!policy.fail_on) return "";
  const std::vector<const Finding*> failing = FindingsAtOrAbove(findings, *policy.fail_on);
  if (failing.empty()) return "";
  std::string out = std::to_string(failing.size()) + " guardrail finding(s) at or above failOn " +
                    SeverityName(*policy.fail_on) + ":";
  for (const Finding* f : failing) {
    out += "\n  " + std::string(SeverityName(f->severity)) + " " + f->rule_id + " " + f->address;
    if (!f->location.file.empty()) out += " (" + f->location.ToString() + ")";
    out += ": " + f->title;
  }
  return out;
}

}  // namespace keyward::engine::guardrails
