#include "providers/azure/handlers.h"

#include "providers/azure/kinds/access_policy_handler.h"
#include "providers/azure/kinds/key_handler.h"
#include "providers/azure/kinds/managed_hsm_handler.h"
#include "providers/azure/kinds/pec_handler.h"
#include "providers/azure/kinds/resource_group_handler.h"
#include "providers/azure/kinds/secret_handler.h"
#include "providers/azure/kinds/vault_handler.h"

namespace keyward::azure {

// Registration order is refresh order: a child kind lists what lives in the parents observed
// before it (RefreshRequest::parents).
void RegisterAzureHandlers(engine::HandlerRegistry& registry, std::shared_ptr<ArmClient> client) {
  registry.Register(std::make_unique<ResourceGroupHandler>(client));

  registry.Register(std::make_unique<VaultHandler>(client));

  // slot: AccessPolicy
  registry.Register(std::make_unique<AccessPolicyHandler>(client));

  // slot: Key
  registry.Register(std::make_unique<KeyHandler>(client, VaultKeyKind()));

  // slot: Secret
  registry.Register(std::make_unique<SecretHandler>(client));

  // slot: PrivateEndpointConnection
  registry.Register(std::make_unique<PecHandler>(client, kVaultPecKind));

  // slot: ManagedHsm
  registry.Register(std::make_unique<ManagedHsmHandler>(client));

  // slot: ManagedHsmKey
  registry.Register(std::make_unique<KeyHandler>(client, ManagedHsmKeyKind()));

  // slot: MhsmPrivateEndpointConnection
  registry.Register(std::make_unique<PecHandler>(client, kHsmPecKind));
}

}  // namespace keyward::azure
