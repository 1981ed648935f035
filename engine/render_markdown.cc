#include "engine/render_markdown.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "engine/guardrails/render_findings.h"
#include "engine/render_text.h"
#include "engine/sensitive.h"

namespace keyward::engine {
namespace {

constexpr size_t kMinPartBytes = 4096;
constexpr size_t kPartHeaderReserve = 160;  // the marker and "continued" heading of a part
constexpr size_t kAttentionTableRows = 50;

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Prose outside code: one line (so no line can open a code fence or close a <details>), no HTML.
std::string InlineText(std::string_view text) {
  std::string out = HtmlEscape(text);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

// Table cells: one line, no '|' that would end the cell, no HTML.
std::string CellEscape(std::string_view text) {
  std::string out;
  for (char c : HtmlEscape(text)) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// A fence longer than any backtick run in `body`, so values cannot close it early.
std::string FenceFor(const std::string& body) {
  size_t longest = 0, run = 0;
  for (char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

bool NeedsAttention(const Change& c) {
  return !c.report_only && (IsDestructive(c.action) || c.action == Action::kBlocked);
}

const char* Marker(const Change& c) {
  if (c.report_only) return "👁️";
  if (IsDestructive(c.action)) return "⚠️";
  switch (c.action) {
    case Action::kBlocked:
      return "⛔";
    case Action::kUnsupported:
      return "❓";
    case Action::kCreate:
      return "🟢";
    case Action::kRecover:
      return "♻️";
    case Action::kNoOp:
      return "⚪";
    default:
      return "🟡";
  }
}

std::string ValueText(const Change& c, const std::string& path, const Json& v) {
  if (IsSensitivePath(c.sensitive_paths, path)) return kSensitiveValue;
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Diff lines of one change; a line longer than `max_line` is cut (the JSON plan has it whole).
std::vector<std::string> DiffLines(const Change& c, size_t max_line) {
  std::vector<std::string> lines;
  for (const FieldChange& f : c.field_changes) {
    if (!f.before.is_null()) lines.push_back("- " + f.path + ": " + ValueText(c, f.path, f.before));
    if (!f.after.is_null()) lines.push_back("+ " + f.path + ": " + ValueText(c, f.path, f.after));
  }
  for (std::string& line : lines) {
    if (line.size() <= max_line) continue;
    size_t cut = max_line - 64;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    line = line.substr(0, cut) + " … (cut: " + std::to_string(line.size()) +
           " bytes; see the JSON plan)";
  }
  return lines;
}

std::string DetailsBlock(const Change& c, const std::vector<std::string>& lines, int piece,
                         int pieces) {
  std::string out = "<details><summary>";
  out += Marker(c);
  out += " <code>" + HtmlEscape(c.address) + "</code> — " + ActionName(c.action);
  if (pieces > 1) out += " (diff " + std::to_string(piece) + " of " + std::to_string(pieces) + ")";
  out += "</summary>\n\n";
  if (!lines.empty()) {
    std::string body;
    for (const std::string& line : lines) body += line + "\n";
    const std::string fence = FenceFor(body);
    out += fence + "diff\n" + body + fence + "\n\n";
  }
  if (piece == 1) {
    if (!c.reason.empty() || !c.reason_code.empty()) {
      out += "**Reason:** " + InlineText(c.reason);
      if (!c.reason_code.empty())
        out += (c.reason.empty() ? "`" : " (`") + c.reason_code + (c.reason.empty() ? "`" : "`)");
      out += "\n\n";
    }
    for (const std::string& w : c.warnings) out += "**Warning:** " + InlineText(w) + "\n\n";
    if (!c.arm_id.empty()) out += "ARM id: `" + c.arm_id + "`\n\n";
  }
  out += "</details>\n\n";
  return out;
}

// One change as one or more closed <details> blocks, each within `budget` bytes.
std::vector<std::string> ChangeBlocks(const Change& c, size_t budget) {
  const std::vector<std::string> lines = DiffLines(c, budget / 2);
  std::string whole = DetailsBlock(c, lines, 1, 1);
  if (whole.size() <= budget) return {whole};

  // Cut between diff lines; the overhead of one block without lines bounds each chunk.
  const size_t overhead = DetailsBlock(c, {}, 1, 99).size() + 32;
  std::vector<std::vector<std::string>> chunks(1);
  size_t size = 0;
  for (const std::string& line : lines) {
    if (!chunks.back().empty() && size + line.size() + 1 + overhead > budget) {
      chunks.emplace_back();
      size = 0;
    }
    chunks.back().push_back(line);
    size += line.size() + 1;
  }
  std::vector<std::string> blocks;
  for (size_t i = 0; i < chunks.size(); ++i)
    blocks.push_back(
        DetailsBlock(c, chunks[i], static_cast<int>(i + 1), static_cast<int>(chunks.size())));
  return blocks;
}

std::string Headline(const Plan& plan) {
  if (!plan.HasChanges()) return "### keyward plan: no changes\n\n";
  const PlanSummary s = plan.Summary();
  std::string out = "### keyward plan: " + std::to_string(s.add) + " to add, " +
                    std::to_string(s.change) + " to change, " + std::to_string(s.destroy) +
                    " to destroy\n\n";
  if (const std::string also = AlsoLine(s); !also.empty()) out += also + "\n\n";
  return out;
}

std::string HeaderBlock(const Plan& plan, const std::vector<const Change*>& attention) {
  std::string out = Headline(plan);
  if (plan.diagnostics.HasErrors())
    out += "> [!CAUTION]\n> The plan has errors (see Diagnostics) and cannot be applied.\n\n";
  if (!attention.empty()) {
    int destructive = 0, blocked = 0;
    for (const Change* c : attention) (c->action == Action::kBlocked ? blocked : destructive)++;
    out += "> [!WARNING]\n> This plan has " + std::to_string(destructive) +
           " destructive or irreversible change(s) and " + std::to_string(blocked) +
           " blocked change(s). Review them before approving.\n\n";
    out += "| | Resource | Action | Reason |\n|---|---|---|---|\n";
    for (size_t i = 0; i < attention.size() && i < kAttentionTableRows; ++i) {
      const Change& c = *attention[i];
      out += std::string("| ") + Marker(c) + " | `" + c.address + "` | " + ActionName(c.action) +
             " | " + CellEscape(c.reason) + " |\n";
    }
    if (attention.size() > kAttentionTableRows)
      out += "\n…and " + std::to_string(attention.size() - kAttentionTableRows) +
             " more, listed below.\n";
    out += "\n";
  }
  // Counts by action, every action present (no-ops included: "how much did we look at").
  std::vector<std::pair<std::string, int>> counts;
  for (const Change& c : plan.changes) {
    const std::string name = std::string(ActionName(c.action)) + (c.report_only ? " (drift)" : "");
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const auto& entry) { return entry.first == name; });
    if (it == counts.end()) {
      counts.emplace_back(name, 1);
    } else {
      ++it->second;
    }
  }
  if (!counts.empty()) {
    out += "| Action | Count |\n|---|--:|\n";
    for (const auto& [name, count] : counts)
      out += "| " + name + " | " + std::to_string(count) + " |\n";
    out += "\n";
  }
  return out;
}

const char* SeverityMarker(guardrails::Severity severity) {
  switch (severity) {
    case guardrails::Severity::kCritical:
      return "🔴";
    case guardrails::Severity::kHigh:
      return "🟠";
    case guardrails::Severity::kMedium:
      return "🟡";
    case guardrails::Severity::kLow:
      return "🔵";
  }
  return "";
}

// Inline code that cannot be closed early by the text it shows.
std::string Code(std::string_view text) {
  std::string out = "`";
  for (char c : text) out += c == '`' ? '\'' : (c == '\n' || c == '\r') ? ' ' : c;
  return out + "`";
}

// The guardrails section: one list item per finding, worst first (critical and high lead), and
// the waived ones collapsed in a single <details>. Each item is a block of its own.
std::vector<std::string> FindingBlocks(const std::vector<guardrails::Finding>& findings,
                                       size_t budget) {
  std::vector<std::string> blocks;
  if (findings.empty()) return blocks;
  const std::string heading =
      "#### 🛡️ Guardrails: " + InlineText(guardrails::FindingsSummary(findings)) + "\n\n";
  std::string waived;
  for (const guardrails::Finding& f : findings) {
    if (f.waiver) {
      waived += "- " + Code(f.rule_id) + " " + Code(f.address) + " until " + f.waiver->expires +
                ": " + InlineText(f.waiver->reason) + "\n";
      continue;
    }
    std::string item = std::string("- ") + SeverityMarker(f.severity) + " **" +
                       guardrails::SeverityName(f.severity) + "** " + Code(f.rule_id) + " " +
                       InlineText(f.title) + " — " + Code(f.address);
    if (!f.location.file.empty()) item += " at " + Code(f.location.ToString());
    if (!f.field.empty()) item += " (" + Code(f.field) + ")";
    item += "\n\n  " + InlineText(f.message) + "\n\n";
    if (!f.remediation.empty()) item += "  **Fix:** " + InlineText(f.remediation) + "\n\n";
    if (item.size() > budget / 2) item = item.substr(0, budget / 2) + " …\n\n";
    blocks.push_back((blocks.empty() ? heading : "") + item);
  }
  if (!waived.empty()) {
    if (waived.size() > budget / 2) waived = waived.substr(0, budget / 2) + " …\n";
    blocks.push_back((blocks.empty() ? heading : "") +
                     "<details><summary>Waived (keyward.dev/waive)</summary>\n\n" + waived +
                     "\n</details>\n\n");
  }
  return blocks;
}

}  // namespace

std::vector<std::string> RenderPlanMarkdown(const Plan& plan,
                                            const MarkdownRenderOptions& options) {
  const size_t limit = std::max(options.max_part_bytes, kMinPartBytes);
  const size_t budget = limit - kPartHeaderReserve;

  std::vector<const Change*> attention, rest, drift;
  for (const Change& c : plan.changes) {
    if (c.action == Action::kNoOp && !options.show_no_ops) continue;
    if (c.report_only) {
      drift.push_back(&c);
    } else if (NeedsAttention(c)) {
      attention.push_back(&c);
    } else {
      rest.push_back(&c);
    }
  }

  // Self-contained blocks; a section heading travels with the section's first block.
  std::vector<std::string> blocks = {HeaderBlock(plan, attention)};
  for (std::string& block : FindingBlocks(plan.findings, budget))
    blocks.push_back(std::move(block));
  auto section = [&](const std::string& heading, const std::vector<const Change*>& changes) {
    bool first = true;
    for (const Change* c : changes) {
      for (std::string& block : ChangeBlocks(*c, budget - heading.size())) {
        blocks.push_back(first ? heading + block : std::move(block));
        first = false;
      }
    }
  };
  section("#### ⚠️ Destructive, irreversible and blocked changes\n\n", attention);
  section("#### Changes\n\n", rest);
  section("#### Drift (observe only, will not be applied)\n\n", drift);
  bool first_diagnostic = true;
  for (const Diagnostic& d : plan.diagnostics.items()) {
    std::string item = "- " + CellEscape(d.ToString()) + "\n";
    if (item.size() > budget / 2) item = item.substr(0, budget / 2) + " …\n";
    blocks.push_back((first_diagnostic ? "#### Diagnostics\n\n" : "") + item);
    first_diagnostic = false;
  }

  std::vector<std::string> bodies(1);
  for (const std::string& block : blocks) {
    if (!bodies.back().empty() && bodies.back().size() + block.size() > budget)
      bodies.emplace_back();
    bodies.back() += block;
  }

  std::vector<std::string> parts;
  const std::string total = std::to_string(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    const std::string k = std::to_string(i + 1);
    std::string part = "<!-- keyward-plan part " + k + " of " + total + " -->\n";
    if (i > 0) part += "### keyward plan (continued, part " + k + " of " + total + ")\n\n";
    part += bodies[i];
    while (part.size() >= 2 && part[part.size() - 1] == '\n' && part[part.size() - 2] == '\n')
      part.pop_back();
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace keyward::engine
