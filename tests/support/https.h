// A minimal, self-contained HTTPS/1.1 client for tests (OpenSSL BIO), independent of both the
// keyward ARM client and the emulator's HTTP stack, so that a shared misunderstanding of the wire
// cannot hide a bug. HttpsRequest makes one request per connection (Connection: close);
// HttpsConnection keeps one connection alive across requests and never reconnects, so a test can
// tell whether the server kept it open.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace keyward::testing {

class EmulatorProcess;

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpsResult {
  int status = 0;  // 0 = transport failure, see error
  std::string error;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;

  std::string Header(const std::string& name) const;
  bool HasHeader(const std::string& name) const { return headers.count(name) > 0; }
  // Parsed body; a null json when the body is empty or not JSON.
  nlohmann::json Json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// method: GET/PUT/POST/PATCH/DELETE/HEAD. url: absolute https URL. ca_file: PEM trust anchor.
HttpsResult HttpsRequest(const std::string& method, const std::string& url, const Headers& headers,
                         const std::string& body, const std::string& ca_file);

// One keep-alive connection. Every call fails (status 0) once the server has closed it.
class HttpsConnection {
 public:
  // Connects and completes the TLS handshake; a receive wait longer than `timeout` fails.
  static std::unique_ptr<HttpsConnection> Open(const std::string& endpoint,
                                               const std::string& ca_file,
                                               std::chrono::seconds timeout, std::string* error);
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // path_and_query is sent on this connection (Connection: keep-alive).
  HttpsResult Send(const std::string& method, const std::string& path_and_query,
                   const Headers& headers = {}, const std::string& body = {});
  int local_port() const;   // this side's TCP port
  int remote_port() const;  // the server's

 private:
  HttpsConnection() = default;
  SSL_CTX* ctx_ = nullptr;
  BIO* bio_ = nullptr;
  std::string host_;
  std::string port_;
};

// Client-credentials token for the fixture's default principal (scope = ARM).
std::string GetToken(const EmulatorProcess& emulator);

// ARM call with "Authorization: Bearer <token>"; path_and_query is appended to endpoint().
// A JSON body (non-null) is sent with Content-Type application/json.
HttpsResult ArmRequest(const EmulatorProcess& emulator, const std::string& token,
                       const std::string& method, const std::string& path_and_query,
                       const nlohmann::json& body = nullptr, const Headers& extra_headers = {});

// application/x-www-form-urlencoded escaping of one value.
std::string FormEncode(const std::string& value);

}  // namespace keyward::testing
