// JSON from the network, read within limits. Every ARM, token-endpoint and error body keyward
// parses goes through ParseJsonBounded, so no answer can exhaust the stack or memory:
//  - size: the transport never reads more than kMaxResponseBytes of a body (transport.h);
//  - depth: at most kMaxJsonDepth nested arrays / objects. nlohmann's parser is iterative, but
//    copying, comparing and dumping a document recurse once per level, so a body nested a million
//    levels deep would overflow the stack long after parsing succeeded. 64 is the default maximum
//    depth of the .NET serializers ARM is written with, so no real ARM answer comes near it.
//  - encoding: strings must be valid UTF-8 (nlohmann rejects anything else).
// Errors describe the problem (and the byte offset) but never quote the body: token responses
// and secret bodies must not leak into messages.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/result.h"

namespace keyward::azure {

inline constexpr size_t kMaxResponseBytes = size_t{32} << 20;  // 32 MiB; ARM caps RPs at 8 MB
inline constexpr int kMaxJsonDepth = 64;

// True when `text` nests arrays / objects deeper than `max_depth`, counting brackets outside
// strings in one linear pass (no recursion, no allocation).
bool JsonNestsDeeperThan(std::string_view text, int max_depth);

// Parses `text` as one JSON document within the limits above. kInternal with a short reason:
// "is not JSON (syntax error at byte 17)", "nests deeper than 64 levels".
Result<nlohmann::json> ParseJsonBounded(std::string_view text);

// "null", "an object", "an array", "a string", "a boolean" or "a number": what a value is, for
// errors about answers of the wrong shape ("item 3 is null, not an object").
const char* JsonTypeName(const nlohmann::json& value);

}  // namespace keyward::azure
