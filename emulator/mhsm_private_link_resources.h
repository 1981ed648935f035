// MHSMPrivateLinkResources_ListByMHSMResource: GET MH/privateLinkResources, not pageable
// (`{"value":[...]}` only, ARM-NOTES §4). A managed HSM offers one group, "managedhsms", with the
// DNS zone privatelink.managedhsm.azure.net (ManagedHsm_listPrivateLinkResources.json).
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

void RegisterMhsmPrivateLinkResourceRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
