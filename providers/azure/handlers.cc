#include "providers/azure/handlers.h"

#include "providers/azure/resource_group_handler.h"
#include "providers/azure/vault_handler.h"

namespace keyward::azure {

void RegisterAzureHandlers(engine::HandlerRegistry& registry, std::shared_ptr<ArmClient> client) {
  registry.Register(std::make_unique<ResourceGroupHandler>(client));
  registry.Register(std::make_unique<VaultHandler>(client));
}

}  // namespace keyward::azure
