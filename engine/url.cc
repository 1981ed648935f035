#include "engine/url.h"

#include <cctype>

namespace keyward::engine {
namespace {

// [start, end) of the authority ("user:pw@host:port") of the URL whose "://" is at `scheme_end`.
std::pair<size_t, size_t> AuthorityAt(std::string_view text, size_t scheme_end,
                                      std::string_view stop) {
  const size_t start = scheme_end + 3;
  size_t end = text.find_first_of(stop, start);
  if (end == std::string_view::npos) end = text.size();
  return {start, end};
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string RedactUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto [start, end] = AuthorityAt(url, scheme_end, "/?#");
  std::string_view authority = url.substr(start, end - start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view path = url.substr(end);
  path = path.substr(0, path.find_first_of("?#"));
  return std::string(url.substr(0, start)) + std::string(authority) + std::string(path);
}

std::string RedactUrls(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos;
       scheme_end = text.find("://", scheme_end + 3)) {
    size_t start = scheme_end;
    while (start > copied && std::isalpha(static_cast<unsigned char>(text[start - 1]))) --start;
    size_t end = text.find_first_of(" \t\r\n'\"<>`", scheme_end);
    if (end == std::string_view::npos) end = text.size();
    out.append(text.substr(copied, start - copied));
    out.append(RedactUrl(text.substr(start, end - start)));
    copied = end;
    scheme_end = end - 3;  // the next search starts after this URL
  }
  out.append(text.substr(copied));
  return out;
}

std::vector<std::string> UrlCredentials(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto [start, end] = AuthorityAt(url, scheme_end, "/?#");
  const std::string_view authority = url.substr(start, end - start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  const std::string_view userinfo = authority.substr(0, at);
  std::vector<std::string> out = {std::string(userinfo)};
  if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos)
    out.emplace_back(userinfo.substr(colon + 1));
  return out;
}

}  // namespace keyward::engine
