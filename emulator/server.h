// The emulator's HTTP front: one catch-all handler per method feeds Dispatch(), which runs the
// ARM "gateway" middleware and then the matched route's handler.
//
// Middleware order (mirrors what real ARM does before an RP sees a request):
//   1. request ids (x-ms-request-id, correlation/client ids echoed) and lazy progress ("tickers":
//      LROs whose due time passed complete here, so no background thread is needed);
//   2. route match: unknown path => 404 InvalidResourceType/NotFound, known path + other method =>
//   405;
//   3. authentication (Bearer token from the emulator's token endpoint) for ARM routes;
//   4. api-version validation per ApiFamily, subscription id shape, resource group existence for
//      routes with a {resourceGroupName} var (404 ResourceGroupNotFound before any RP logic);
//   5. interceptors: throttling (throttle.h), then fault injection (faults.h); may answer instead
//      of the handler;
//   6. the handler; then decorators (hook for e.g. x-ms-ratelimit-remaining-* headers), standard
//      headers, stats.
//
// Adding a resource family (keys, secrets, managed HSMs, Microsoft.Network, ...):
//   * write `foo.h/.cc` with `void RegisterFooRoutes(Router&, const ServiceContext&)` that adds one
//     Route per ARM operation (method, pattern with {vars}, ARM operationId, ApiFamily, handler);
//   * call it from RegisterAllRoutes() in server.cc - the single place where families are wired;
//   * keep state in the generic Store table (lowercased ARM id as key, JSON body in caller casing);
//   * if the family has children that must go when a resource group is deleted, add a hook to
//     ServiceContext::resource_group_delete_hooks; LROs go through Operations (operations.h).
// No static initializers: registration is explicit so the route table is easy to read and test.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/arm_error.h"
#include "emulator/faults.h"
#include "emulator/request_log.h"
#include "emulator/router.h"
#include "emulator/stats.h"
#include "emulator/store.h"
#include "emulator/throttle.h"

namespace keyward::emulator {

class Identity;
class Operations;

struct ServerOptions {
  double lro_seconds = 10;
  std::string region = "WESTUS";  // appears in x-ms-routing-request-id
  std::function<double()> now;    // injectable clock; defaults to WallClockNow
  bool throttling = true;         // ARM token buckets (throttle.h); --throttling on|off
  double throttle_scale = 1;      // multiplies refill rates (--throttle-scale)
  FaultSpec faults;               // initial fault spec (faults.h); --faults
  // Connections served at once (--max-connections): an idle keep-alive connection holds one of
  // these threads until it closes, so this, not the core count, bounds concurrent clients.
  int max_connections = 128;
  int keep_alive_seconds = 5;        // an idle keep-alive connection is closed after this long
  size_t request_log_size = 10'000;  // entries kept by /_emulator/requests; --request-log-size
};

// What route families need from the server; passed to every Register*Routes function.
struct ServiceContext {
  Store* store = nullptr;
  Stats* stats = nullptr;
  RequestLog* requests = nullptr;
  Identity* identity = nullptr;
  Operations* operations = nullptr;
  const ServerOptions* options = nullptr;
  // Called (inside the deleting transaction) for every resource group that is finally deleted:
  // (tx, lowercased RG key, now). Families remove or soft-delete their resources here.
  std::vector<std::function<void(Store::Tx&, const std::string&, double)>>*
      resource_group_delete_hooks = nullptr;
};

// Registers `remove` for every resource of `type` (its rows' type) in a resource group being
// deleted: inside the deleting transaction, with the time of the deletion.
void OnResourceGroupDelete(
    const ServiceContext& context, const std::string& type,
    std::function<void(Store::Tx&, const StoredResource&, double now)> remove);

using Interceptor = std::function<std::optional<Reply>(RequestContext&, const Route&)>;
using Decorator = std::function<void(const RequestContext&, const Route*, Reply&)>;
using Ticker = std::function<void(double now)>;

class Server {
 public:
  Server(ServerOptions options, std::unique_ptr<Store> store);
  ~Server();

  Router& router() { return router_; }
  Stats& stats() { return stats_; }
  RequestLog& requests() { return requests_; }
  Store& store() { return *store_; }
  const ServerOptions& options() const { return options_; }
  Operations& operations() { return *operations_; }
  Throttler& throttler() { return throttler_; }
  Faults& faults() { return faults_; }

  void AddInterceptor(Interceptor interceptor) { interceptors_.push_back(std::move(interceptor)); }
  void AddDecorator(Decorator decorator) { decorators_.push_back(std::move(decorator)); }
  void AddTicker(Ticker ticker) { tickers_.push_back(std::move(ticker)); }

  // Runs the middleware chain and the route handler; pure with respect to the network.
  Reply Dispatch(RequestContext& request);

  // Binds (port 0 = any free port), calls on_bound(port), then serves until Stop(). Returns false
  // if the certificate/key cannot be loaded or the address cannot be bound.
  bool Serve(const std::string& host, int port, const std::string& cert_file,
             const std::string& key_file, const std::function<void(int)>& on_bound,
             std::string* error);
  void Stop();

  // Installs identity and every route family. Must be called once before Serve().
  void RegisterAllRoutes(Identity& identity);

 private:
  std::optional<Reply> CheckGateway(RequestContext& request, const Route& route);
  void AddStandardHeaders(const RequestContext& request, const Route* route, Reply& reply);

  ServerOptions options_;
  std::unique_ptr<Store> store_;
  Router router_;
  Stats stats_;
  RequestLog requests_;
  Identity* identity_ = nullptr;
  std::unique_ptr<Operations> operations_;
  std::vector<std::function<void(Store::Tx&, const std::string&, double)>> rg_delete_hooks_;
  ServiceContext context_;
  std::vector<Interceptor> interceptors_;
  std::vector<Decorator> decorators_;
  std::vector<Ticker> tickers_;
  Throttler throttler_;
  Faults faults_;
  struct HttpState;
  std::unique_ptr<HttpState> http_;
};

// Supported api-versions per family, newest last (used in InvalidApiVersionParameter messages).
const std::vector<std::string>& SupportedApiVersions(ApiFamily family);

}  // namespace keyward::emulator
