#include "engine/render_text.h"

#include <sstream>
#include <vector>

#include "engine/diff.h"
#include "engine/guardrails/render_findings.h"

namespace keyward::engine {
namespace {

constexpr char kReset[] = "\033[0m";
constexpr char kBold[] = "\033[1m";
constexpr char kRed[] = "\033[31m";
constexpr char kGreen[] = "\033[32m";
constexpr char kYellow[] = "\033[33m";
constexpr char kMagenta[] = "\033[35m";
constexpr char kCyan[] = "\033[36m";

struct Style {
  const char* symbol;
  const char* color;
};

Style StyleOf(Action action, bool ascii_only) {
  switch (action) {
    case Action::kCreate:
      return {"+", kGreen};
    case Action::kUpdate:
    case Action::kAdopt:
      return {"~", kYellow};
    case Action::kDelete:
      return {"-", kRed};
    case Action::kReplace:
    case Action::kPurgeThenCreate:
      return {ascii_only ? "+/-" : "±", kRed};
    case Action::kRecover:
      return {ascii_only ? "R" : "↻", kCyan};
    case Action::kBlocked:
      return {"!", kRed};
    case Action::kUnsupported:
      return {"?", kMagenta};
    case Action::kNoOp:
      return {"=", ""};
  }
  return {" ", ""};
}

class Printer {
 public:
  explicit Printer(const TextRenderOptions& options) : options_(options) {}

  std::string Paint(const std::string& text, const char* color) const {
    if (!options_.color || !color || !*color) return text;
    return std::string(color) + text + kReset;
  }

  void Heading(const std::string& text) { out_ << Paint(text, kBold) << '\n'; }

  void ChangeBlock(const Change& c) {
    const Style style = StyleOf(c.action, options_.ascii_only);
    out_ << "  " << Paint(style.symbol, style.color) << ' ' << c.address << " ("
         << ActionName(c.action) << ")\n";
    for (const FieldChange& f : c.field_changes) {
      const bool sensitive = IsSensitive(c, f.path);
      auto value = [&](const Json& v) {
        return sensitive ? std::string("(sensitive value)")
                         : v.dump(-1, ' ', false, Json::error_handler_t::replace);
      };
      out_ << "      ";
      if (f.before.is_null()) {
        out_ << Paint("+", kGreen) << ' ' << f.path << ": " << value(f.after);
      } else if (f.after.is_null()) {
        out_ << Paint("-", kRed) << ' ' << f.path << ": " << value(f.before);
      } else {
        out_ << Paint("~", kYellow) << ' ' << f.path << ": " << value(f.before) << " -> "
             << value(f.after);
      }
      out_ << '\n';
    }
    const bool explain =
        c.action != Action::kCreate && c.action != Action::kUpdate && c.action != Action::kNoOp;
    if (explain && !c.reason.empty()) out_ << "      reason: " << c.reason << '\n';
    for (const std::string& warning : c.warnings) out_ << "      warning: " << warning << '\n';
  }

  void Line(const std::string& text) { out_ << text << '\n'; }
  std::string str() const { return out_.str(); }

 private:
  static bool IsSensitive(const Change& c, const std::string& path) {
    for (const auto& pattern : c.sensitive_paths)
      if (PathCovers(pattern, path)) return true;
    return false;
  }

  const TextRenderOptions& options_;
  std::ostringstream out_;
};

}  // namespace

namespace {

// Guardrail findings come after the verdict, separated by a blank line.
std::string FindingsAfterPlan(const Plan& plan, const TextRenderOptions& options) {
  if (plan.findings.empty()) return "";
  return "\n" + guardrails::RenderFindingsText(plan.findings, {.color = options.color});
}

}  // namespace

std::string SummaryLine(const PlanSummary& s) {
  return "Plan: " + std::to_string(s.add) + " to add, " + std::to_string(s.change) +
         " to change, " + std::to_string(s.destroy) + " to destroy.";
}

std::string AlsoLine(const PlanSummary& s) {
  std::vector<std::string> also;
  if (s.recover) also.push_back(std::to_string(s.recover) + " to recover");
  if (s.blocked) also.push_back(std::to_string(s.blocked) + " blocked");
  if (s.unsupported) also.push_back(std::to_string(s.unsupported) + " unsupported");
  if (s.drift) also.push_back(std::to_string(s.drift) + " drifted (observe only)");
  if (also.empty()) return "";
  std::string line = "Also: ";
  for (size_t i = 0; i < also.size(); ++i) line += (i ? ", " : "") + also[i];
  return line + ".";
}

std::string RenderPlanText(const Plan& plan, const TextRenderOptions& options) {
  Printer p(options);

  std::vector<const Change*> destructive, rest, drift;
  for (const Change& c : plan.changes) {
    if (c.action == Action::kNoOp && !options.show_no_ops) continue;
    if (c.report_only) {
      drift.push_back(&c);
    } else if (IsDestructive(c.action)) {
      destructive.push_back(&c);
    } else {
      rest.push_back(&c);
    }
  }

  bool first_section = true;
  auto section = [&](const std::string& heading, const std::vector<const Change*>& changes) {
    if (changes.empty()) return;
    if (!first_section) p.Line("");
    first_section = false;
    p.Heading(heading);
    for (const Change* c : changes) p.ChangeBlock(*c);
  };
  section("Destructive changes (review before applying):", destructive);
  section("Changes:", rest);
  section("Drift (observe only, will not be applied):", drift);

  if (!plan.diagnostics.empty()) {
    if (!first_section) p.Line("");
    first_section = false;
    p.Heading("Diagnostics:");
    for (const Diagnostic& d : plan.diagnostics.items()) p.Line("  " + d.ToString());
  }

  if (!first_section) p.Line("");
  if (!plan.HasChanges()) {
    p.Line("No changes. Your infrastructure matches the configuration.");
    return p.str() + FindingsAfterPlan(plan, options);
  }
  const PlanSummary s = plan.Summary();
  p.Line(SummaryLine(s));
  if (const std::string also = AlsoLine(s); !also.empty()) p.Line(also);
  return p.str() + FindingsAfterPlan(plan, options);
}

}  // namespace keyward::engine
