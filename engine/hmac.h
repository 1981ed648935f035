// Keyed hashes that keyward's secrets, saved plans and webhooks share: HMAC-SHA256 in lowercase
// hex, a short public identifier for a key, and a comparison whose time does not depend on where
// two strings first differ (so a signature cannot be guessed byte by byte).
#pragma once

#include <string>
#include <string_view>

namespace keyward::engine {

// Lowercase hex of HMAC-SHA256(key, data) (RFC 2104 / RFC 4231).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// The raw 32 bytes of HMAC-SHA256(key, data) (Azure Storage Shared Key signs with their base64).
std::string HmacSha256(std::string_view key, std::string_view data);

// First 8 hex digits of sha256(domain + key): names a key in messages and files without revealing
// it. `domain` keeps the ids of different kinds of keys unrelated ("keyward-plan-key-id:").
std::string KeyId(std::string_view domain, std::string_view key);

// Constant-time for equal lengths; false at once for different lengths (lengths are public).
bool EqualsConstantTime(std::string_view a, std::string_view b);

}  // namespace keyward::engine
