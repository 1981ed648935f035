// ARM list pages (ARM-NOTES §4): {"value": [...], "nextLink": "..."}. A page may be empty and
// still have a nextLink; the list ends only when nextLink is absent, null or "". nextLink is
// absolute and is used as-is (no query parameters re-appended).
//
// Every list keyward reads is a list of ARM resources, so each item is checked against the ARM
// resource envelope before any handler sees it: an object with a non-empty string `id`; `name`,
// `type`, `location`, `kind` and `etag` strings when present; `tags` an object of strings and
// `properties` an object when present (null counts as absent). Handlers can then read those
// fields without type checks, and a `null` item or an item without id is an error instead of a
// crash or a resource silently dropped.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"

namespace keyward::azure {

struct Page {
  std::vector<nlohmann::json> items;
  std::optional<std::string> next_link;
};

// A page must be an object whose `value` is an array of resources (above) and whose nextLink,
// when present, is a string or null; anything else, a missing body (204) included, is kInternal
// saying what is wrong ("item 3 is null, not an object"): ARM answers every list with a page,
// and reading "no page" as "no resources" would plan creates over resources that exist. Items
// are moved out of `body`, never copied.
Result<Page> ParsePage(nlohmann::json body);

// Why `item` is not an ARM resource envelope (above), or nullopt when it is.
std::optional<std::string> ResourceEnvelopeError(const nlohmann::json& item);

}  // namespace keyward::azure
