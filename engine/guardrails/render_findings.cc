#include "engine/guardrails/render_findings.h"

namespace keyward::engine::guardrails {
namespace {

// Bold red, yellow, cyan.
const char* ColorOf(Severity severity) {
  return BySeverity(severity, "\033[36m", "\033[33m", "\033[1;31m", "\033[1;31m");
}

std::string Where(const Finding& f) {
  std::string out = f.address;
  if (!f.location.file.empty()) out += " at " + f.location.ToString();
  return out;
}

}  // namespace

std::string FindingsSummary(const std::vector<Finding>& findings) {
  int counts[4] = {0, 0, 0, 0};
  int waived = 0, active = 0;
  for (const Finding& f : findings) {
    if (f.waiver) {
      ++waived;
    } else {
      ++active;
      ++counts[static_cast<int>(f.severity)];
    }
  }
  std::string out = std::to_string(active) + (active == 1 ? " finding" : " findings");
  std::string by_severity;
  for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow}) {
    const int n = counts[static_cast<int>(s)];
    if (n)
      by_severity += (by_severity.empty() ? "" : ", ") + std::to_string(n) + " " + SeverityName(s);
  }
  if (!by_severity.empty()) out += " (" + by_severity + ")";
  if (waived) out += ", " + std::to_string(waived) + " waived";
  return out;
}

std::string RenderFindingsText(const std::vector<Finding>& findings,
                               const FindingsTextOptions& options) {
  if (findings.empty()) return "";
  std::string out = "Guardrails: " + FindingsSummary(findings) + ".\n";
  for (const Finding& f : findings) {
    if (f.waiver) {
      out += "  [waived] " + f.rule_id + " " + Where(f) + " until " + f.waiver->expires + ": " +
             f.waiver->reason + "\n";
      continue;
    }
    std::string tag = std::string("[") + SeverityName(f.severity) + "]";
    if (options.color) tag = std::string(ColorOf(f.severity)) + tag + "\033[0m";
    out += "  " + tag + " " + f.rule_id + " " + f.title + "\n";
    out += "    " + Where(f) + (f.field.empty() ? "" : " (" + f.field + ")") + "\n";
    out += "    " + f.message + "\n";
    if (!f.remediation.empty()) out += "    fix: " + f.remediation + "\n";
  }
  return out;
}

}  // namespace keyward::engine::guardrails
