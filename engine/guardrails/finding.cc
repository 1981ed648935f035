#include "engine/guardrails/finding.h"

#include <algorithm>
#include <tuple>

#include "engine/render_json.h"

namespace keyward::engine::guardrails {

const char* SeverityName(Severity severity) {
  return BySeverity(severity, "low", "medium", "high", "critical");
}

std::optional<Severity> ParseSeverity(const std::string& text) {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical})
    if (EqualsIgnoreCase(text, SeverityName(s))) return s;
  return std::nullopt;
}

const char* FindingSourceName(FindingSource source) {
  switch (source) {
    case FindingSource::kDesired:
      return "desired";
    case FindingSource::kPlanned:
      return "planned";
    case FindingSource::kLive:
      return "live";
  }
  return "desired";
}

namespace {

std::optional<FindingSource> ParseSource(const std::string& text) {
  for (FindingSource s : {FindingSource::kDesired, FindingSource::kPlanned, FindingSource::kLive})
    if (text == FindingSourceName(s)) return s;
  return std::nullopt;
}

std::string TextOf(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string Finding::Key() const { return rule_id + " " + address + " " + field; }

void SortFindings(std::vector<Finding>& findings) {
  // A finding without a file (live) sorts after located ones of the same severity.
  auto head = [](const Finding& f) {
    return std::make_tuple(f.waiver.has_value(), -static_cast<int>(f.severity),
                           f.location.file.empty());
  };
  // The strings by reference: a fleet's plan sorts tens of thousands of findings.
  auto tail = [](const Finding& f) {
    return std::tie(f.location.file, f.location.line, f.location.column, f.address, f.rule_id,
                    f.field);
  };
  std::stable_sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) {
    if (head(a) != head(b)) return head(a) < head(b);
    return tail(a) < tail(b);
  });
}

std::vector<const Finding*> FindingsAtOrAbove(const std::vector<Finding>& findings,
                                              Severity threshold) {
  std::vector<const Finding*> out;
  for (const Finding& f : findings)
    if (!f.waiver && f.severity >= threshold) out.push_back(&f);
  return out;
}

Json FindingToJson(const Finding& f) {
  Json out = {{"rule_id", f.rule_id},
              {"rule_name", f.rule_name},
              {"title", f.title},
              {"severity", SeverityName(f.severity)},
              {"address", f.address},
              {"type", f.kind},
              {"arm_id", f.arm_id},
              {"field", f.field},
              {"message", f.message},
              {"remediation", f.remediation},
              {"source", FindingSourceName(f.source)},
              {"waived", f.waiver.has_value()}};
  // The same range shape as plan diagnostics (Terraform's): filename, start line / column.
  if (Json range = SourceRangeToJson(f.location); !range.is_null()) out["range"] = std::move(range);
  if (f.waiver) out["waiver"] = {{"reason", f.waiver->reason}, {"expires", f.waiver->expires}};
  return out;
}

std::optional<Finding> FindingFromJson(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  Finding f;
  f.rule_id = TextOf(json, "rule_id");
  f.rule_name = TextOf(json, "rule_name");
  f.title = TextOf(json, "title");
  auto severity = ParseSeverity(TextOf(json, "severity"));
  auto source = ParseSource(TextOf(json, "source"));
  if (f.rule_id.empty() || !severity || !source) return std::nullopt;
  f.severity = *severity;
  f.source = *source;
  f.address = TextOf(json, "address");
  f.kind = TextOf(json, "type");
  f.arm_id = TextOf(json, "arm_id");
  f.field = TextOf(json, "field");
  f.message = TextOf(json, "message");
  f.remediation = TextOf(json, "remediation");
  if (auto range = json.find("range"); range != json.end() && range->is_object()) {
    f.location.file = TextOf(*range, "filename");
    if (auto start = range->find("start"); start != range->end() && start->is_object()) {
      f.location.line = start->value("line", 0);
      f.location.column = start->value("column", 0);
    }
  }
  if (auto waiver = json.find("waiver"); waiver != json.end() && waiver->is_object())
    f.waiver = AppliedWaiver{TextOf(*waiver, "reason"), TextOf(*waiver, "expires")};
  return f;
}

Json FindingsToJson(const std::vector<Finding>& findings) {
  Json out = Json::array();
  for (const Finding& f : findings) out.push_back(FindingToJson(f));
  return out;
}

std::vector<Finding> FindingsFromJson(const Json& json) {
  std::vector<Finding> out;
  if (!json.is_array()) return out;
  for (const Json& item : json)
    if (auto f = FindingFromJson(item)) out.push_back(std::move(*f));
  return out;
}

}  // namespace keyward::engine::guardrails
