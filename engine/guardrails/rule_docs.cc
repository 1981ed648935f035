#include "engine/guardrails/rule_docs.h"

#include "engine/replace_chars.h"

namespace keyward::engine::guardrails {
namespace {

std::string Kinds(const RuleInfo& info, bool code) {
  if (info.kinds.empty()) return "every kind";
  std::string out;
  for (const std::string& kind : info.kinds)
    out += (out.empty() ? "" : ", ") + (code ? "`" + kind + "`" : kind);
  return out;
}

std::string Controls(const RuleInfo& info) {
  if (info.controls.empty()) return "none (keyward's own practice)";
  std::string out;
  for (const ControlReference& c : info.controls)
    out += (out.empty() ? "" : "; ") + c.benchmark + " " + c.control + " (" + c.title + ")";
  return out;
}

std::string TypeText(const RuleParameter& p) {
  std::string out = ParameterTypeName(p.type);
  if (p.minimum && p.maximum)
    out += " " + std::to_string(*p.minimum) + "–" + std::to_string(*p.maximum);
  else if (p.minimum)
    out += " ≥ " + std::to_string(*p.minimum);
  return out;
}

std::string WaiveExample(const RuleInfo& info) {
  return "keyward.dev/waive: \"" + info.id + ": <reason> until <YYYY-MM-DD>\"";
}

std::string CellEscape(std::string text) { return ReplaceChars(text, {{'|', "\\|"}, {'\n', " "}}); }

}  // namespace

std::string RuleMarkdown(const RuleInfo& info, int heading_level) {
  std::string out = std::string(heading_level, '#') + " " + info.id + "\n\n";
  out += "**" + info.title + "** · severity **" + SeverityName(info.severity) + "** · applies to " +
         Kinds(info, true) + "\n\n";
  out += "**Checks:** " + info.checks + "\n\n";
  out += "**Why:** " + info.rationale + "\n\n";
  out += "**Fix:** " + info.remediation + "\n\n";
  out += "**Controls:** " + Controls(info) + "\n\n";
  if (!info.parameters.empty()) {
    out += "**Parameters** (keyward.yaml `guardrails.rules." + info.id + ".parameters`):\n\n";
    out += "| parameter | type | default | meaning |\n|---|---|---|---|\n";
    for (const RuleParameter& p : info.parameters)
      out += "| `" + p.name + "` | " + TypeText(p) + " | `" + p.default_value.dump() + "` | " +
             CellEscape(p.description) + " |\n";
    out += "\n";
  }
  out += "**Waive** one resource: `" + WaiveExample(info) + "` in its `metadata.annotations`.\n";
  return out;
}

std::string RuleText(const RuleInfo& info) {
  std::string out = info.id + ": " + info.title + " (severity " + SeverityName(info.severity) +
                    "; applies to " + Kinds(info, false) + ")\n\n";
  out += "Checks: " + info.checks + "\n\nWhy: " + info.rationale + "\n\nFix: " + info.remediation +
         "\n\nControls: " + Controls(info) + "\n";
  for (const RuleParameter& p : info.parameters)
    out += "\nParameter " + p.name + " (" + TypeText(p) + ", default " + p.default_value.dump() +
           "): " + p.description;
  out += "\n\nWaive: " + WaiveExample(info) + "\n";
  return out;
}

std::string RuleReferenceMarkdown(const RuleRegistry& rules) {
  std::string out = "| rule | severity | applies to | title | controls |\n|---|---|---|---|---|\n";
  for (const Rule& rule : rules.all()) {
    const RuleInfo& info = rule.info;
    std::string controls;
    for (const ControlReference& c : info.controls)
      controls += (controls.empty() ? "" : ", ") + c.benchmark + " " + c.control;
    out += "| [" + info.id + "](#" + AsciiLower(info.id) + ") | " + SeverityName(info.severity) +
           " | " + Kinds(info, false) + " | " + CellEscape(info.title) + " | " +
           (controls.empty() ? "—" : controls) + " |\n";
  }
  for (const Rule& rule : rules.all()) out += "\n" + RuleMarkdown(rule.info, 3);
  return out;
}

Result<std::string> ReplaceGeneratedSection(const std::string& document,
                                            const std::string& generated) {
  const size_t begin = document.find(kDocsBegin);
  const size_t end = document.find(kDocsEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("the document has no generated section: it needs a line '") +
                         kDocsBegin + "' and, below it, a line '" + kDocsEnd + "'");
  const size_t after_begin = begin + std::string(kDocsBegin).size();
  return document.substr(0, after_begin) + "\n" + generated + document.substr(end);
}

std::string GeneratedSectionOf(const std::string& document) {
  const size_t begin = document.find(kDocsBegin);
  const size_t end = document.find(kDocsEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "";
  const size_t after_begin = begin + std::string(kDocsBegin).size() + 1;
  return after_begin > end ? "" : document.substr(after_begin, end - after_begin);
}

}  // namespace keyward::engine::guardrails
