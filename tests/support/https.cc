#include "tests/support/https.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cctype>
#include <csignal>
#include <memory>
#include <sstream>

#include "tests/support/emulator_process.h"

namespace keyward::testing {
namespace {

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  ERR_clear_error();
  return buffer;
}

struct ParsedUrl {
  std::string host;
  std::string port = "443";
  std::string path = "/";
};

bool ParseUrl(const std::string& url, ParsedUrl* out) {
  const std::string scheme = "https://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out->path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    out->host = authority.substr(0, colon);
    out->port = authority.substr(colon + 1);
  } else {
    out->host = authority;
  }
  return !out->host.empty();
}

std::string DecodeChunked(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    out.append(body, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string HttpsResult::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

nlohmann::json HttpsResult::Json() const {
  if (body.empty()) return nullptr;
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

namespace {

// The request line, headers and body as they go on the wire.
std::string Wire(const std::string& method, const std::string& path, const std::string& host,
                 const std::string& port, bool keep_alive, const Headers& headers,
                 const std::string& body) {
  std::ostringstream request;
  request << method << " " << path << " HTTP/1.1\r\n";
  request << "Host: " << host << ":" << port << "\r\n";
  request << "Connection: " << (keep_alive ? "keep-alive" : "close") << "\r\n";
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    if (strcasecmp(name.c_str(), "Content-Type") == 0) has_content_type = true;
    request << name << ": " << value << "\r\n";
  }
  if (!body.empty() && !has_content_type) request << "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request << "Content-Length: " << body.size() << "\r\n";
  }
  request << "\r\n" << body;
  return request.str();
}

bool WriteAll(BIO* bio, const std::string& wire, HttpsResult* result) {
  size_t written = 0;
  while (written < wire.size()) {
    int n = BIO_write(bio, wire.data() + written, static_cast<int>(wire.size() - written));
    if (n <= 0) {
      result->error = "write failed: " + OpenSslError();
      return false;
    }
    written += static_cast<size_t>(n);
  }
  return true;
}

// Parses the status line and headers of `response` (up to header_end) into `result`.
bool ParseHead(const std::string& response, size_t header_end, HttpsResult* result) {
  std::istringstream head(response.substr(0, header_end));
  std::string line;
  std::getline(head, line);
  if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) {
    result->error = "bad status line: " + line;
    return false;
  }
  result->status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    result->headers[line.substr(0, colon)] = value;
  }
  return true;
}

// Reads one response. With `to_eof` (Connection: close) it reads until the server closes;
// otherwise exactly the response's Content-Length (or chunked body), leaving the connection open.
HttpsResult ReadResponse(BIO* bio, const std::string& method, bool to_eof) {
  HttpsResult result;
  std::string response;
  char buffer[16384];
  size_t header_end = std::string::npos;
  for (;;) {
    if (!to_eof && header_end == std::string::npos) header_end = response.find("\r\n\r\n");
    if (!to_eof && header_end != std::string::npos) {
      HttpsResult head;
      if (!ParseHead(response, header_end, &head)) return head;
      const std::string length = head.Header("Content-Length");
      const size_t have = response.size() - header_end - 4;
      if (method == "HEAD" || head.status == 204 || head.status == 304) break;
      if (!length.empty() && have >= std::stoul(length)) break;
      if (length.empty() && response.find("\r\n0\r\n\r\n", header_end) != std::string::npos) break;
    }
    int n = BIO_read(bio, buffer, sizeof(buffer));
    if (n <= 0) {
      if (!to_eof) {
        result.error = "connection closed or timed out after " + std::to_string(response.size()) +
                       " response bytes";
        return result;
      }
      break;  // EOF (Connection: close) or error; parse what arrived
    }
    response.append(buffer, static_cast<size_t>(n));
  }
  header_end = response.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    result.error = "incomplete response (" + std::to_string(response.size()) + " bytes)";
    return result;
  }
  if (!ParseHead(response, header_end, &result)) return result;
  result.body = response.substr(header_end + 4);
  if (strcasecmp(result.Header("Transfer-Encoding").c_str(), "chunked") == 0) {
    result.body = DecodeChunked(result.body);
  }
  if (method == "HEAD") result.body.clear();
  return result;
}

