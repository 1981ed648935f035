// A guardrail finding: one rule broken by one resource, pointing at the manifest field that breaks
// it (DESIGN.md §5 has the plan; docs/guardrails.md has the rules). Findings are facts about the
// desired or planned state (or the live estate for `keyward audit`); they never change what a
// plan does. A finding is a value: it carries everything a renderer needs (the rule's title and
// remediation included), so the text, JSON, Markdown and SARIF renderers stay pure functions of
// the findings, and a saved plan can be shown without the rule table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/resource.h"

namespace keyward::engine::guardrails {

// Ordered: a higher value is worse. `failOn: high` fails on kHigh and kCritical.
enum class Severity { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };

const char* SeverityName(Severity severity);  // "low" | "medium" | "high" | "critical"
std::optional<Severity> ParseSeverity(const std::string& text);

// What goes with `severity` out of one value per severity, the medium one for a value that is no
// severity: the one switch behind every severity-to-text table (names, SARIF, colours).
template <typename T>
T BySeverity(Severity severity, T low, T medium, T high, T critical) {
  switch (severity) {
    case Severity::kLow:
      return low;
    case Severity::kMedium:
      return medium;
    case Severity::kHigh:
      return high;
    case Severity::kCritical:
      return critical;
  }
  return medium;
}

// Where a finding's resource was judged.
enum class FindingSource {
  kDesired,  // the manifests alone (`keyward validate`): a field left out means ARM's default
  kPlanned,  // the manifests merged with live state for fields they leave out (`keyward plan`)
  kLive,     // the live estate with no manifests (`keyward audit`)
};
const char* FindingSourceName(FindingSource source);  // "desired" | "planned" | "live"

// A waiver that suppresses a finding (keyward.dev/waive annotation; engine/guardrails/waiver.h).
struct AppliedWaiver {
  std::string reason;
  std::string expires;  // "YYYY-MM-DD", the last day the waiver holds
};

struct Finding {
  std::string rule_id;    // "KW-KV-001"
  std::string rule_name;  // "PurgeProtectionEnabled" (SARIF's reportingDescriptor.name)
  std::string title;      // the rule's title
  Severity severity = Severity::kMedium;  // after keyward.yaml overrides
  std::string address;                    // "Vault/payments-kv"
  std::string kind;
  std::string arm_id;  // may be empty for resources whose id ARM chooses
  // The manifest field at fault ("spec.enablePurgeProtection"); empty when the whole resource is
  // (or when the field is not written, e.g. a default ARM would apply).
  std::string field;
  SourceLocation location;  // the field, else the document; empty for live findings
  std::string message;      // what is wrong with this resource, with its values
  std::string remediation;  // how to fix it (the rule's text)
  FindingSource source = FindingSource::kDesired;
  std::optional<AppliedWaiver> waiver;  // set: reported, but waived (never fails failOn)

  // Stable identity across runs (rule, address, field): the daemon logs a finding once, and
  // SARIF's partialFingerprints let code scanning track it as lines move.
  std::string Key() const;
};

// Worst first: unwaived before waived, then severity, then file:line:column, address, rule.
void SortFindings(std::vector<Finding>& findings);

// Findings not waived whose severity is at or above `threshold` (failOn), in their order.
std::vector<const Finding*> FindingsAtOrAbove(const std::vector<Finding>& findings,
                                              Severity threshold);

// The JSON form (schemas/plan.schema.json#/definitions/finding), used by the plan JSON, the
// saved plan, `keyward audit --format json` and the daemon's /status.
Json FindingToJson(const Finding& finding);
// The inverse; findings it cannot read are skipped (a saved plan is re-planned, not trusted).
std::optional<Finding> FindingFromJson(const Json& json);
Json FindingsToJson(const std::vector<Finding>& findings);
std::vector<Finding> FindingsFromJson(const Json& json);

}  // namespace keyward::engine::guardrails
