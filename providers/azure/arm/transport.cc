// cpprestsdk transport. All cpprest exceptions are caught here and become kUnavailable errors
// (STYLE.md: exceptions from third-party code stop at the adapter).
#include "providers/azure/arm/transport.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace keyward::azure {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// cpprest names methods by their HTTP token, the same string HttpMethodName gives.
web::http::method ToCpprestMethod(HttpMethod method) { return HttpMethodName(method); }

struct BodyTooLarge : std::runtime_error {
  BodyTooLarge() : std::runtime_error("response body too large") {}
};

// Reads the body, refusing it (BodyTooLarge) as soon as it is known to exceed `max_bytes`: a
// server cannot make keyward buffer more than that.
std::string ReadBodyAtMost(web::http::http_response& response, size_t max_bytes) {
  if (response.headers().content_length() > max_bytes) throw BodyTooLarge();
  auto body = response.body();
  concurrency::streams::container_buffer<std::string> buffer;
  size_t total = 0;  // the buffer's string is grown ahead of what was written
  for (;;) {
    const size_t n = body.read(buffer, 64 * 1024).get();
    if (n == 0) break;
    total += n;
    if (total > max_bytes) throw BodyTooLarge();
  }
  std::string out = std::move(buffer.collection());
  out.resize(total);
  return out;
}

// The authority part only, for error messages: never the query (may hold tokens).
std::string Where(const std::string& url) {
  std::string authority, path;
  if (!SplitUrl(url, &authority, &path)) return "<invalid url>";
  return authority + path.substr(0, path.find('?'));
}

}  // namespace

const char* HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kHead:
      return "HEAD";
  }
  return "GET";
}

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

void HttpHeaders::Remove(std::string_view name) {
  auto it = map_.find(std::string(name));
  if (it != map_.end()) map_.erase(it);
}

bool HttpHeaders::Contains(std::string_view name) const {
  return map_.find(std::string(name)) != map_.end();
}

std::optional<std::string> HttpHeaders::Get(std::string_view name) const {
  auto it = map_.find(std::string(name));
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

std::string HttpHeaders::GetOr(std::string_view name, std::string fallback) const {
  auto value = Get(name);
  return value ? *value : fallback;
}

OperationKind OperationKindOf(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
    case HttpMethod::kHead:
      return OperationKind::kRead;
    case HttpMethod::kDelete:
      return OperationKind::kDelete;
    default:
      return OperationKind::kWrite;
  }
}

bool SplitUrl(std::string_view url, std::string* authority, std::string* path_and_query) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = url.substr(0, scheme_end);
  if (!EqualsIgnoreCase(scheme, "https") && !EqualsIgnoreCase(scheme, "http")) return false;
  size_t host_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", host_start);
  if (path_start == std::string_view::npos) path_start = url.size();
  if (path_start == host_start) return false;  // no host
  std::string auth(url.substr(0, path_start));
  // Scheme and host are case-insensitive; normalise so that cache keys and same-host checks agree.
  std::transform(auth.begin(), auth.end(), auth.begin(), Lower);
  *authority = std::move(auth);
  std::string rest(url.substr(path_start));
  if (rest.empty() || rest[0] != '/') rest.insert(rest.begin(), '/');
  size_t fragment = rest.find('#');
  if (fragment != std::string::npos) rest.resize(fragment);
  *path_and_query = std::move(rest);
  return true;
}

Status CheckCaFile(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  if (!bio) {
    const int error = errno;
    ERR_clear_error();
    return MakeError(ErrorCode::kFailedPrecondition,
                     "CA file " + path + " cannot be read: " + std::strerror(error));
  }
  int certificates = 0;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(certificate);
    ++certificates;
  }
  ERR_clear_error();  // the read that ends the loop always fails
  if (certificates == 0)
    return MakeError(ErrorCode::kFailedPrecondition,
                     "CA file " + path +
                         " holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)");
  return {};
}

