// The ResourceGroup kind (Microsoft.Resources/resourceGroups, api-version 2021-04-01).
//
// A resource group carries only a location and tags for keyward. It cannot move (its location
// is immutable), and a replace would delete everything inside it, so a location change is
// `blocked`, never `replace`. Delete is planned only for prune of an owned group; the engine's
// apply guard (allow-destroy) decides whether it runs.
#pragma once

#include <memory>
#include <string>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

// "/subscriptions/{s}/resourceGroups/{name}"
std::string ResourceGroupArmId(const std::string& subscription, const std::string& name);

// {location (canonical), tags}; id, name, type, managedBy and properties are server-owned.
Json NormalizeResourceGroup(const Json& live);

// Pure planning logic (exposed for tests; ResourceGroupHandler::PlanChange calls it).
engine::Change PlanResourceGroupChange(const engine::PlanChangeRequest& request);

class ResourceGroupHandler : public engine::ResourceHandler {
 public:
  explicit ResourceGroupHandler(std::shared_ptr<ArmClient> client) : client_(std::move(client)) {}

  std::string_view Kind() const override { return "ResourceGroup"; }
  // Deleting a group deletes everything in it; a whole-subscription export leaves groups out
  // (most hold no Key Vault at all).
  engine::KindTraits Traits() const override {
    return {.delete_needs_allow_destroy = true,
            .export_file_prefix = "resource-group-",
            .export_needs_resource_group = true};
  }
  engine::ResolveResponse Resolve(const engine::ResolveRequest& request) const override;
  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const override {
    return ExportResourceGroupManifest(observed, context);
  }
  engine::Change PlanChange(const engine::PlanChangeRequest& request) const override {
    return PlanResourceGroupChange(request);
  }
  // One resource-group list per subscription (desired resources and prune scopes).
  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  std::shared_ptr<ArmClient> client_;
};

}  // namespace keyward::azure
