#include "emulator/paging.h"

#include <cctype>

#include "emulator/util.h"

namespace keyward::emulator {

std::variant<PageRequest, ArmError> ParsePageRequest(const RequestContext& request,
                                                     int default_page_size, bool top_allowed) {
  PageRequest page;
  page.page_size = default_page_size;
  if (top_allowed && request.HasQuery("$top")) {
    std::string top = request.Query("$top");
    bool digits = !top.empty() && top.size() <= 9 &&
                  std::all_of(top.begin(), top.end(), [](char c) { return std::isdigit(c); });
    if (!digits || std::stoi(top) < 1) {
      return ArmError{400, "InvalidQueryParameterValue",
                      "The value '" + top +
                          "' of query parameter '$top' is not valid. It must be "
                          "a positive integer."};
    }
    page.page_size = std::stoi(top);
    page.top_given = true;
  }
  if (request.HasQuery("$skipToken")) {
    std::string decoded;
    std::string token = request.Query("$skipToken");
    if (!Base64UrlDecode(token, &decoded) || decoded.empty() || decoded.front() != '/') {
      return ArmError{400, "InvalidSkipToken",
                      "The skip token '" + token + "' is not valid for this list."};
    }
    page.after_key = decoded;
  }
  return page;
}

nlohmann::json BuildPage(Store::Tx& tx, const RequestContext& request, const PageRequest& page,
                         ListQuery query,
                         const std::function<nlohmann::json(const StoredResource&)>& render) {
  query.after_key = page.after_key;
  query.limit = page.page_size + 1;
  std::vector<StoredResource> rows = tx.List(query);
  bool more = static_cast<int>(rows.size()) > page.page_size;
  if (more) rows.resize(page.page_size);
  nlohmann::json value = nlohmann::json::array();
  for (const auto& row : rows) value.push_back(render(row));
  nlohmann::json out = {{"value", value}};
  if (more && !rows.empty()) {
    std::string link =
        request.base_url + request.path + "?api-version=" + request.Query("api-version");
    if (page.top_given) link += "&$top=" + std::to_string(page.page_size);
    link += "&$skipToken=" + Base64UrlEncode(rows.back().key);
    out["nextLink"] = link;
  }
  return out;
}

Reply ListReply(Store& store, const RequestContext& request, int default_page_size,
                bool top_allowed, const ListQuery& query,
                const std::function<nlohmann::json(const StoredResource&)>& render) {
  auto page = ParsePageRequest(request, default_page_size, top_allowed);
  if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
  return store.Transact([&](Store::Tx& tx) {
    return Reply::Json(200, BuildPage(tx, request, std::get<PageRequest>(page), query, render));
  });
}

}  // namespace keyward::emulator
