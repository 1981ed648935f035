// Bounded JSON parsing. See bounded_json.h.
#include "providers/azure/arm/bounded_json.h"

#include <string>

namespace keyward::azure {

bool JsonNestsDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        --depth;  // unbalanced input is the parser's to reject
        break;
      default:
        break;
    }
  }
  return false;
}

const char* JsonTypeName(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  return "a number";
}

Result<nlohmann::json> ParseJsonBounded(std::string_view text) {
  if (JsonNestsDeeperThan(text, kMaxJsonDepth)) {
    return MakeError(ErrorCode::kInternal,
                     "nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the offending bytes; only the position is safe to show.
    return MakeError(ErrorCode::kInternal, text.empty() ? std::string("is empty, not JSON")
                                                        : "is not JSON (syntax error at byte " +
                                                              std::to_string(e.byte) + " of " +
                                                              std::to_string(text.size()) + ")");
  } catch (const std::exception&) {
    return MakeError(ErrorCode::kInternal, "is not JSON");
  }
}

}  // namespace keyward::azure
