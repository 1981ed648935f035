#include "emulator/server.h"

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>

#include "emulator/access_policies.h"
#include "emulator/admin.h"
#include "emulator/identity.h"
#include "emulator/key_family.h"
#include "emulator/managed_hsms.h"
#include "emulator/network.h"
#include "emulator/operations.h"
#include "emulator/operations_list.h"
#include "emulator/private_endpoint_connections.h"
#include "emulator/private_link_resources.h"
#include "emulator/resource_groups.h"
#include "emulator/secrets.h"
#include "emulator/util.h"
#include "emulator/vaults.h"

namespace keyward::emulator {
namespace {

constexpr char kKeyVaultServiceVersion[] = "1.5.1361.0";

std::string JoinVersions(const std::vector<std::string>& versions) {
  std::string out;
  for (const auto& v : versions) out += (out.empty() ? "" : ",") + v;
  return out;
}

}  // namespace

const std::vector<std::string>& SupportedApiVersions(ApiFamily family) {
  static const std::vector<std::string> kKeyVault = {"2024-11-01"};
  static const std::vector<std::string> kResources = {"2019-10-01", "2020-06-01", "2021-04-01",
                                                      "2022-09-01", "2023-07-01", "2024-03-01",
                                                      "2024-07-01", "2024-11-01", "2025-04-01"};
  static const std::vector<std::string> kGeneric = {"2015-11-01", "2021-04-01"};
  // Microsoft.Network private endpoints: the recent stable versions whose shape network.cc renders.
  static const std::vector<std::string> kNetwork = {"2023-09-01", "2023-11-01", "2024-01-01",
                                                    "2024-03-01", "2024-05-01", "2024-07-01"};
  static const std::vector<std::string> kNoVersions;
  switch (family) {
    case ApiFamily::kKeyVault:
      return kKeyVault;
    case ApiFamily::kResources:
      return kResources;
    case ApiFamily::kGenericResources:
      return kGeneric;
    case ApiFamily::kNetwork:
      return kNetwork;
    case ApiFamily::kNone:
      break;
  }
  return kNoVersions;
}

struct Server::HttpState {
  std::unique_ptr<httplib::SSLServer> server;
  std::atomic<int> port{-1};
};

namespace {

// cpp-httplib 0.11 gives handlers no access to the connection's socket and keeps an idle
// keep-alive connection in a wait loop for up to 5 s, which stop() does not interrupt. So the
// emulator finds its accepted sockets itself (Linux: /proc/self/fd) by local port, and optionally
// by peer port, and shuts them down. shutdown() (not close()) leaves the descriptor to httplib, so
// there is no descriptor-reuse race; SHUT_RD wakes the idle wait without cutting a response that
// is still being written, SHUT_RDWR drops a connection on the spot.
void ShutdownConnections(int local_port, int peer_port, int how) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    struct stat st;
    if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;  // not connected (e.g. the listener)
    }
    auto port_of = [](const sockaddr_storage& a) {
      if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
      if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
      return static_cast<uint16_t>(0);
    };
    if (port_of(local) != local_port) continue;
    if (peer_port >= 0 && port_of(peer) != peer_port) continue;
    shutdown(static_cast<int>(fd), how);
  }
  closedir(dir);
}

}  // namespace

void OnResourceGroupDelete(
    const ServiceContext& context, const std::string& type,
    std::function<void(Store::Tx&, const StoredResource&, double now)> remove) {
  context.resource_group_delete_hooks->push_back(
      [type, remove = std::move(remove)](Store::Tx& tx, const std::string& rg_key, double now) {
        for (const auto& resource : tx.List({type, rg_key, "", "", -1})) remove(tx, resource, now);
      });
}

