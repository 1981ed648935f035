#include "engine/guardrails/waiver.h"

#include <cctype>
#include <cstdio>

namespace keyward::engine::guardrails {
namespace {

std::string Trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

constexpr char kSyntax[] = "expected 'RULE-ID: reason until YYYY-MM-DD'";

}  // namespace

std::string Date::ToString() const {
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", year, month, day);
  return out;
}

std::optional<Date> ParseDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  Date d{std::stoi(text.substr(0, 4)), std::stoi(text.substr(5, 2)), std::stoi(text.substr(8, 2))};
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > DaysInMonth(d.year, d.month))
    return std::nullopt;
  return d;
}

Date UtcDate(Clock::TimePoint time) {
  // Howard Hinnant's civil_from_days: no time zone database, no gmtime.
  const long long days = std::chrono::floor<std::chrono::days>(time).time_since_epoch().count();
  const long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return Date{year, month, day};
}

std::vector<Waiver> ParseWaivers(const std::string& text, const SourceLocation& where,
                                 Diagnostics* diagnostics) {
  std::vector<Waiver> out;
  std::vector<std::string> entries;
  std::string current;
  for (char c : text) {
    if (c == '\n' || c == ';') {
      entries.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  entries.push_back(current);

  bool any = false;
  for (const std::string& raw : entries) {
    const std::string entry = Trim(raw);
    if (entry.empty()) continue;
    any = true;
    const std::string quoted = "'" + entry + "'";
    const size_t colon = entry.find(':');
    if (colon == std::string::npos || Trim(entry.substr(0, colon)).empty()) {
      diagnostics->Error(where, "keyward.dev/waive: " + quoted + " names no rule; " + kSyntax);
      continue;
    }
    Waiver w;
    w.rule_id = Trim(entry.substr(0, colon));
    w.location = where;
    const std::string rest = Trim(entry.substr(colon + 1));
    // The last " until " splits reason and date, so a reason may itself say "until".
    const size_t until = rest.rfind("until");
    const bool separated =
        until != std::string::npos &&
        (until == 0 || std::isspace(static_cast<unsigned char>(rest[until - 1])));
    if (!separated) {
      diagnostics->Error(where, "keyward.dev/waive: " + quoted +
                                    " has no expiry date; every waiver ends: " + kSyntax);
      continue;
    }
    w.reason = Trim(rest.substr(0, until));
    const std::string date_text = Trim(rest.substr(until + 5));
    auto date = ParseDate(date_text);
    if (!date) {
      diagnostics->Error(where, "keyward.dev/waive: " + quoted + ": '" + date_text +
                                    "' is not a date (YYYY-MM-DD); " + kSyntax);
      continue;
    }
    if (w.reason.empty()) {
      diagnostics->Error(where, "keyward.dev/waive: " + quoted +
                                    " gives no reason; say why the risk is accepted: " + kSyntax);
      continue;
    }
    w.until = *date;
    out.push_back(std::move(w));
  }
  if (!any) diagnostics->Error(where, std::string("keyward.dev/waive is empty; ") + kSyntax);
  return out;
}

}  // namespace keyward::engine::guardrails
