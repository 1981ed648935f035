#include "engine/guardrails/rule.h"

#include <stdexcept>

namespace keyward::engine::guardrails {

const char* ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kInteger:
      return "integer";
    case ParameterType::kStringList:
      return "list of strings";
    case ParameterType::kBoolean:
      return "boolean";
  }
  return "integer";
}

bool RuleInfo::AppliesTo(const std::string& kind) const {
  for (const std::string& k : kinds)
    if (k == kind) return true;
  return false;
}

const RuleParameter* RuleInfo::FindParameter(const std::string& parameter) const {
  for (const RuleParameter& p : parameters)
    if (p.name == parameter) return &p;
  return nullptr;
}

int64_t Parameters::Integer(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::vector<std::string> Parameters::Strings(const std::string& name) const {
  std::vector<std::string> out;
  auto it = values_.find(name);
  if (it == values_.end() || !it->is_array()) return out;
  for (const Json& item : *it)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

bool Parameters::Boolean(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->is_boolean() && it->get<bool>();
}

RuleInfo ExpiredWaiverRuleInfo() {
  RuleInfo info;
  info.id = kExpiredWaiverRuleId;
  info.name = "WaiverNotExpired";
  info.title = "Waivers are renewed or removed before they expire";
  info.severity = Severity::kMedium;
  info.kinds = {};  // every kind: any resource may carry a waiver
  info.checks =
      "Every entry of a resource's `keyward.dev/waive` annotation whose date has passed (the "
      "date is the last day the waiver holds, compared in UTC). The finding it waived is "
      "reported again as well.";
  info.rationale =
      "A waiver is a decision with an end date: someone accepted a risk for a reason, until a "
      "fix was due. When the date passes, the decision has to be made again; a silently "
      "expired waiver is an accepted risk nobody owns.";
  info.remediation =
      "Fix what the waived rule reports and remove the entry, or, if the reason still holds, "
      "agree a new date with whoever owns the risk and update the entry.";
  return info;
}

RuleRegistry::RuleRegistry() { rules_.push_back(Rule{ExpiredWaiverRuleInfo(), nullptr}); }

void RuleRegistry::Register(Rule rule) {
  // Ids are the contract with users' waivers and keyward.yaml: a duplicate is a bug in the table.
  if (Find(rule.info.id))
    throw std::logic_error("guardrail rule registered twice: " + rule.info.id);
  rules_.push_back(std::move(rule));
}

const Rule* RuleRegistry::Find(const std::string& id) const {
  for (const Rule& rule : rules_)
    if (EqualsIgnoreCase(rule.info.id, id)) return &rule;
  return nullptr;
}

void RuleRegistry::SetWholeFields(const std::string& kind, std::vector<std::string> fields) {
  whole_fields_[kind] = std::move(fields);
}

const std::vector<std::string>& RuleRegistry::WholeFields(const std::string& kind) const {
  static const std::vector<std::string> kNone;
  auto it = whole_fields_.find(kind);
  return it == whole_fields_.end() ? kNone : it->second;
}

}  // namespace keyward::engine::guardrails
