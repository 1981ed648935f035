#include "tests/support/https.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <strings.h>

#include <cctype>
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

HttpsResult HttpsRequest(const std::string& method, const std::string& url, const Headers& headers,
                         const std::string& body, const std::string& ca_file) {
  HttpsResult result;
  ParsedUrl parsed;
  if (!ParseUrl(url, &parsed)) {
    result.error = "not an https URL: " + url;
    return result;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  if (!ctx || SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
    result.error = "cannot load CA file " + ca_file + ": " + OpenSslError();
    return result;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new_ssl_connect(ctx.get()), BIO_free_all);
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
  SSL_set_tlsext_host_name(ssl, parsed.host.c_str());
  // Verify the certificate names the host we dialled (IP or DNS).
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, parsed.host.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, parsed.host.c_str(), 0);
  }
  std::string target = parsed.host + ":" + parsed.port;
  BIO_set_conn_hostname(bio.get(), target.c_str());
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) {
    result.error = "connect/handshake to " + target + " failed: " + OpenSslError();
    return result;
  }

  std::ostringstream request;
  request << method << " " << parsed.path << " HTTP/1.1\r\n";
  request << "Host: " << parsed.host << ":" << parsed.port << "\r\n";
  request << "Connection: close\r\n";
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
  std::string wire = request.str();
  size_t written = 0;
  while (written < wire.size()) {
    int n = BIO_write(bio.get(), wire.data() + written, static_cast<int>(wire.size() - written));
    if (n <= 0) {
      result.error = "write failed: " + OpenSslError();
      return result;
    }
    written += static_cast<size_t>(n);
  }

  std::string response;
  char buffer[16384];
  for (;;) {
    int n = BIO_read(bio.get(), buffer, sizeof(buffer));
    if (n <= 0) break;  // EOF (Connection: close) or error; parse what arrived
    response.append(buffer, static_cast<size_t>(n));
  }
  size_t header_end = response.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    result.error = "incomplete response (" + std::to_string(response.size()) + " bytes)";
    return result;
  }
  std::istringstream head(response.substr(0, header_end));
  std::string line;
  std::getline(head, line);
  if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) {
    result.error = "bad status line: " + line;
    return result;
  }
  result.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    result.headers[line.substr(0, colon)] = value;
  }
  result.body = response.substr(header_end + 4);
  if (strcasecmp(result.Header("Transfer-Encoding").c_str(), "chunked") == 0) {
    result.body = DecodeChunked(result.body);
  }
  if (method == "HEAD") result.body.clear();
  return result;
}

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
