#include "providers/azure/handlers.h"

#include "providers/azure/resource_group_handler.h"
#include "providers/azure/secret_handler.h"
#include "providers/azure/vault_handler.h"

namespace keyward::azure {

// Registration order is refresh order: a child kind lists what lives in the parents observed
// before it (RefreshRequest::parents).
void RegisterAzureHandlers(engine::HandlerRegistry& registry, std::shared_ptr<ArmClient> client) {
  registry.Register(std::make_unique<ResourceGroupHandler>(client));

  registry.Register(std::make_unique<VaultHandler>(client));

  // slot: AccessPolicy

  // slot: Key

  // slot: Secret
  registry.Register(std::make_unique<SecretHandler>(client));

  // slot: PrivateEndpointConnection

  // slot: ManagedHsm

  // slot: ManagedHsmKey

  // slot: MhsmPrivateEndpointConnection
}

}  // namespace keyward::azure
