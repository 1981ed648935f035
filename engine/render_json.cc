#include "engine/render_json.h"

#include <algorithm>

#include "engine/sensitive.h"

namespace keyward::engine {
namespace {

// The name part of an address: "Secret/payments-kv/db" -> "db".
std::string NameOf(const std::string& address) {
  const size_t slash = address.rfind('/');
  return slash == std::string::npos ? address : address.substr(slash + 1);
}

// "properties.sku.name" -> ["properties","sku","name"]; "a[2]" -> ["a",2]; tags["x.y"] ->
// ["tags","x.y"]. Terraform's replace_paths are lists of steps like these.
Json PathSteps(const std::string& path) {
  Json steps = Json::array();
  std::string key;
  auto flush = [&] {
    if (!key.empty()) steps.push_back(key);
    key.clear();
  };
  size_t i = 0;
  while (i < path.size()) {
    const char c = path[i];
    if (c == '.') {
      flush();
      ++i;
    } else if (c == '[' && i + 1 < path.size() && path[i + 1] == '"') {
      flush();
      size_t end = i + 2;  // the closing quote, skipping escapes
      while (end < path.size() && path[end] != '"') end += path[end] == '\\' ? 2 : 1;
      const Json quoted = Json::parse(path.substr(i + 1, end - i), nullptr, false);
      steps.push_back(quoted.is_string() ? quoted : Json(path.substr(i + 1, end - i)));
      i = end + 2;  // past '"' and ']'
    } else if (c == '[') {
      flush();
      const size_t close = std::min(path.find(']', i), path.size());
      const std::string index = path.substr(i + 1, close - i - 1);
      const bool digits =
          !index.empty() && index.find_first_not_of("0123456789") == std::string::npos;
      steps.push_back(digits ? Json(std::stoull(index)) : Json(index));
      i = close + 1;
    } else {
      key += c;
      ++i;
    }
  }
  flush();
  return steps;
}

Json ChangeToJson(const Change& c) {
  Json change = {
      {"actions", ActionsOf(c.action)},
      {"before", MaskSensitive(c.before, c.sensitive_paths)},
      {"after", MaskSensitive(c.after, c.sensitive_paths)},
      {"before_sensitive", SensitiveMarks(c.before, c.sensitive_paths)},
      {"after_sensitive", SensitiveMarks(c.after, c.sensitive_paths)},
  };
  Json fields = Json::array();
  Json replace_paths = Json::array();
  for (const FieldChange& f : c.field_changes) {
    const bool sensitive = IsSensitivePath(c.sensitive_paths, f.path);
    auto show = [&](const Json& v) {
      return sensitive && !v.is_null() ? Json(kSensitiveValue) : v;
    };
    fields.push_back({{"path", f.path},
                      {"before", show(f.before)},
                      {"after", show(f.after)},
                      {"sensitive", sensitive}});
    if (c.action == Action::kReplace) replace_paths.push_back(PathSteps(f.path));
  }
  change["field_changes"] = std::move(fields);
  if (c.action == Action::kReplace) change["replace_paths"] = std::move(replace_paths);
  if (c.action == Action::kAdopt) change["importing"] = {{"id", c.arm_id}};

  Json out = {
      {"address", c.address},           {"type", c.kind},
      {"name", NameOf(c.address)},      {"arm_id", c.arm_id},
      {"action", ActionName(c.action)}, {"policy", ReconcilePolicyName(c.policy)},
      {"report_only", c.report_only},   {"depends_on", c.depends_on},
      {"fingerprint", c.fingerprint},   {"warnings", c.warnings},
      {"change", std::move(change)},
  };
  if (!c.reason_code.empty()) out["action_reason"] = c.reason_code;
  // change.actions calls a recover a create; the reason keeps a policy able to tell them apart.
  if (c.action == Action::kRecover && c.reason_code.empty())
    out["action_reason"] = "recover_soft_deleted";
  if (!c.reason.empty()) out["reason"] = c.reason;
  return out;
}

Json DiagnosticToJson(const Diagnostic& d) {
  Json out = {{"severity", d.severity == Severity::kError ? "error" : "warning"},
              {"summary", d.message}};
  if (Json range = SourceRangeToJson(d.location); !range.is_null()) out["range"] = std::move(range);
  return out;
}

}  // namespace

Json SourceRangeToJson(const SourceLocation& where) {
  if (where.file.empty()) return Json();
  Json range = {{"filename", where.file}};
  if (where.line > 0) {
    range["start"] = {{"line", where.line}};
    if (where.column > 0) range["start"]["column"] = where.column;
  }
  return range;
}

Json ActionsOf(Action action) {
  switch (action) {
    case Action::kNoOp:
    case Action::kBlocked:      // apply attempts nothing; action_reason says what blocks it
    case Action::kUnsupported:  // ARM cannot make the change; apply attempts nothing
      return Json::array({"no-op"});
    case Action::kCreate:
    case Action::kRecover:  // brings the resource into existence again (with action_reason)
      return Json::array({"create"});
    case Action::kUpdate:
    case Action::kAdopt:  // Terraform's import + update: change.importing names the ARM id
      return Json::array({"update"});
    case Action::kDelete:
      return Json::array({"delete"});
    case Action::kReplace:
    case Action::kPurgeThenCreate:
      // In the order apply runs them: a deleted vault or HSM keeps holding its name (soft
      // delete), so keyward never creates the new one before the old one is gone — Terraform's
      // destroy-before-create replace. Purging a deleted one destroys it for good: a policy
      // matching "delete" must see it.
      return Json::array({"delete", "create"});
  }
  return Json::array({ActionName(action)});
}

Json PlanToJson(const Plan& plan, const JsonRenderOptions& options) {
  const PlanSummary s = plan.Summary();
  const bool errored = plan.diagnostics.HasErrors();
  Json out = {
      {"format_version", kPlanJsonFormatVersion},
      {"errored", errored},
      {"applyable", !errored && plan.HasChanges()},
      {"summary",
       {{"add", s.add},
        {"change", s.change},
        {"destroy", s.destroy},
        {"recover", s.recover},
        {"blocked", s.blocked},
        {"unsupported", s.unsupported},
        {"drift", s.drift}}},
  };
  if (!options.keyward_version.empty()) out["keyward_version"] = options.keyward_version;
  if (!options.manifest_digest.empty()) out["manifest_digest"] = options.manifest_digest;
  Json changes = Json::array();
  Json drift = Json::array();
  for (const Change& c : plan.changes) (c.report_only ? drift : changes).push_back(ChangeToJson(c));
  out["resource_changes"] = std::move(changes);
  out["resource_drift"] = std::move(drift);
  Json diagnostics = Json::array();
  for (const Diagnostic& d : plan.diagnostics.items()) diagnostics.push_back(DiagnosticToJson(d));
  out["diagnostics"] = std::move(diagnostics);
  out["findings"] = guardrails::FindingsToJson(plan.findings);
  return out;
}

std::string RenderPlanJson(const Plan& plan, const JsonRenderOptions& options) {
  return PlanToJson(plan, options).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace keyward::engine
