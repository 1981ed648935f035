// HTTP messages and the transport seam of the ARM client.
//
// HttpTransport is the last policy's collaborator: it sends one request and returns one
// response, or an Error (kUnavailable for connection / TLS / timeout failures, which the retry
// policy retries). CpprestTransport is the real implementation over cpprestsdk.
//
// Invariants:
//  - TLS is always verified. `ca_file` only *adds* a trust anchor to the system defaults;
//    there is deliberately no option to disable verification. A `ca_file` that is unreadable or
//    holds no certificate fails every Send (CheckCaFile) instead of being ignored.
//  - One http_client per scheme+host+port is created lazily and reused (connection reuse,
//    cpprest clients are thread-safe), guarded by a mutex.
//  - Header names are compared case-insensitively (HTTP semantics); values are kept verbatim.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/context.h"
#include "engine/result.h"
#include "providers/azure/arm/bounded_json.h"

namespace keyward::azure {

enum class HttpMethod { kGet, kPut, kPatch, kDelete, kPost, kHead };
const char* HttpMethodName(HttpMethod method);

// ASCII case-insensitive ordering for header names.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

class HttpHeaders {
 public:
  using Map = std::map<std::string, std::string, CaseInsensitiveLess>;

  void Set(std::string name, std::string value) { map_[std::move(name)] = std::move(value); }
  void Remove(std::string_view name);
  bool Contains(std::string_view name) const;
  // Value of the header, or nullopt. Lookup ignores case.
  std::optional<std::string> Get(std::string_view name) const;
  // Value or "" (convenience for logging and error details).
  std::string GetOr(std::string_view name, std::string fallback = {}) const;
  const Map& all() const { return map_; }
  bool empty() const { return map_.empty(); }

 private:
  Map map_;
};

// Whether the request reads, writes or deletes: selects the ARM throttling bucket
// (ARM-NOTES §3). POST actions count as writes.
enum class OperationKind { kRead, kWrite, kDelete };
OperationKind OperationKindOf(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;  // absolute: https://host[:port]/path?query
  HttpHeaders headers;
  std::string body;
  // The body (and the response body) may contain secret material (secret values, client
  // secrets): the logging policy must never print bodies anyway, but error messages built from
  // bodies are also suppressed when this is set.
  bool sensitive = false;
  // The caller vouches that applying the request twice does no harm (retry.h): a POST or PATCH
  // is then retried on a 408 or 502 as well.
  bool safe_to_repeat = false;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request. Any HTTP status is a successful Send; only failures to get a response
  // (DNS, connect, TLS, timeout, reset) are errors, with code kUnavailable. A response not
  // complete by ctx.deadline is abandoned (kDeadlineExceeded); a body larger than the
  // transport's limit is refused (kInternal: retrying would only fetch it again). Messages say
  // what failed, not the URL: callers name the operation (ArmClient::Send, the credentials).
  virtual Result<HttpResponse> Send(const HttpRequest& request, const Context& ctx) = 0;
};

struct CpprestTransportOptions {
  std::string ca_file;               // extra trust anchor (PEM), added to the system verify paths
  std::chrono::seconds timeout{60};  // per request; ARM's own RP timeout is 60 s
  size_t max_response_bytes = kMaxResponseBytes;  // larger bodies are refused, never read whole
};

class CpprestTransport : public HttpTransport {
 public:
  explicit CpprestTransport(CpprestTransportOptions options);
  ~CpprestTransport() override;
  Result<HttpResponse> Send(const HttpRequest& request, const Context& ctx) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `path` can serve as the extra trust anchor: a readable file holding at least one PEM
// certificate. kFailedPrecondition naming the file otherwise, so a wrong --ca-file is reported as
// what it is rather than as a TLS handshake failure.
Status CheckCaFile(const std::string& path);

// Splits "https://host:port/path?query" into ("https://host:port", "/path?query").
// Returns false when `url` is not an absolute http(s) URL.
bool SplitUrl(std::string_view url, std::string* authority, std::string* path_and_query);

}  // namespace keyward::azure
