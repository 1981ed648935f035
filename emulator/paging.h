// Server-side paging for list operations (ARM-NOTES §4): `$top` is the page size, `$skipToken` an
// opaque base64url continuation (the last key of the previous page; keys are ordered), nextLink an
// absolute URL on the request's own host carrying api-version and $top. The last page has no
// nextLink at all (never "" or null).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/store.h"

namespace keyward::emulator {

struct PageRequest {
  int page_size = 0;
  bool top_given = false;
  std::string after_key;
};

// default_page_size applies when $top is absent (or when top_allowed is false).
std::variant<PageRequest, ArmError> ParsePageRequest(const RequestContext& request,
                                                     int default_page_size, bool top_allowed);

// Fetches one page with `fetch(after_key, limit)` (limit = page size + 1 to detect more) and
// renders
// {"value":[render(r)...], "nextLink"?}.
nlohmann::json BuildPage(
    const RequestContext& request, const PageRequest& page,
    const std::function<std::vector<StoredResource>(const std::string&, int)>& fetch,
    const std::function<nlohmann::json(const StoredResource&)>& render);

}  // namespace keyward::emulator
