// Splitting text on one separator, keeping only the non-empty parts: "/a//b/" on '/' is
// {"a", "b"}. ARM ids, PATH-like lists and comma lists all want empty parts dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keyward::engine {

std::vector<std::string> SplitNonEmpty(std::string_view text, char separator);

}  // namespace keyward::engine
