// PrivateLinkResources_ListByVault: GET .../vaults/{vaultName}/privateLinkResources. Not pageable
// (plain {value}, ARM-NOTES §4). A vault exposes exactly one private link resource, group "vault",
// served from the privatelink.vaultcore.azure.net zone (listPrivateLinkResources.json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

void RegisterPrivateLinkResourceRoutes(Router& router, const ServiceContext& context);

// The {value} list body of a resource's one private link resource, `name` under `parent_id`
// (type `parent_type`/privateLinkResources), group `group_id`, served from DNS zone `zone`.
// Shared with the managed HSM's list (mhsm_private_link_resources.h).
nlohmann::json PrivateLinkResourceList(const std::string& parent_id, const std::string& parent_type,
                                       const std::string& name, const std::string& group_id,
                                       const std::string& zone);

}  // namespace keyward::emulator
