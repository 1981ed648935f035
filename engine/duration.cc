#include "engine/duration.h"

namespace keyward::engine {

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
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
  if (!(millis >= 1)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(millis));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace keyward::engine
