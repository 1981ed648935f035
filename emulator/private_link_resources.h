// The private link resources of vaults and managed HSMs, not pageable (plain {value}, ARM-NOTES
// §4). Each kind offers exactly one:
// - PrivateLinkResources_ListByVault, GET .../vaults/{vaultName}/privateLinkResources: group
//   "vault", zone privatelink.vaultcore.azure.net (listPrivateLinkResources.json);
// - MHSMPrivateLinkResources_ListByMHSMResource, GET .../managedHSMs/{name}/privateLinkResources:
//   group "managedhsms", zone privatelink.managedhsm.azure.net
//   (ManagedHsm_listPrivateLinkResources.json).
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

void RegisterPrivateLinkResourceRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
