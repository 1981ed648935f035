// The lock backends' HTTP client: one synchronous request over cpprestsdk (the HTTP client the
// ARM transport already uses), with a per-call timeout, an optional cancellation flag, and TLS
// with a CA file and a client certificate (mutual TLS for etcd).
//
// Why cpprestsdk and not cpp-httplib (which the daemon's server uses): etcd 3.4's JSON gateway
// answers every error ("election: no leader", "requested lease not found", "invalid auth token")
// as a chunked response with an HTTP trailer (Grpc-Trailer-Content-Type), and Debian 12's
// cpp-httplib 0.11 fails to read such a response at all, which would turn every etcd error into
// an opaque transport failure. cpprestsdk reads them, supports per-request cancellation (an
// election campaign blocks until elected), and takes client certificates through its asio SSL
// context. It is its own adapter here, apart from the ARM transport: coordination/ must not depend
// on providers/.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/result.h"

namespace keyward::coordination {

struct HttpUrl {
  std::string scheme;  // "http" | "https"
  std::string host;
  int port = 0;
  std::string path;  // "" or "/devstoreaccount1" (no trailing slash)

  std::string Origin() const;  // scheme://host:port
};
// Accepts http(s)://host[:port][/path]; the default ports are 80 / 443.
Result<HttpUrl> ParseHttpUrl(const std::string& url);

struct HttpTls {
  std::string ca_file;    // extra trust anchor; empty: the system's
  std::string cert_file;  // client certificate (mutual TLS); empty: none
  std::string key_file;
};

struct HttpCall {
  std::string method = "GET";
  std::string path;  // with the query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;                  // set with a body
  std::chrono::milliseconds timeout{5'000};  // connect and each read / write
};

struct HttpReply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::string Header(const std::string& name) const;  // "" when absent; name case-insensitive
};

class HttpClient {
 public:
  HttpClient(HttpUrl origin, HttpTls tls) : origin_(std::move(origin)), tls_(std::move(tls)) {}
  // Any HTTP status is a reply; only a transport failure (refused, reset, timeout, TLS) is an
  // error: kUnavailable naming the origin, or kCancelled when `cancel` became true (checked every
  // few milliseconds while the call blocks).
  Result<HttpReply> Send(const HttpCall& call, const std::atomic<bool>* cancel = nullptr) const;
  const HttpUrl& origin() const { return origin_; }

 private:
  HttpUrl origin_;
  HttpTls tls_;
};

}  // namespace keyward::coordination
