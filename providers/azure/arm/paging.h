// ARM list pages (ARM-NOTES §4): {"value": [...], "nextLink": "..."}. A page may be empty and
// still have a nextLink; the list ends only when nextLink is absent, null or "". nextLink is
// absolute and is used as-is (no query parameters re-appended).
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

// A null body (e.g. 204) is an empty last page. A body that is not an object, or whose `value`
// is not an array, or whose nextLink is neither string nor null, is kInternal.
Result<Page> ParsePage(const nlohmann::json& body);

}  // namespace keyward::azure
