// Long-running operations polled through Location URLs (ARM-NOTES §1.1, §1.8).
//
// An operation is a row in the store with a due time (start + --lro-seconds). Nothing runs in the
// background: CompleteDue() is a server "ticker" called at the start of every request, which runs
// the kind's completer for every operation whose time has come. So the observable behaviour is the
// same as a worker thread (the resource changes at the due time, whether or not anyone polls), and
// the state - including unfinished operations - survives a restart.
//
// Polling answers 202 (no body, Location + Retry-After) while running, then the completer's stored
// final response (200 with a body or 200/204 empty, or an ARM error body with a 4xx/5xx status:
// Location pollers read failure from the status code, never from a body field).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "emulator/router.h"
#include "emulator/store.h"

namespace keyward::emulator {

struct ServerOptions;

struct FinalResponse {
  int status = 200;
  nlohmann::json body;  // null => empty body
};

class Operations {
 public:
  // Performs the operation's effect inside the store transaction and says what pollers get.
  using Completer = std::function<FinalResponse(Store::Tx&, const Operation&, double now)>;

  Operations(Store& store, const ServerOptions& options);
  void RegisterKind(const std::string& kind, Completer completer);
  // Records a new in-progress operation due after --lro-seconds. Call inside a transaction.
  Operation Begin(Store::Tx& tx, const std::string& kind, const std::string& subscription,
                  const std::string& target, nlohmann::json data, double now);
  void CompleteDue(double now);
  // Seconds clients should wait between polls: small, derived from --lro-seconds (1..5).
  int RetryAfterSeconds() const;

  // Location URLs for the two polling routes.
  static std::string KeyVaultLocationUrl(const std::string& base_url, const std::string& sub,
                                         const std::string& location, const std::string& id);
  static std::string ResourcesLocationUrl(const std::string& base_url, const std::string& sub,
                                          const std::string& id, const std::string& api_version);

  void RegisterRoutes(Router& router);

 private:
  Reply Poll(RequestContext& request, const std::string& location_url);

  Store& store_;
  const ServerOptions& options_;
  std::map<std::string, Completer> completers_;
};

}  // namespace keyward::emulator