Server::Server(ServerOptions options, std::unique_ptr<Store> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      throttler_(options_.throttling, options_.throttle_scale),
      faults_(&stats_),
      http_(new HttpState) {
  if (!options_.now) options_.now = WallClockNow;
  faults_.Set(options_.faults);
  operations_ = std::make_unique<Operations>(*store_, options_);
  context_.store = store_.get();
  context_.stats = &stats_;
  context_.requests = &requests_;
  requests_.set_capacity(options_.request_log_size);
  context_.operations = operations_.get();
  context_.options = &options_;
  context_.resource_group_delete_hooks = &rg_delete_hooks_;
  AddTicker([this](double now) { operations_->CompleteDue(now); });
}

Server::~Server() = default;

void Server::RegisterAllRoutes(Identity& identity) {
  identity_ = &identity;
  context_.identity = &identity;
  // The one place where route families are wired together; add new families here.
  identity.RegisterRoutes(router_);
  RegisterAdminRoutes(router_, context_, [this] {
    store_->Reset();
    stats_.Reset();
    requests_.Reset();
    throttler_.Reset();
  });
  // Throttling first, then faults: ARM admits a request before the RP can fail it.
  InstallThrottling(*this, throttler_);
  InstallFaults(*this, faults_);
  operations_->RegisterRoutes(router_);
  RegisterResourceGroupRoutes(router_, context_);
  RegisterVaultRoutes(router_, context_);
  RegisterKeyRoutes(router_, context_);
  RegisterSecretRoutes(router_, context_);
  RegisterAccessPolicyRoutes(router_, context_);
  RegisterOperationsListRoutes(router_, context_);
  RegisterPrivateLinkResourceRoutes(router_, context_);
  RegisterManagedHsmRoutes(router_, context_);
  RegisterPrivateEndpointConnectionRoutes(router_, context_);
  RegisterNetworkRoutes(router_, context_);
}

std::optional<Reply> Server::CheckGateway(RequestContext& request, const Route& route) {
  if (route.requires_auth && identity_ != nullptr) {
    auto auth = identity_->Authenticate(request);
    if (auto* error = std::get_if<ArmError>(&auth)) return Reply::Error(*error);
    request.caller = std::get<Principal>(auth);
  }
  if (route.api != ApiFamily::kNone) {
    if (!request.HasQuery("api-version")) {
      return Reply::Error({400,
                           "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all "
                           "requests.",
                           {{"x-ms-failure-cause", "gateway"}}});
    }
    std::string version = request.Query("api-version");
    const auto& supported = SupportedApiVersions(route.api);
    if (std::find(supported.begin(), supported.end(), version) == supported.end()) {
      return Reply::Error({400,
                           "InvalidApiVersionParameter",
                           "The api-version '" + version +
                               "' is invalid. The supported versions "
                               "are '" +
                               JoinVersions(supported) + "'.",
                           {{"x-ms-failure-cause", "gateway"}}});
    }
  }
  if (request.vars.count("subscriptionId") && !IsGuid(request.Var("subscriptionId"))) {
    return Reply::Error({400,
                         "InvalidSubscriptionId",
                         "The provided subscription identifier '" + request.Var("subscriptionId") +
                             "' is malformed or invalid.",
                         {{"x-ms-failure-cause", "gateway"}}});
  }
  // ARM resolves the resource group before routing to the RP (ARM-NOTES §8 item 3).
  if (route.api != ApiFamily::kResources && request.vars.count("resourceGroupName")) {
    std::string key = ToLower("/subscriptions/" + request.Var("subscriptionId") +
                              "/resourcegroups/" + request.Var("resourceGroupName"));
    bool exists = store_->Transact([&](Store::Tx& tx) { return tx.Get(key).has_value(); });
    if (!exists) {
      auto error = ResourceGroupNotFound(request.Var("resourceGroupName"));
      error.headers.emplace_back("x-ms-failure-cause", "gateway");
      return Reply::Error(error);
    }
  }
  return std::nullopt;
}

Reply Server::Dispatch(RequestContext& request) {
  request.now = options_.now();
  for (const auto& ticker : tickers_) ticker(request.now);

  Router::Match match = router_.Find(request.method, request.path);
  Reply reply;
  if (match.route == nullptr) {
    if (match.path_known) {
      reply = Reply::Error(
          {405, "MethodNotAllowed",
           "The requested resource does not support http method '" + request.method + "'."});
    } else {
      // ARM answers unknown types under a provider namespace with InvalidResourceType.
      std::vector<std::string> segments = SplitPath(request.path);
      auto providers = std::find_if(segments.begin(), segments.end(), [](const std::string& s) {
        return EqualsIgnoreCase(s, "providers");
      });
      if (providers != segments.end() && std::distance(providers, segments.end()) >= 3) {
        reply = Reply::Error({404, "InvalidResourceType",
                              "The resource type '" + *(providers + 2) +
                                  "' could not be found in the namespace '" + *(providers + 1) +
                                  "' for api version '" + request.Query("api-version") + "'."});
      } else {
        reply = Reply::Error(
            {404, "NotFound",
             "The requested path '" + request.path + "' is not served by keyward-arm-emulator."});
      }
    }
    stats_.Record("Unknown", reply.status);
    AddStandardHeaders(request, nullptr, reply);
    return reply;
  }

  const Route& route = *match.route;
  request.vars = std::move(match.vars);
  request.operation_id = route.operation_id;
  std::optional<Reply> early = CheckGateway(request, route);
  if (!early) {
    for (const auto& interceptor : interceptors_) {
      early = interceptor(request, route);
      if (early) break;
    }
  }
  if (early) {
    reply = std::move(*early);
  } else {
    try {
      reply = route.handler(request);
    } catch (const std::exception& e) {
      spdlog::error("{} {} failed: {}", request.method, request.path, e.what());
      reply = Reply::Error(
          {500, "InternalServerError", "keyward-arm-emulator hit an internal error; see its log."});
    }
  }
  for (const auto& decorator : decorators_) decorator(request, &route, reply);
  if (!EqualsIgnoreCase(route.operation_id, "_emulator"))
    stats_.Record(route.operation_id, reply.status);
  AddStandardHeaders(request, &route, reply);
  return reply;
}

void Server::AddStandardHeaders(const RequestContext& request, const Route* route, Reply& reply) {
  std::string request_id = NewGuid();
  std::string correlation = request.Header("x-ms-correlation-request-id");
  if (correlation.empty()) correlation = request_id;
  reply.WithHeader("x-ms-request-id", request_id);
  reply.WithHeader("x-ms-correlation-request-id", correlation);
  std::string client_request_id = request.Header("x-ms-client-request-id");
  if (!client_request_id.empty()) reply.WithHeader("x-ms-client-request-id", client_request_id);
  reply.WithHeader("x-ms-routing-request-id",
                   options_.region + ":" + FormatCompactTimestamp(request.now) + ":" + request_id);
  reply.WithHeader("Date", FormatHttpDate(request.now));
  reply.WithHeader("Cache-Control", "no-cache");
  reply.WithHeader("Pragma", "no-cache");
  reply.WithHeader("Expires", "-1");
  if (route != nullptr && route->api == ApiFamily::kKeyVault) {
    reply.WithHeader("x-ms-keyvault-service-version", kKeyVaultServiceVersion);
  }
}

namespace {

RequestContext ToRequestContext(const httplib::Request& req) {
  RequestContext request;
  request.method = req.method;
  request.path = req.path;
  for (const auto& [k, v] : req.params) request.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) request.headers.emplace(k, v);
  request.body = req.body;
  request.base_url = "https://" + req.get_header_value("Host");
  return request;
}

// Fault injection marks a "connection reset" with an internal header instead of an answer.
bool IsInjectedReset(const Reply& reply) {
  return std::any_of(reply.headers.begin(), reply.headers.end(), [](const auto& header) {
    return EqualsIgnoreCase(header.first, kResetConnectionHeader);
  });
}

void WriteReply(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  bool has_content_type = false;
  for (const auto& [k, v] : reply.headers) {
    if (EqualsIgnoreCase(k, "Content-Type")) has_content_type = true;
    res.set_header(k, v);
  }
  std::string content_type = "application/json; charset=utf-8";
  if (has_content_type) content_type = res.get_header_value("Content-Type");
  if (reply.body.empty()) {
    res.set_header("Content-Type", content_type);
    // RFC 9110: no Content-Length on 204; ARM sends "Content-Length: 0" on empty 200/202.
    if (reply.status != 204) res.set_header("Content-Length", "0");
  } else {
    res.set_content(reply.body, content_type.c_str());
  }
}

void ConfigureConnections(httplib::SSLServer& server, const ServerOptions& options) {
  // SDK clients keep connections alive across polls; httplib's default of 5 requests is too low.
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(std::max(1, options.keep_alive_seconds));
  // Small ARM responses must leave at once: with Nagle on, a response written in two pieces waits
  // for the client's delayed ACK (about 40 ms per keep-alive request). Set on the listening
  // socket; Linux hands it on to every accepted socket.
  server.set_tcp_nodelay(true);
  // httplib's pool follows the core count (8 threads here), and each keep-alive client holds a
  // thread while it idles: a fleet benchmark's 10+ clients, or the HA tests' three daemons with
  // parallel workers, would queue behind idle ones.
  const int threads = std::max(1, options.max_connections);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(R"({"error":{"code":"InternalServerError","message":"internal error"}})",
                        "application/json; charset=utf-8");
      });
}

