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
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "emulator/arm_error.h"
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
  // Runs instead of the completer when the operation was marked to fail (FailNext): puts the
  // target resource into its failed state. The pollers then get the injected error.
  using Failer = std::function<void(Store::Tx&, const Operation&, double now)>;

  Operations(Store& store, const ServerOptions& options);
  void RegisterKind(const std::string& kind, Completer completer, Failer failer = nullptr);
  // Failed-LRO hook (fault injection): the next operation that Begin()s with this kind (empty =
  // any kind) is marked to end Failed with `error` (its status and ARM body reach Location
  // pollers; the kind's Failer runs instead of its completer). One-shot; the mark is stored with
  // the operation, so it survives a restart. Thread-safe.
  void FailNext(const std::string& kind, ArmError error);
  // Fault-injection policy (faults.h lroFail rules), asked by every Begin() that FailNext did not
  // arm: the error the new operation should end with, or nullopt. Set once before serving.
  using FailurePolicy = std::function<std::optional<ArmError>(const std::string& kind)>;
  void SetFailurePolicy(FailurePolicy policy) { failure_policy_ = std::move(policy); }
  // For state changes that behave like LROs without going through Begin() (vault DNS
  // registration, polled through the resource body): asks the policy whether this one fails.
  std::optional<ArmError> InjectedFailure(const std::string& kind) const {
    return failure_policy_ ? failure_policy_(kind) : std::nullopt;
  }
  // Records a new in-progress operation due after --lro-seconds. Call inside a transaction.
  Operation Begin(Store::Tx& tx, const std::string& kind, const std::string& subscription,
                  const std::string& target, nlohmann::json data, double now);
  void CompleteDue(double now);
  // Seconds clients should wait between polls: small, derived from --lro-seconds (1..5).
  int RetryAfterSeconds() const;

  // `reply` (202, empty unless the operation's route answers with a body) with the Location to
  // poll and the Retry-After every accepted LRO carries.
  Reply Accepted(const std::string& location_url, Reply reply = Reply::Empty(202)) const;
  // What a poll answers once `op` has finished: its stored final status and body (error_code set
  // for errors, for the request log and stats).
  static Reply Finished(Operation op);

  // Location URLs for the two polling routes.
  static std::string KeyVaultLocationUrl(const std::string& base_url, const std::string& sub,
                                         const std::string& location, const std::string& id);
  // Managed HSM operations poll under .../locations/{loc}/managedHsmOperationResults/{id}.
  static std::string ManagedHsmLocationUrl(const std::string& base_url, const std::string& sub,
                                           const std::string& location, const std::string& id);
  static std::string ResourcesLocationUrl(const std::string& base_url, const std::string& sub,
                                          const std::string& id, const std::string& api_version);

  void RegisterRoutes(Router& router);

 private:
  Reply Poll(RequestContext& request, const std::string& location_url);

  Store& store_;
  const ServerOptions& options_;
  std::map<std::string, Completer> completers_;
  std::map<std::string, Failer> failers_;
  std::mutex fail_mutex_;
  std::map<std::string, ArmError> fail_next_;  // kind ("" = any) -> error
  FailurePolicy failure_policy_;
};

// A completer and a failer that call methods of one service object, as MethodsOf does for route
// handlers: `RegisterKind(kind, CompleterOf(hsms, &ManagedHsms::CompleteDelete),
// FailerOf(hsms, &ManagedHsms::FailDelete))`.
template <class Service>
Operations::Completer CompleterOf(std::shared_ptr<Service> service,
                                  FinalResponse (Service::*method)(Store::Tx&, const Operation&,
                                                                   double)) {
  return [service, method](Store::Tx& tx, const Operation& op, double now) {
    return ((*service).*method)(tx, op, now);
  };
}
template <class Service>
Operations::Failer FailerOf(std::shared_ptr<Service> service,
                            void (Service::*method)(Store::Tx&, const Operation&, double)) {
  return [service, method](Store::Tx& tx, const Operation& op, double now) {
    ((*service).*method)(tx, op, now);
  };
}

}  // namespace keyward::emulator
