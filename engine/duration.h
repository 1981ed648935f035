// Durations as people write them in flags and keyward.yaml: "250ms", "30s", "5m", "1h" (a bare
// number is seconds; fractions are allowed: "1.5s").
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace keyward::engine {

// The longest duration keyward accepts anywhere: a year. Longer values are typos, and keeping
// them out means no deadline or sleep computed from a duration can overflow.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 365);

// nullopt when malformed, below 1 ms or above kMaxDuration.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// A fraction as "10%" or "0.1", within [0, 1] (the daemon's --jitter).
std::optional<double> ParseJitter(const std::string& text);

// The inverse of ParseDuration, in the largest unit that divides it exactly: 90'000 ms -> "90s",
// 1'800'000 -> "30m", 7'200'000 -> "2h", 1'500 -> "1500ms".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace keyward::engine