// Binds HOST:PORT (port 0: any free port); the bound port, or -1 with `error` set.
int Bind(httplib::SSLServer& server, const std::string& host, int port, std::string* error) {
  if (port == 0) {
    int bound = server.bind_to_any_port(host);
    if (bound < 0) *error = "cannot bind " + host + ":0";
    return bound < 0 ? -1 : bound;
  }
  if (!server.bind_to_port(host, port)) {
    *error = "cannot bind " + host + ":" + std::to_string(port);
    return -1;
  }
  return port;
}

}  // namespace

bool Server::Serve(const std::string& host, int port, const std::string& cert_file,
                   const std::string& key_file, const std::function<void(int)>& on_bound,
                   std::string* error) {
  http_->server = std::make_unique<httplib::SSLServer>(cert_file.c_str(), key_file.c_str());
  auto& server = *http_->server;
  if (!server.is_valid()) {
    *error = "cannot load TLS certificate '" + cert_file + "' / key '" + key_file + "'";
    return false;
  }
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    const double arrived = options_.now();
    RequestContext request = ToRequestContext(req);
    Reply reply = Dispatch(request);
    if (!EqualsIgnoreCase(request.operation_id, "_emulator"))
      requests_.Record({0, arrived, options_.now(), req.method, req.path, request.operation_id,
                        reply.status, req.get_header_value("User-Agent"),
                        req.get_header_value("x-ms-client-request-id")});
    if (IsInjectedReset(reply)) {
      // Injected "connection reset": drop the connection without a single response byte.
      ShutdownConnections(req.local_port, req.remote_port, SHUT_RDWR);
      res.status = 500;
      spdlog::info("{} {} -> connection dropped (fault)", req.method, req.path);
      return;
    }
    WriteReply(reply, res);
    spdlog::info("{} {} -> {} {}", req.method, req.path, reply.status, reply.error_code);
  };
  const char* kAll = ".*";
  server.Get(kAll, handle);
  server.Post(kAll, handle);
  server.Put(kAll, handle);
  server.Patch(kAll, handle);
  server.Delete(kAll, handle);
  server.Options(kAll, handle);
  ConfigureConnections(server, options_);
  int bound = Bind(server, host, port, error);
  if (bound < 0) return false;
  http_->port = bound;
  on_bound(bound);
  server.listen_after_bind();
  return true;
}

void Server::Stop() {
  if (!http_->server) return;
  http_->server->stop();
  // Wake connections idling in keep-alive so that listen_after_bind() returns now rather than
  // after the keep-alive timeout (was 3-5 s per idle client).
  if (http_->port >= 0) ShutdownConnections(http_->port, -1, SHUT_RD);
}

}  // namespace keyward::emulator
