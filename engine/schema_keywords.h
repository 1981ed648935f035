// The JSON Schema keywords keyward checks itself instead of letting valijson run them.
//
// Why: Debian's valijson 1.0 runs `pattern` through libstdc++'s std::regex, whose matcher
// recurses once per character (a 40 KB name overflowed the stack) and which it compiles again in
// every Validator; it checks `uniqueItems` pairwise (quadratic in an unbounded list) and
// `propertyNames` without saying which key failed. So before a schema is compiled,
// PrepareForValijson renames those keywords to keyward's own, and RegisterKeywardKeywords plugs
// their implementations into the parser:
//   pattern        → RE2 (linear time, no recursion), compiled once when the schema set loads.
//                    The schemas keep the standard keyword, so editors check the same patterns;
//                    a pattern RE2 cannot run (look-around, back-references) fails the load.
//   propertyNames  → the key's length and pattern (RE2), one error per bad key, at that key.
//   uniqueItems    → a hash of string items; skipped above the list's maxItems (which every
//                    uniqueItems must have), so the check is bounded by the schema.
//   x-keyward-regions (keyward's own): the value is one of the listed Azure regions, compared
//                    case- and space-insensitively ("West Europe" == "westeurope"), or one of
//                    the extra regions the caller allows for this validation (keyward.yaml
//                    `extraRegions`; see ScopedExtraRegions).
//   format         → dropped: an annotation for editors only (valijson would run std::regex
//                    for date-time); what keyward checks is written as a pattern.
// Every other keyword must be in SupportedSchemaKeywords(), so a schema cannot start relying on
// a keyword whose messages keyward has not mapped and tested (engine/schema_test.cc).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/resource.h"
#include "engine/result.h"

namespace valijson {
class SchemaParser;
}

namespace keyward::engine {

// Error descriptions pushed by keyward's constraints (valijson's own are English sentences).
// A property-name error's context ends with the offending key.
inline constexpr char kPatternMismatch[] = "keyward:pattern";
inline constexpr char kPropertyNameMismatch[] = "keyward:propertyNames";
inline constexpr char kDuplicateItems[] = "keyward:uniqueItems";  // + ":<i>:<j>"
inline constexpr char kUnknownRegion[] = "keyward:region";

// Keywords a keyward schema may use (validation and annotation keywords).
const std::set<std::string>& SupportedSchemaKeywords();

// Returns `schema` with pattern / propertyNames / uniqueItems renamed to keyward's keywords and
// `format` removed. Fails (kInternal) on an unsupported keyword, a uniqueItems without maxItems,
// or a propertyNames with anything but pattern / minLength / maxLength.
Result<Json> PrepareForValijson(const Json& schema, const std::string& file);

// Registers the builders of keyward's keywords. A pattern RE2 cannot compile makes the builder
// throw std::runtime_error naming the pattern (SchemaSet::Load reports it).
void RegisterKeywardKeywords(valijson::SchemaParser& parser);

// "West Europe" -> "westeurope": lowercase ASCII, spaces removed.
std::string CanonicalRegion(std::string_view region);

// The regions listed by the x-keyward-regions keyword of `schema` (nested anywhere; empty when
// none), canonical. Used for "did you mean" suggestions.
std::vector<std::string> ListedRegions(const Json& schema);

// Makes `extra` (region names, any case) acceptable to x-keyward-regions on this thread for the
// object's lifetime. valijson hands a constraint only the value being checked, so per-validation
// input travels this way; SchemaSet::Validate sets it from SchemaValidateOptions.
class ScopedExtraRegions {
 public:
  explicit ScopedExtraRegions(const std::vector<std::string>* extra);
  ~ScopedExtraRegions();
  ScopedExtraRegions(const ScopedExtraRegions&) = delete;
  ScopedExtraRegions& operator=(const ScopedExtraRegions&) = delete;

 private:
  const std::vector<std::string>* previous_;
};

}  // namespace keyward::engine
