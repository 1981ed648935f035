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
#include "providers/azure/kinds/kind_handler.h"

namespace keyward::azure {

// "/subscriptions/{s}/resourceGroups/{name}"
std::string ResourceGroupArmId(const std::string& subscription, const std::string& name);

// {location (canonical), tags}; id, name, type, managedBy and properties are server-owned.
Json NormalizeResourceGroup(const Json& live);

// Pure planning logic (exposed for tests; ResourceGroupHandler::PlanChange calls it).
engine::Change PlanResourceGroupChange(const engine::PlanChangeRequest& request);

class ResourceGroupHandler : public KindHandler<SingleKind> {
 public:
  explicit ResourceGroupHandler(std::shared_ptr<ArmClient> client);

  // One resource-group list per subscription (desired resources and prune scopes).
  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;
};

}  // namespace keyward::azure