namespace {

web::http::http_request ToCpprestRequest(const HttpRequest& request,
                                         const std::string& path_and_query) {
  web::http::http_request message(ToCpprestMethod(request.method));
  message.set_request_uri(path_and_query);
  std::string content_type = "application/json; charset=utf-8";
  for (const auto& [name, value] : request.headers.all()) {
    if (EqualsIgnoreCase(name, "Content-Type")) {
      content_type = value;
      continue;
    }
    message.headers().add(name, value);
  }
  if (!request.body.empty()) message.set_body(request.body, content_type);
  return message;
}

// Polls for cancellation and the deadline while the request is in flight, so neither a SIGTERM
// nor a server dripping its answer byte by byte is waited out; either cancels the task. Real time
// is fine here: this is the I/O edge, not logic. True when the deadline expired.
bool WaitOrExpire(const pplx::task<HttpResponse>& task, pplx::cancellation_token_source& cancel,
                  const Context& ctx,
                  const std::optional<std::chrono::steady_clock::time_point>& deadline) {
  while (!task.is_done()) {
    if (ctx.IsCancelled()) {
      cancel.cancel();
      return false;
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      cancel.cancel();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// Leaves a cancelled request behind without ever waiting on the server.
void Abandon(pplx::task<HttpResponse>& task) {
  // Cancelling closes the connection; give that a moment.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (!task.is_done() && std::chrono::steady_clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Whenever the abandoned request ends, observe its outcome: pplx terminates the process on an
  // exception nobody looked at.
  task.then([](pplx::task<HttpResponse> done) {
    try {
      done.get();
    } catch (...) {
    }
  });
}

// The certificates every connection trusts: the system's default paths plus the extra CA file,
// parsed once per transport and shared. cpprest builds a new TLS context for each connection, and
// with OpenSSL 3 parsing the system bundle costs tens of milliseconds of CPU: loading it into
// every context a second time was a quarter of a no-change plan's CPU (docs/benchmarks.md).
std::shared_ptr<X509_STORE> LoadTrustStore(const std::string& ca_file) {
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  if (!store) return nullptr;
  // Errors surface as TLS failures, as before: a missing system bundle leaves only the CA file.
  X509_STORE_set_default_paths(store.get());
  if (!ca_file.empty()) X509_STORE_load_file(store.get(), ca_file.c_str());
  ERR_clear_error();
  return store;
}

}  // namespace

struct CpprestTransport::Impl {
  CpprestTransportOptions options;
  std::mutex mu;
  std::optional<Status> ca_file_ok;   // CheckCaFile(options.ca_file), once
  std::shared_ptr<X509_STORE> trust;  // LoadTrustStore(options.ca_file), once
  std::map<std::string, std::shared_ptr<web::http::client::http_client>> clients;

  std::shared_ptr<web::http::client::http_client> ClientFor(const std::string& authority) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = clients.find(authority);
    if (it != clients.end()) return it->second;
    if (!trust) trust = LoadTrustStore(options.ca_file);
    web::http::client::http_client_config config;
    config.set_timeout(options.timeout);
    config.set_validate_certificates(true);  // never false: there is no option for it
    config.set_ssl_context_callback([store = trust](boost::asio::ssl::context& ssl) {
      // Replaces whatever cpprest loaded into this connection's context (it loads the default
      // paths itself) with the shared store; set1 takes its own reference.
      if (store) SSL_CTX_set1_cert_store(ssl.native_handle(), store.get());
    });
    auto client = std::make_shared<web::http::client::http_client>(authority, config);
    clients.emplace(authority, client);
    return client;
  }
};

CpprestTransport::CpprestTransport(CpprestTransportOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

CpprestTransport::~CpprestTransport() = default;

Result<HttpResponse> CpprestTransport::Send(const HttpRequest& request, const Context& ctx) {
  std::string authority, path_and_query;
  if (!SplitUrl(request.url, &authority, &path_and_query)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not an absolute http(s) URL: " + Where(request.url));
  }
  // The deadline in real time: ctx.clock may be a test clock, the network is not.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (auto left = ctx.Remaining()) {
    if (left->count() <= 0) {
      return MakeError(ErrorCode::kDeadlineExceeded, "the deadline passed before it was sent");
    }
    deadline = std::chrono::steady_clock::now() + *left;
  }
  if (!impl_->options.ca_file.empty()) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->ca_file_ok) impl_->ca_file_ok = CheckCaFile(impl_->options.ca_file);
    if (!*impl_->ca_file_ok) return tl::unexpected(impl_->ca_file_ok->error());
  }
  try {
    auto client = impl_->ClientFor(authority);
    web::http::http_request message = ToCpprestRequest(request, path_and_query);

    pplx::cancellation_token_source cancel;
    const size_t max_bytes = impl_->options.max_response_bytes;
    auto task = client->request(message, cancel.get_token())
                    .then([max_bytes, cancel](web::http::http_response response) {
                      HttpResponse out;
                      out.status = response.status_code();
                      for (const auto& [name, value] : response.headers())
                        out.headers.Set(name, value);
                      try {
                        out.body = ReadBodyAtMost(response, max_bytes);
                      } catch (const BodyTooLarge&) {
                        // Close the connection: otherwise cpprest goes on reading the rest of
                        // the body into a buffer nobody will ever read (LeakSanitizer saw the
                        // 32 MiB still held at exit).
                        cancel.cancel();
                        throw;
                      }
                      return out;
                    });
    if (WaitOrExpire(task, cancel, ctx, deadline)) {
      Abandon(task);
      return MakeError(ErrorCode::kDeadlineExceeded, "no complete response by the deadline");
    }
    try {
      return task.get();
    } catch (const pplx::task_canceled&) {
      return MakeError(ErrorCode::kCancelled, "request cancelled");
    } catch (const BodyTooLarge&) {
      return MakeError(ErrorCode::kInternal, "the response is larger than " +
                                                 std::to_string(max_bytes) + " bytes; refused");
    }
  } catch (const std::exception& e) {
    // cpprest messages name the failing step (connect, handshake, timeout) and not the query.
    return MakeError(ErrorCode::kUnavailable, std::string("HTTP transport error: ") + e.what());
  }
}

}  // namespace keyward::azure
