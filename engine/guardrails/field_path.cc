#include "engine/guardrails/field_path.h"

namespace keyward::engine::guardrails {

std::string ParentFieldPath(const std::string& path) {
  if (!path.empty() && path.back() == ']') {
    // A quoted key may hold '.', never an unescaped '[' outside its quotes that JoinFieldPath
    // would write, so the last '[' opens the final step.
    const size_t open = path.rfind('[');
    return open == std::string::npos ? "" : path.substr(0, open);
  }
  const size_t dot = path.rfind('.');
  const size_t bracket = path.rfind(']');
  if (dot == std::string::npos) return "";
  if (bracket != std::string::npos && bracket > dot) return path.substr(0, bracket + 1);
  return path.substr(0, dot);
}

SourceLocation LocateField(const FieldLocations& locations, const std::string& path,
                           const SourceLocation& fallback) {
  for (std::string p = path; !p.empty(); p = ParentFieldPath(p)) {
    if (ParentFieldPath(p).empty()) break;  // a top-level key: use the document
    auto where = locations.Find(p);
    if (where && where->line > 0) return *where;
  }
  return fallback;
}

}  // namespace keyward::engine::guardrails
