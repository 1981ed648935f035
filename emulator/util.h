// Small pure helpers shared by the emulator's files: case folding, GUIDs, base64url, timestamps.
// Nothing here touches global state except NewGuid()/RandomBytes() (OpenSSL's CSPRNG).
#pragma once

#include <string>
#include <string_view>

namespace keyward::emulator {

std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool IsGuid(std::string_view s);
std::string NewGuid();
std::string RandomBytes(size_t count);
std::string Base64UrlEncode(std::string_view data);  // no padding
// Returns false on characters outside the base64url alphabet.
bool Base64UrlDecode(std::string_view text, std::string* out);

// Seconds since the Unix epoch, formatted as UTC. fraction_digits 0 => "2022-02-25T09:50:05Z",
// 7 => "2022-02-25T09:50:05.1234567Z" (the shape ARM uses in systemData).
std::string FormatIso8601(double epoch_seconds, int fraction_digits);
// "2022-02-25 09:50:51Z" - the odd shape of the recorded KV operationResults body (ARM-NOTES §1.8).
std::string FormatSpaceSeparated(double epoch_seconds);
std::string FormatHttpDate(double epoch_seconds);  // RFC 7231 IMF-fixdate
// "20220225T095005Z", the timestamp inside x-ms-routing-request-id.
std::string FormatCompactTimestamp(double epoch_seconds);
// ARM normalises locations: "West US" -> "westus".
std::string NormalizeLocation(std::string_view location);
// Wall clock in seconds since the epoch (sub-second precision).
double WallClockNow();

}  // namespace keyward::emulator

#include <map>

namespace keyward::emulator {
// application/x-www-form-urlencoded body -> map ('+' is a space, %XX decoded; last value wins).
std::map<std::string, std::string> ParseForm(std::string_view body);
std::string PercentDecode(std::string_view text, bool plus_is_space);
}  // namespace keyward::emulator
