// Normalization and the managed-field diff that every kind handler builds its PlanChange on.
//
// The rule that keeps false drift away (DESIGN.md §5): only fields present in `desired` are
// managed. A field the user did not write is never reported, whatever ARM returns for it
// (server defaults, read-only and computed fields). Handlers fill server defaults into desired
// *before* diffing when they want a default enforced.
//
// Path syntax (used both for reported paths and for DiffRules patterns):
//   properties.sku.name              object keys separated by '.'
//   properties.accessPolicies[2]     array index
//   tags["cost.center"]              a key holding '.', '[', ']', '"' or '*', or an empty key,
//                                    is written JSON-quoted in brackets
// Patterns add three wildcards:
//   *      any one object key          tags.*
//   [*]    any one array index         properties.accessPolicies[*].permissions.keys
//   **     zero or more segments       **.id
// A rule applies to the node its pattern matches *and everything beneath it*, so
// `properties.accessPolicies` in case_insensitive_paths makes every string inside the access
// policies compare case-insensitively. Set rules are the exception: they apply to exactly the
// array their pattern matches (its elements are then compared with the rules for `path[*]`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"

namespace keyward::engine {

struct DiffRules {
  // Strings at or under these paths compare case-insensitively (ids, enum values, locations
  // already normalized by the handler...).
  std::vector<std::string> case_insensitive_paths;
  // Arrays at these paths are multisets: order does not matter; each desired element must match
  // a distinct live element (managed-field match), and the sizes must be equal.
  std::vector<std::string> set_paths;
  // Never compared (read-only, server-computed, write-only like secret values).
  std::vector<std::string> ignored_paths;
};

// Field-level differences between what the user wrote and what ARM has, in desired's key order
// (sorted, nlohmann's default). FieldChange::before is the live value (null when absent) and
// ::after the desired value. Rules of comparison:
//  - desired null is "not managed" (same as absent);
//  - objects recurse; a key missing in live reports each desired leaf beneath it;
//  - arrays: at a set path, compared as multisets and reported as a whole; elsewhere compared
//    element by element (paths like `regions[1].name`) when the lengths match, else reported
//    as a whole;
//  - numbers compare numerically (90 == 90.0); strings exactly unless case-insensitive;
//  - different JSON types (other than int/float) are different.
std::vector<FieldChange> DiffManagedFields(const Json& desired, const Json& live,
                                           const DiffRules& rules);

// Path pattern matching (syntax above). PathMatches: the pattern matches the whole path.
// PathCovers: the pattern matches the path or one of its ancestors. A malformed pattern
// matches nothing.
bool PathMatches(std::string_view pattern, std::string_view path);
bool PathCovers(std::string_view pattern, std::string_view path);

// Appends a key / an index to a path using the syntax above.
std::string JoinPath(const std::string& parent, const std::string& key);
std::string JoinIndex(const std::string& parent, size_t index);

// "West Europe" -> "westeurope": ARM accepts display names and returns the canonical form.
std::string NormalizeLocation(const std::string& location);

// ARM ids compare case-insensitively; a trailing '/' is noise. CanonicalArmId lowercases.
std::string CanonicalArmId(const std::string& arm_id);
bool ArmIdEquals(const std::string& a, const std::string& b);

// sha256 (lowercase hex) of the canonical dump: keys sorted, no whitespace. Note that 90 and
// 90.0 dump differently; normalize numbers before fingerprinting if that matters.
std::string FingerprintOf(const Json& value);

}  // namespace keyward::engine
