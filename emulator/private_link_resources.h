// PrivateLinkResources_ListByVault: GET .../vaults/{vaultName}/privateLinkResources. Not pageable
// (plain {value}, ARM-NOTES §4). A vault exposes exactly one private link resource, group "vault",
// served from the privatelink.vaultcore.azure.net zone (listPrivateLinkResources.json).
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

void RegisterPrivateLinkResourceRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
