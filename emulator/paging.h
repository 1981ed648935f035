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

// One page of the rows `query` selects (its after_key and limit are the page's; one more row is
// read to detect more), rendered as {"value":[render(row)...], "nextLink"?}.
nlohmann::json BuildPage(Store::Tx& tx, const RequestContext& request, const PageRequest& page,
                         ListQuery query,
                         const std::function<nlohmann::json(const StoredResource&)>& render);

// A whole list operation with no parent to check: the page request's error, else 200 with one
// page of `query`'s rows read in one transaction.
Reply ListReply(Store& store, const RequestContext& request, int default_page_size,
                bool top_allowed, const ListQuery& query,
                const std::function<nlohmann::json(const StoredResource&)>& render);

}  // namespace keyward::emulator
