#include "engine/duration.h"

#include <cctype>
#include <utility>

namespace keyward::engine {

namespace {

// "15s" -> (15, "s"); nullopt when `text` does not start with a number (leading blanks included:
// "5m" written as " 5m" is a typo, not a duration).
std::optional<std::pair<double, std::string>> NumberAndSuffix(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  return std::make_pair(value, text.substr(used));
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  const auto parsed = NumberAndSuffix(text);
  if (!parsed) return std::nullopt;
  const auto& [value, unit] = *parsed;
  double millis;
  if (unit == "ms")
    millis = value;
  else if (unit == "s" || unit.empty())
    millis = value * 1000;
  else if (unit == "m")
    millis = value * 60'000;
  else if (unit == "h")
    millis = value * 3'600'000;
  else
    return std::nullopt;
  // Also rejects NaN and infinities ("nan", "inf", "1e999").
  if (!(millis >= 1) || !(millis <= static_cast<double>(kMaxDuration.count()))) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(millis));
}

std::optional<double> ParseJitter(const std::string& text) {
  const auto parsed = NumberAndSuffix(text);
  if (!parsed) return std::nullopt;
  double value = parsed->first;
  if (parsed->second == "%")
    value /= 100;
  else if (!parsed->second.empty())
    return std::nullopt;
  if (!(value >= 0 && value <= 1)) return std::nullopt;
  return value;
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace keyward::engine
