#include "engine/plan.h"

#include <sstream>

#include "engine/diff.h"

namespace keyward::engine {

const char* ActionName(Action action) {
  switch (action) {
    case Action::kNoOp:
      return "no-op";
    case Action::kCreate:
      return "create";
    case Action::kUpdate:
      return "update";
    case Action::kReplace:
      return "replace";
    case Action::kDelete:
      return "delete";
    case Action::kRecover:
      return "recover";
    case Action::kPurgeThenCreate:
      return "purge-then-create";
    case Action::kBlocked:
      return "blocked";
    case Action::kUnsupported:
      return "unsupported";
    case Action::kAdopt:
      return "adopt";
  }
  return "unknown";
}

bool IsDestructive(Action action) {
  return action == Action::kDelete || action == Action::kReplace ||
         action == Action::kPurgeThenCreate;
}

bool IsWrite(Action action) {
  switch (action) {
    case Action::kCreate:
    case Action::kUpdate:
    case Action::kReplace:
    case Action::kDelete:
    case Action::kRecover:
    case Action::kPurgeThenCreate:
    case Action::kAdopt:
      return true;
    case Action::kNoOp:
    case Action::kBlocked:
    case Action::kUnsupported:
      return false;
  }
  return false;
}

bool Plan::HasChanges() const {
  for (const auto& c : changes)
    if (c.action != Action::kNoOp) return true;
  return false;
}

PlanSummary Plan::Summary() const {
  PlanSummary s;
  for (const auto& c : changes) {
    if (c.action == Action::kNoOp) continue;
    if (c.report_only) {
      ++s.drift;
      continue;
    }
    switch (c.action) {
      case Action::kCreate:
        ++s.add;
        break;
      case Action::kReplace:
      case Action::kPurgeThenCreate:
        ++s.add;
        ++s.destroy;
        break;
      case Action::kDelete:
        ++s.destroy;
        break;
      case Action::kUpdate:
      case Action::kAdopt:
        ++s.change;
        break;
      case Action::kRecover:
        ++s.change;
        ++s.recover;
        break;
      case Action::kBlocked:
        ++s.blocked;
        ++s.other;
        break;
      case Action::kUnsupported:
        ++s.unsupported;
        ++s.other;
        break;
      case Action::kNoOp:
        break;
    }
  }
  return s;
}

const Change* Plan::Find(const std::string& address) const {
  for (const auto& c : changes)
    if (c.address == address) return &c;
  return nullptr;
}

std::string Plan::Dump() const {
  std::ostringstream out;
  for (const auto& c : changes) {
    out << ActionName(c.action) << ' ' << c.address;
    if (c.report_only) out << " [report-only]";
    out << " policy=" << ReconcilePolicyName(c.policy);
    if (!c.arm_id.empty()) out << " id=" << c.arm_id;
    if (!c.depends_on.empty()) {
      out << " deps=[";
      for (size_t i = 0; i < c.depends_on.size(); ++i) out << (i ? "," : "") << c.depends_on[i];
      out << ']';
    }
    if (!c.reason_code.empty()) out << " reason_code=" << c.reason_code;
    if (!c.fingerprint.empty()) out << " fingerprint=" << c.fingerprint;
    for (const auto& f : c.field_changes) {
      // Dumps end up in logs: sensitive values stay hidden here too (DESIGN.md §6).
      bool sensitive = false;
      for (const auto& pattern : c.sensitive_paths)
        sensitive = sensitive || PathCovers(pattern, f.path);
      auto show = [&](const Json& v) {
        return sensitive ? std::string("(sensitive)")
                         : v.dump(-1, ' ', false, Json::error_handler_t::replace);
      };
      out << " {" << f.path << ": " << show(f.before) << " -> " << show(f.after) << '}';
    }
    out << '\n';
  }
  for (const auto& d : diagnostics.items()) out << d.ToString() << '\n';
  return out.str();
}

}  // namespace keyward::engine
