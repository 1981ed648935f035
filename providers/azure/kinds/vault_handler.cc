#include "providers/azure/kinds/vault_handler.h"

#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {

VaultHandler::VaultHandler(std::shared_ptr<ArmClient> client)
    : SoftDeletableHandler(std::move(client), VaultSoftDeletableKind()) {}

}  // namespace keyward::azure
