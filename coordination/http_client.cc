#include "coordination/http_client.h"

#include <cpprest/http_client.h>

#include <boost/asio/ssl.hpp>
#include <cctype>
#include <thread>

namespace keyward::coordination {

std::string HttpUrl::Origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

Result<HttpUrl> ParseHttpUrl(const std::string& url) {
  HttpUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return MakeError(ErrorCode::kInvalidArgument, "not an http(s) URL: '" + url + "'");
  out.scheme = url.substr(0, scheme_end);
  for (char& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https")
    return MakeError(ErrorCode::kInvalidArgument, "not an http(s) URL: '" + url + "'");
  std::string rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  out.port = out.scheme == "https" ? 443 : 80;
  std::string host = authority;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:2379
    const auto close = authority.find(']');
    if (close == std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "bad host in '" + url + "'");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      authority = authority.substr(close + 1);
    else
      authority.clear();
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    authority = authority.substr(colon);
  } else {
    authority.clear();
  }
  if (!authority.empty()) {
    try {
      size_t used = 0;
      out.port = std::stoi(authority.substr(1), &used);
      if (used != authority.size() - 1 || out.port <= 0 || out.port > 65535) throw 0;
    } catch (...) {
      return MakeError(ErrorCode::kInvalidArgument, "bad port in '" + url + "'");
    }
  }
  if (host.empty()) return MakeError(ErrorCode::kInvalidArgument, "no host in '" + url + "'");
  out.host = host;
  return out;
}

std::string HttpReply::Header(const std::string& name) const {
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(lower);
  return it == headers.end() ? "" : it->second;
}

Result<HttpReply> HttpClient::Send(const HttpCall& call, const std::atomic<bool>* cancel) const {
  const std::string where = call.method + " " + origin_.Origin();
  try {
    web::http::client::http_client_config config;
    config.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(call.timeout));
    config.set_validate_certificates(true);  // never false: there is no option for it
    const HttpTls tls = tls_;
    config.set_ssl_context_callback([tls](boost::asio::ssl::context& ssl) {
      // Errors here surface as TLS failures of the request.
      boost::system::error_code ec;
      ssl.set_default_verify_paths(ec);
      if (!tls.ca_file.empty()) ssl.load_verify_file(tls.ca_file, ec);
      if (!tls.cert_file.empty()) {
        ssl.use_certificate_chain_file(tls.cert_file, ec);
        ssl.use_private_key_file(tls.key_file, boost::asio::ssl::context::pem, ec);
      }
    });
    web::http::client::http_client client(origin_.Origin(), config);
    web::http::http_request request(call.method);
    request.set_request_uri(call.path.empty() ? "/" : call.path);
    for (const auto& [name, value] : call.headers) request.headers().add(name, value);
    if (!call.body.empty())
      request.set_body(call.body,
                       call.content_type.empty() ? "application/octet-stream" : call.content_type);

    pplx::cancellation_token_source cancellation;
    auto task = client.request(request, cancellation.get_token())
                    .then([](web::http::http_response response) {
                      HttpReply reply;
                      reply.status = response.status_code();
                      for (const auto& [name, value] : response.headers()) {
                        std::string lower = name;
                        for (char& c : lower)
                          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                        reply.headers.emplace(lower, value);
                      }
                      auto bytes = response.extract_vector().get();
                      reply.body.assign(bytes.begin(), bytes.end());
                      return reply;
                    });
    // Real time is fine here: this is the I/O edge, not logic.
    while (!task.is_done()) {
      if (cancel && cancel->load()) {
        cancellation.cancel();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    try {
      return task.get();
    } catch (const pplx::task_canceled&) {
      return MakeError(ErrorCode::kCancelled, "cancelled: " + where);
    }
  } catch (const std::exception& e) {
    // cpprest messages name the failing step (connect, handshake, timeout), never headers.
    return MakeError(ErrorCode::kUnavailable, where + " failed: " + e.what());
  }
}

}  // namespace keyward::coordination
