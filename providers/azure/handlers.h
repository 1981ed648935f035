// Registration of the Azure kind handlers, in refresh order: parents before children, because a
// child's refresh reads the parents already observed (RefreshRequest::parents).
#pragma once

#include <memory>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"

namespace keyward::azure {

// Registers ResourceGroup, then Vault. All handlers share one (thread-safe) ArmClient.
void RegisterAzureHandlers(engine::HandlerRegistry& registry, std::shared_ptr<ArmClient> client);

}  // namespace keyward::azure
