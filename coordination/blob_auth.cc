#include "coordination/blob_auth.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "coordination/codec.h"
#include "engine/hmac.h"

namespace keyward::coordination {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool IsIpOrLocalhost(const std::string& host) {
  if (host == "localhost" || host.find(':') != std::string::npos) return true;  // IPv6
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

}  // namespace

std::string AccountNameOf(const std::string& host, const std::string& path) {
  if (IsIpOrLocalhost(host)) {
    std::string p = path;
    while (!p.empty() && p.front() == '/') p.erase(p.begin());
    return p.substr(0, p.find('/'));
  }
  return host.substr(0, host.find('.'));
}

std::string SharedKeyAuthorization(const SharedKeyRequest& request, const std::string& account,
                                   const std::string& key) {
  std::map<std::string, std::string> standard;  // lowercased standard headers
  std::map<std::string, std::string> ms;        // x-ms-* headers, sorted by name
  for (const auto& [name, value] : request.headers) {
    const std::string lower = Lower(name);
    if (lower.rfind("x-ms-", 0) == 0)
      ms[lower] = Trim(value);
    else
      standard[lower] = value;
  }
  auto header = [&](const char* name) {
    auto it = standard.find(name);
    return it == standard.end() ? std::string() : it->second;
  };
  std::string to_sign = request.method + "\n";
  to_sign += header("content-encoding") + "\n";
  to_sign += header("content-language") + "\n";
  to_sign += (request.content_length ? std::to_string(request.content_length) : "") + "\n";
  to_sign += header("content-md5") + "\n";
  to_sign += header("content-type") + "\n";
  to_sign += header("date") + "\n";
  to_sign += header("if-modified-since") + "\n";
  to_sign += header("if-match") + "\n";
  to_sign += header("if-none-match") + "\n";
  to_sign += header("if-unmodified-since") + "\n";
  to_sign += header("range") + "\n";
  for (const auto& [name, value] : ms) to_sign += name + ":" + value + "\n";
  to_sign += "/" + account + request.path;
  std::map<std::string, std::vector<std::string>> query;
  for (const auto& [name, value] : request.query) query[Lower(name)].push_back(value);
  for (auto& [name, values] : query) {
    std::sort(values.begin(), values.end());
    std::string joined;
    for (const std::string& v : values) joined += (joined.empty() ? "" : ",") + v;
    to_sign += "\n" + name + ":" + joined;
  }
  return "SharedKey " + account + ":" + Base64Encode(engine::HmacSha256(key, to_sign));
}

}  // namespace keyward::coordination
