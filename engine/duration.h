// Durations as people write them in flags and keyward.yaml: "250ms", "30s", "5m", "1h" (a bare
// number is seconds).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace keyward::engine {

// nullopt when malformed or not positive.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// A fraction as "10%" or "0.1", within [0, 1] (the daemon's --jitter).
std::optional<double> ParseJitter(const std::string& text);

// The shortest of those forms that is exact: 1500ms, 15s, 5m.
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace keyward::engine
