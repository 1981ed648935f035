// Character-by-character escaping (Markdown table cells, Prometheus label values): each character
// that has a replacement becomes it, every other character stays.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace keyward::engine {

inline std::string ReplaceChars(
    std::string_view text, std::initializer_list<std::pair<char, std::string_view>> replacements) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    std::string_view with(&c, 1);
    for (const auto& [from, to] : replacements)
      if (from == c) with = to;
    out += with;
  }
  return out;
}

}  // namespace keyward::engine
