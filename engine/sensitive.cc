#include "engine/sensitive.h"

#include "engine/diff.h"

namespace keyward::engine {

bool IsSensitivePath(const std::vector<std::string>& patterns, const std::string& path) {
  for (const auto& pattern : patterns)
    if (PathCovers(pattern, path)) return true;
  return false;
}

Json MaskSensitive(const Json& value, const std::vector<std::string>& patterns,
                   const std::string& path) {
  if (patterns.empty() || value.is_null()) return value;
  if (!path.empty() && IsSensitivePath(patterns, path)) return kSensitiveValue;
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, child] : value.items())
      out[key] = MaskSensitive(child, patterns, JoinPath(path, key));
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (size_t i = 0; i < value.size(); ++i)
      out.push_back(MaskSensitive(value[i], patterns, JoinIndex(path, i)));
    return out;
  }
  return value;
}

Json DropSensitive(const Json& value, const std::vector<std::string>& patterns,
                   const std::string& path) {
  if (patterns.empty()) return value;
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = JoinPath(path, key);
      if (!IsSensitivePath(patterns, child_path))
        out[key] = DropSensitive(child, patterns, child_path);
    }
    return out;
  }
  if (value.is_array()) {
    // An array element cannot be dropped without shifting its neighbours' paths: null it.
    Json out = Json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string child_path = JoinIndex(path, i);
      out.push_back(IsSensitivePath(patterns, child_path)
                        ? Json()
                        : DropSensitive(value[i], patterns, child_path));
    }
    return out;
  }
  return value;
}

Json SensitiveMarks(const Json& value, const std::vector<std::string>& patterns,
                    const std::string& path) {
  if (patterns.empty() || value.is_null()) return false;
  if (!path.empty() && IsSensitivePath(patterns, path)) return true;
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, child] : value.items()) {
      Json mark = SensitiveMarks(child, patterns, JoinPath(path, key));
      if (mark != Json(false)) out[key] = std::move(mark);
    }
    return out.empty() ? Json(false) : out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    bool any = false;
    for (size_t i = 0; i < value.size(); ++i) {
      out.push_back(SensitiveMarks(value[i], patterns, JoinIndex(path, i)));
      any = any || out.back() != Json(false);
    }
    return any ? out : Json(false);
  }
  return false;
}

}  // namespace keyward::engine
