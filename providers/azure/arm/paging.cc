// ARM list page parsing. See paging.h.
#include "providers/azure/arm/paging.h"

#include "providers/azure/arm/bounded_json.h"

namespace keyward::azure {

using Json = nlohmann::json;

std::optional<std::string> ResourceEnvelopeError(const Json& item) {
  if (!item.is_object()) return std::string("is ") + JsonTypeName(item) + ", not an object";
  auto id = item.find("id");
  if (id == item.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
    return std::string("has no `id` string");
  for (const char* key : {"name", "type", "location", "kind", "etag"}) {
    auto it = item.find(key);
    if (it != item.end() && !it->is_null() && !it->is_string())
      return std::string("has a `") + key + "` that is " + JsonTypeName(*it) + ", not a string";
  }
  if (auto tags = item.find("tags"); tags != item.end() && !tags->is_null()) {
    if (!tags->is_object()) return std::string("has `tags` that are ") + JsonTypeName(*tags);
    for (const auto& [name, value] : tags->items()) {
      if (!value.is_string()) return "has a tag `" + name + "` that is not a string";
    }
  }
  if (auto properties = item.find("properties");
      properties != item.end() && !properties->is_null() && !properties->is_object()) {
    return std::string("has `properties` that are ") + JsonTypeName(*properties) +
           ", not an object";
  }
  return std::nullopt;
}

Result<Page> ParsePage(Json body) {
  Page page;
  // ARM answers every list with a page, even an empty one; a 204 or an empty body is not "none".
  if (body.is_null()) return MakeError(ErrorCode::kInternal, "ARM list page is empty, not a page");
  if (!body.is_object())
    return MakeError(ErrorCode::kInternal,
                     std::string("ARM list page is ") + JsonTypeName(body) + ", not a JSON object");
  auto value = body.find("value");
  if (value == body.end() || !value->is_array())
    return MakeError(ErrorCode::kInternal, "ARM list page has no `value` array");
  if (auto it = body.find("nextLink"); it != body.end() && !it->is_null()) {
    if (!it->is_string())
      return MakeError(ErrorCode::kInternal, "ARM list page: `nextLink` is not a string");
    if (!it->get_ref<const std::string&>().empty()) page.next_link = it->get<std::string>();
  }
  page.items.reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    Json& item = (*value)[i];
    if (auto error = ResourceEnvelopeError(item)) {
      return MakeError(ErrorCode::kInternal,
                       "ARM list page: item " + std::to_string(i) + " " + *error);
    }
    page.items.push_back(std::move(item));
  }
  return page;
}

}  // namespace keyward::azure
