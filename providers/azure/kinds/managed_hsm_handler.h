// The ManagedHsm kind (Microsoft.KeyVault/managedHSMs, api-version 2024-11-01): the ARM calls
// around the pure planning logic in managed_hsm_model.h.
//
// Refresh reads with list calls only: one managedHSMs list per subscription of the desired HSMs
// (per subscription, not per resource group, so the 5-per-region quota count sees every HSM of
// the subscription), one deletedManagedHSMs list per subscription, and checkMhsmNameAvailability
// only for desired HSMs that are neither live nor soft-deleted in their subscription.
//
// Every write is a long-running operation (PUT / PATCH / DELETE / purge answer 202 + Location);
// apply waits for each to finish, then re-reads. Existing HSMs are PATCHed, never re-PUT: a PUT
// carries every property, and several of them cannot change after creation.
#pragma once

#include <memory>
#include <string>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

class ManagedHsmHandler : public engine::ResourceHandler {
 public:
  explicit ManagedHsmHandler(std::shared_ptr<ArmClient> client) : client_(std::move(client)) {}

  std::string_view Kind() const override { return "ManagedHsm"; }
  engine::ResolveResponse Resolve(const engine::ResolveRequest& request) const override;
  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const override {
    return ExportManagedHsmManifest(observed, context);
  }
  engine::Change PlanChange(const engine::PlanChangeRequest& request) const override;
  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  struct HsmRef {
    std::string subscription, resource_group, name;
    std::string path;  // with api-version
  };
  Result<HsmRef> RefOf(const engine::Change& change) const;
  // One LRO write (PUT / PATCH / DELETE) followed by waiting for it.
  Status WriteAndWait(HttpMethod method, const HsmRef& ref, const std::optional<Json>& body,
                      const Context& ctx);
  Result<Json> Create(const HsmRef& ref, const Json& desired, const Context& ctx);
  Result<Json> Recover(const HsmRef& ref, const Json& desired, const Context& ctx);
  Result<Json> PatchToDesired(const HsmRef& ref, const Json& desired, const Json& normalized_live,
                              const Context& ctx);
  Status Delete(const HsmRef& ref, const Context& ctx);
  Status Purge(const HsmRef& ref, const Context& ctx);
  Result<Json> Get(const HsmRef& ref, const Context& ctx);

  std::shared_ptr<ArmClient> client_;
};

}  // namespace keyward::azure
