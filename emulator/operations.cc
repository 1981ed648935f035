#include "emulator/operations.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "emulator/server.h"
#include "emulator/util.h"

namespace keyward::emulator {

Operations::Operations(Store& store, const ServerOptions& options)
    : store_(store), options_(options) {}

void Operations::RegisterKind(const std::string& kind, Completer completer, Failer failer) {
  completers_[kind] = std::move(completer);
  if (failer) failers_[kind] = std::move(failer);
}

void Operations::FailNext(const std::string& kind, ArmError error) {
  std::lock_guard<std::mutex> lock(fail_mutex_);
  fail_next_[kind] = std::move(error);
}

Operation Operations::Begin(Store::Tx& tx, const std::string& kind, const std::string& subscription,
                            const std::string& target, nlohmann::json data, double now) {
  Operation op;
  // Opaque to clients, like ARM's base64 operation ids; the kind prefix helps when reading logs.
  op.id = Base64UrlEncode(kind + ":" + NewGuid());
  op.kind = kind;
  op.subscription = ToLower(subscription);
  op.target = target;
  op.data = std::move(data);
  op.created = now;
  op.due = now + options_.lro_seconds;
  op.status = "InProgress";
  {
    std::lock_guard<std::mutex> lock(fail_mutex_);
    auto armed = fail_next_.find(kind);
    if (armed == fail_next_.end()) armed = fail_next_.find("");
    if (armed != fail_next_.end()) {
      op.data["injectedFailure"] = {{"status", armed->second.status},
                                    {"body", armed->second.Body()}};
      fail_next_.erase(armed);
    }
  }
  if (!op.data.contains("injectedFailure") && failure_policy_) {
    if (std::optional<ArmError> error = failure_policy_(kind)) {
      op.data["injectedFailure"] = {{"status", error->status}, {"body", error->Body()}};
    }
  }
  tx.PutOperation(op);
  return op;
}

void Operations::CompleteDue(double now) {
  store_.Transact([&](Store::Tx& tx) {
    for (Operation op : tx.DueOperations(now)) {
      auto it = completers_.find(op.kind);
      FinalResponse final_response;
      if (op.data.contains("injectedFailure")) {
        auto failer = failers_.find(op.kind);
        if (failer != failers_.end()) failer->second(tx, op, now);
        final_response = {op.data["injectedFailure"].value("status", 500),
                          op.data["injectedFailure"]["body"]};
      } else if (it == completers_.end()) {
        final_response = {500,
                          {{"error",
                            {{"code", "InternalServerError"},
                             {"message", "unknown operation kind " + op.kind}}}}};
      } else {
        final_response = it->second(tx, op, now);
      }
      op.status = final_response.status < 400 ? "Succeeded" : "Failed";
      op.completed = now;
      op.data["final"] = {{"status", final_response.status}, {"body", final_response.body}};
      tx.PutOperation(op);
      spdlog::info("operation {} ({}) {}", op.id, op.kind, op.status);
    }
  });
}

int Operations::RetryAfterSeconds() const {
  return std::clamp(static_cast<int>(std::ceil(options_.lro_seconds / 2)), 1, 5);
}

std::string Operations::KeyVaultLocationUrl(const std::string& base_url, const std::string& sub,
                                            const std::string& location, const std::string& id) {
  return base_url + "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" +
         location + "/operationResults/" + id + "?api-version=2024-11-01";
}

std::string Operations::ManagedHsmLocationUrl(const std::string& base_url, const std::string& sub,
                                              const std::string& location, const std::string& id) {
  return base_url + "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" +
         location + "/managedHsmOperationResults/" + id + "?api-version=2024-11-01";
}

std::string Operations::ResourcesLocationUrl(const std::string& base_url, const std::string& sub,
                                             const std::string& id,
                                             const std::string& api_version) {
  return base_url + "/subscriptions/" + sub + "/operationresults/" + id +
         "?api-version=" + api_version;
}

Reply Operations::Poll(RequestContext& request, const std::string& location_url) {
  std::string id = request.Var("operationId");
  auto op = store_.Transact([&](Store::Tx& tx) { return tx.GetOperation(id); });
  if (!op || op->subscription != ToLower(request.Var("subscriptionId"))) {
    return Reply::Error(
        {404, "OperationNotFound", "The operation '" + id + "' could not be found."});
  }
  if (op->status == "InProgress") return Accepted(location_url);
  return Finished(*op);
}

Reply Operations::Accepted(const std::string& location_url, Reply reply) const {
  return reply.WithHeader("Location", location_url)
      .WithHeader("Retry-After", std::to_string(RetryAfterSeconds()));
}

Reply Operations::Finished(Operation op) {
  auto& final_response = op.data["final"];
  int status = final_response.value("status", 200);
  if (final_response["body"].is_null()) return Reply::Empty(status);
  Reply reply = Reply::Json(status, final_response["body"]);
  if (status >= 400) reply.error_code = final_response["body"]["error"].value("code", "");
  return reply;
}

void Operations::RegisterRoutes(Router& router) {
  router.Add({"GET",
              "/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/locations/{location}/"
              "operationResults/{operationId}",
              "Vaults_OperationResults", ApiFamily::kKeyVault, true, [this](RequestContext& r) {
                return Poll(r, KeyVaultLocationUrl(r.base_url, r.Var("subscriptionId"),
                                                   r.Var("location"), r.Var("operationId")));
              }});
  router.Add({"GET",
              "/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/locations/{location}/"
              "managedHsmOperationResults/{operationId}",
              "ManagedHsms_OperationResults", ApiFamily::kKeyVault, true,
              [this](RequestContext& r) {
                return Poll(r, ManagedHsmLocationUrl(r.base_url, r.Var("subscriptionId"),
                                                     r.Var("location"), r.Var("operationId")));
              }});
  router.Add({"GET", "/subscriptions/{subscriptionId}/operationresults/{operationId}",
              "ResourceGroups_OperationResults", ApiFamily::kResources, true,
              [this](RequestContext& r) {
                return Poll(r, ResourcesLocationUrl(r.base_url, r.Var("subscriptionId"),
                                                    r.Var("operationId"), r.Query("api-version")));
              }});
}

}  // namespace keyward::emulator
