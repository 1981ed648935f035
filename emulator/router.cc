#include "emulator/router.h"

#include <strings.h>

#include "emulator/util.h"

namespace keyward::emulator {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string RequestContext::Var(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

std::string RequestContext::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

std::string RequestContext::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

void Router::Add(Route route) {
  Entry entry;
  entry.segments = SplitPath(route.pattern);
  entry.route = std::move(route);
  entries_.push_back(std::move(entry));
}

Router::Match Router::Find(const std::string& method, const std::string& path) const {
  std::vector<std::string> segments = SplitPath(path);
  Match best;
  int best_score = -1;
  bool best_is_exact_method = false;
  for (const Entry& entry : entries_) {
    if (entry.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> vars;
    int score = 0;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const std::string& p = entry.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        vars[p.substr(1, p.size() - 2)] = segments[i];
      } else if (EqualsIgnoreCase(p, segments[i])) {
        ++score;
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    const std::string& m = entry.route.method;
    bool exact = m == method;
    bool head_fallback = method == "HEAD" && m == "GET";
    if (!exact && !head_fallback) {
      best.path_known = true;
      continue;
    }
    if (score > best_score || (score == best_score && exact && !best_is_exact_method)) {
      best.route = &entry.route;
      best.vars = std::move(vars);
      best_score = score;
      best_is_exact_method = exact;
    }
  }
  return best;
}

}  // namespace keyward::emulator
