// Operations_List: GET /providers/Microsoft.KeyVault/operations (tenant-level, no subscription),
// the provider's operation catalogue in the paged {value} shape with no nextLink (it fits one
// page). The catalogue is Microsoft's published example (listOperations.json, including the
// diagnostic log/metric serviceSpecification entries) plus the actions ARM-NOTES §1.7 lists that
// the example leaves out (keys, key versions, private endpoint connections, private link resources,
// managed HSM keys and soft-deleted managed HSMs). Entries without an origin get ARM's
// "user,system".
#pragma once

#include <nlohmann/json.hpp>

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

// The operation catalogue (parsed on each call: the list is small and rarely read).
nlohmann::json KeyVaultOperations();

void RegisterOperationsListRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
