// Per-resource waivers: the `keyward.dev/waive` annotation.
//
//   metadata:
//     annotations:
//       keyward.dev/waive: "KW-KV-003: legacy batch host needs the public endpoint until
//       2027-03-31"
//
// Syntax: one or more entries, separated by newlines or ';' (so a YAML block scalar lists one per
// line). Each entry is `RULE-ID: reason until YYYY-MM-DD` — the rule id, a colon, a non-empty
// reason, the word `until` and an ISO date, the last day (UTC) the waiver holds. Spaces around
// the parts are ignored; the rule id is case-insensitive. A reason cannot contain ';'.
//
// A waiver suppresses that rule's findings on that resource (they are still reported, marked
// waived, and never count for failOn). The day after its date it no longer suppresses anything,
// and the entry itself becomes a KW-GR-001 finding. An entry that does not parse, or that names
// a rule this build does not have, is a validation error: a typo must not silently waive nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/diagnostic.h"

namespace keyward::engine::guardrails {

inline constexpr char kWaiveAnnotation[] = "keyward.dev/waive";

struct Date {
  int year = 0, month = 0, day = 0;
  auto operator<=>(const Date&) const = default;
  std::string ToString() const;  // "2027-03-31"
};

// A calendar-valid "YYYY-MM-DD" (leap years included), else nullopt.
std::optional<Date> ParseDate(const std::string& text);
// The UTC calendar date of a point in time (for the injected clock's Now()).
Date UtcDate(Clock::TimePoint time);

struct Waiver {
  std::string rule_id;  // as written
  std::string reason;
  Date until;
  SourceLocation location;  // the annotation's value

  bool ExpiredOn(const Date& today) const { return today > until; }
};

// Parses an annotation value. Syntax errors go to `diagnostics` (at `where`); entries that parse
// are returned even when others do not, so every mistake is reported at once.
std::vector<Waiver> ParseWaivers(const std::string& text, const SourceLocation& where,
                                 Diagnostics* diagnostics);

}  // namespace keyward::engine::guardrails
