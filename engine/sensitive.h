// Hiding values at Change::sensitive_paths (DESIGN.md §6: secret values never appear in any
// output). Every renderer and the saved plan go through these helpers, so "sensitive" means the
// same thing in text, JSON, Markdown and plan files.
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"

namespace keyward::engine {

// What renderers print instead of a sensitive value.
inline constexpr char kSensitiveValue[] = "(sensitive value)";

// True when a pattern of `patterns` covers `path` (engine/diff.h syntax).
bool IsSensitivePath(const std::vector<std::string>& patterns, const std::string& path);

// `value` (found at `path`) with every non-null value at or under a sensitive pattern replaced
// by kSensitiveValue.
Json MaskSensitive(const Json& value, const std::vector<std::string>& patterns,
                   const std::string& path = "");

// `value` with every object key at or under a sensitive pattern removed: for the saved plan,
// where even a placeholder must not reach a handler as if it were the value.
Json DropSensitive(const Json& value, const std::vector<std::string>& patterns,
                   const std::string& path = "");

// Terraform's before_sensitive / after_sensitive: `false` when nothing in `value` is sensitive,
// `true` when `value` itself is, else objects (only the keys holding something sensitive) and
// arrays (every element, `false` where nothing is) mirroring `value`.
Json SensitiveMarks(const Json& value, const std::vector<std::string>& patterns,
                    const std::string& path = "");

}  // namespace keyward::engine
