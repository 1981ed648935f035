// The ResourceGroup kind (Microsoft.Resources/resourceGroups, api-version 2021-04-01): the ARM
// calls around the pure planning logic in resource_group_model.h.
#pragma once

#include <memory>
#include <string>

#include "providers/azure/kinds/kind_handler.h"
#include "providers/azure/kinds/resource_group_model.h"

namespace keyward::azure {

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
