// One table of (value, name) rows behind an enum's name and its parse, so that writing a name
// and reading it back cannot drift apart, and a name is written once. A table's rows may carry
// more than `value` and `name` (what else goes with each value).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace keyward::engine {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

// The name of `value` in `table`; `otherwise` for a value the table does not have.
template <class Row, size_t N>
const char* NameIn(const Row (&table)[N], decltype(Row::value) value, const char* otherwise) {
  for (const Row& row : table)
    if (row.value == value) return row.name;
  return otherwise;
}

// The value named exactly `name` in `table`.
template <class Row, size_t N>
std::optional<decltype(Row::value)> ValueIn(const Row (&table)[N], std::string_view name) {
  for (const Row& row : table)
    if (name == row.name) return row.value;
  return std::nullopt;
}

}  // namespace keyward::engine
