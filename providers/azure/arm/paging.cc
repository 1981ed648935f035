// ARM list page parsing. See paging.h.
#include "providers/azure/arm/paging.h"

namespace keyward::azure {

Result<Page> ParsePage(const nlohmann::json& body) {
  Page page;
  if (body.is_null()) return page;
  if (!body.is_object())
    return MakeError(ErrorCode::kInternal, "ARM list page is not a JSON object");
  if (auto it = body.find("value"); it != body.end() && !it->is_null()) {
    if (!it->is_array())
      return MakeError(ErrorCode::kInternal, "ARM list page: `value` is not an array");
    page.items.assign(it->begin(), it->end());
  }
  if (auto it = body.find("nextLink"); it != body.end() && !it->is_null()) {
    if (!it->is_string())
      return MakeError(ErrorCode::kInternal, "ARM list page: `nextLink` is not a string");
    if (!it->get_ref<const std::string&>().empty()) page.next_link = it->get<std::string>();
  }
  return page;
}

}  // namespace keyward::azure
