// Microsoft.Resources/resourceGroups: the container every vault lives in. Create/update/get/
// check-existence/patch tags/list, and DELETE as an ARM LRO (202 + Location on
// /subscriptions/{sub}/operationresults/{id}) that, when it completes, runs the registered
// resource-group delete hooks (vaults go to soft delete) and removes everything under the group.
#pragma once

#include <string>

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

inline constexpr char kResourceGroupType[] = "Microsoft.Resources/resourceGroups";

// Lowercased store key of a resource group.
std::string ResourceGroupKey(const std::string& subscription, const std::string& resource_group);

void RegisterResourceGroupRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
