#include "engine/duration.h"

#include <cctype>
#include <cstdlib>

namespace keyward::engine {

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin) return std::nullopt;
  const std::string unit(end);
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

std::string FormatDuration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace keyward::engine