// Dials and completes the TLS handshake, verifying the certificate names the host dialled.
BIO* Connect(SSL_CTX* ctx, const ParsedUrl& parsed, std::chrono::seconds timeout,
             std::string* error) {
  BIO* bio = BIO_new_ssl_connect(ctx);
  SSL* ssl = nullptr;
  BIO_get_ssl(bio, &ssl);
  SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
  SSL_set_tlsext_host_name(ssl, parsed.host.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, parsed.host.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, parsed.host.c_str(), 0);
  }
  const std::string target = parsed.host + ":" + parsed.port;
  BIO_set_conn_hostname(bio, target.c_str());
  bool ok = BIO_do_connect(bio) > 0;
  if (ok && timeout.count() > 0) {
    // Bounds every later wait (the handshake included) instead of blocking forever.
    const timeval tv{static_cast<time_t>(timeout.count()), 0};
    const int fd = static_cast<int>(BIO_get_fd(bio, nullptr));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  if (!ok || BIO_do_handshake(bio) <= 0) {
    *error = "connect/handshake to " + target + " failed: " + OpenSslError();
    BIO_free_all(bio);
    return nullptr;
  }
  return bio;
}

SSL_CTX* ClientContext(const std::string& ca_file, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx || SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    *error = "cannot load CA file " + ca_file + ": " + OpenSslError();
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

int PortOf(BIO* bio, bool local) {
  const int fd = static_cast<int>(BIO_get_fd(bio, nullptr));
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  const int rc = local ? getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length)
                       : getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length);
  if (rc != 0) return -1;
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return -1;
}

}  // namespace

HttpsResult HttpsRequest(const std::string& method, const std::string& url, const Headers& headers,
                         const std::string& body, const std::string& ca_file) {
  HttpsResult result;
  ParsedUrl parsed;
  if (!ParseUrl(url, &parsed)) {
    result.error = "not an https URL: " + url;
    return result;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(ClientContext(ca_file, &result.error),
                                                        SSL_CTX_free);
  if (!ctx) return result;
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(
      Connect(ctx.get(), parsed, std::chrono::seconds(0), &result.error), BIO_free_all);
  if (!bio) return result;
  if (!WriteAll(bio.get(),
                Wire(method, parsed.path, parsed.host, parsed.port, false, headers, body), &result))
    return result;
  return ReadResponse(bio.get(), method, /*to_eof=*/true);
}

std::unique_ptr<HttpsConnection> HttpsConnection::Open(const std::string& endpoint,
                                                       const std::string& ca_file,
                                                       std::chrono::seconds timeout,
                                                       std::string* error) {
  ParsedUrl parsed;
  if (!ParseUrl(endpoint, &parsed)) {
    *error = "not an https URL: " + endpoint;
    return nullptr;
  }
  // Writing to a connection the server has closed must fail the request (status 0), not kill
  // the test process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<HttpsConnection> connection(new HttpsConnection);
  connection->host_ = parsed.host;
  connection->port_ = parsed.port;
  connection->ctx_ = ClientContext(ca_file, error);
  if (!connection->ctx_) return nullptr;
  connection->bio_ = Connect(connection->ctx_, parsed, timeout, error);
  if (!connection->bio_) return nullptr;
  return connection;
}

HttpsConnection::~HttpsConnection() {
  if (bio_) BIO_free_all(bio_);
  if (ctx_) SSL_CTX_free(ctx_);
}

HttpsResult HttpsConnection::Send(const std::string& method, const std::string& path_and_query,
                                  const Headers& headers, const std::string& body) {
  HttpsResult result;
  if (!WriteAll(bio_, Wire(method, path_and_query, host_, port_, true, headers, body), &result))
    return result;
  return ReadResponse(bio_, method, /*to_eof=*/false);
}

int HttpsConnection::local_port() const { return PortOf(bio_, true); }
int HttpsConnection::remote_port() const { return PortOf(bio_, false); }

std::string FormEncode(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string GetToken(const EmulatorProcess& emulator) {
  std::string form = "grant_type=client_credentials&client_id=" + FormEncode(kClientId) +
                     "&client_secret=" + FormEncode(kClientSecret) +
                     "&scope=" + FormEncode("https://management.azure.com/.default");
  HttpsResult r = HttpsRequest("POST", emulator.endpoint() + "/" + kTenantId + "/oauth2/v2.0/token",
                               {{"Content-Type", "application/x-www-form-urlencoded"}}, form,
                               emulator.ca_file());
  if (r.status != 200) return std::string();
  auto json = r.Json();
  return json.is_object() ? json.value("access_token", "") : std::string();
}

HttpsResult ArmRequest(const EmulatorProcess& emulator, const std::string& token,
                       const std::string& method, const std::string& path_and_query,
                       const nlohmann::json& body, const Headers& extra_headers) {
  Headers headers = extra_headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  std::string payload = body.is_null() ? std::string() : body.dump();
  return HttpsRequest(method, emulator.endpoint() + path_and_query, headers, payload,
                      emulator.ca_file());
}

}  // namespace keyward::testing
