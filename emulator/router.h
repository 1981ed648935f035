// Path routing for the emulator. ARM compares path segments case-insensitively (RPC "Case
// Insensitivity for Requests"), which cpp-httplib's regex routes cannot express, so every request
// reaches Server::Dispatch and is matched here against segment patterns like
//   /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}
// Literal segments match case-insensitively; {vars} capture the caller's text verbatim.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/arm_error.h"

namespace keyward::emulator {

// Which api-version set a route validates against (ARM-NOTES §2.2). kNone: no api-version check.
// kGenericResources: /subscriptions/{id}/resources, pinned to 2015-11-01 by the KV spec (ARM-NOTES
// §0). kNetwork: the minimal Microsoft.Network surface (private endpoints, network.h).
enum class ApiFamily { kNone, kKeyVault, kResources, kGenericResources, kNetwork };

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct Principal {
  std::string tenant_id;
  std::string object_id;
  std::string app_id;
};

// Everything a handler may read about a request, copied out of the HTTP library so handlers (and
// tests) do not depend on it.
struct RequestContext {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string, CaseInsensitiveLess> query;  // decoded
  std::multimap<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  std::map<std::string, std::string> vars;  // from the route pattern
  std::string base_url;                     // "https://{Host header}"
  double now = 0;                           // request time, seconds since epoch
  std::optional<Principal> caller;          // set by the auth middleware
  std::string operation_id;                 // the matched route's operationId

  std::string Var(const std::string& name) const;
  bool HasQuery(const std::string& name) const { return query.count(name) > 0; }
  std::string Query(const std::string& name) const;
  std::string Header(const std::string& name) const;
};

using Handler = std::function<Reply(RequestContext&)>;

// Handlers that call methods of one service object shared by its routes:
// `auto bind = MethodsOf(vaults); router.Add({..., bind(&Vaults::Get)});`
template <class Service>
auto MethodsOf(std::shared_ptr<Service> service) {
  return [service](Reply (Service::*method)(RequestContext&)) -> Handler {
    return [service, method](RequestContext& r) { return ((*service).*method)(r); };
  };
}

struct Route {
  std::string method;  // GET, PUT, PATCH, DELETE, POST, HEAD
  std::string pattern;
  std::string operation_id;  // ARM operationId, used for stats
  ApiFamily api = ApiFamily::kKeyVault;
  bool requires_auth = true;
  Handler handler;
};

class Router {
 public:
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null when nothing matched the method
    bool path_known = false;       // some route matched the path with another method
    std::map<std::string, std::string> vars;
  };
  // HEAD falls back to the GET route when no HEAD route exists. When several patterns match, the
  // one with the most literal segments wins.
  Match Find(const std::string& method, const std::string& path) const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;
  };
  std::vector<Entry> entries_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace keyward::emulator
