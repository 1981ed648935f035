// Live vaults for the guardrails tests and benchmark (tests/bench/guardrails_bench.cc): the ARM
// object the Vault handler observes, and the access policy entries it holds, without ARM.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/resource.h"
#include "providers/azure/kinds/access_policy_model.h"

namespace keyward::azure::guardrails {

// The vault `name` at `arm_id` with ARM `properties`; the tenant is set, and a standard sku
// unless `properties` has one.
inline engine::ObservedResource LiveVault(const std::string& arm_id, const std::string& name,
                                          const std::string& tenant, engine::Json properties) {
  properties["tenantId"] = tenant;
  if (!properties.contains("sku")) properties["sku"] = {{"family", "A"}, {"name", "standard"}};
  engine::ObservedResource o;
  o.kind = "Vault";
  o.arm_id = arm_id;
  o.address = "Vault/" + name;
  o.live = {{"id", o.arm_id},
            {"name", name},
            {"type", "Microsoft.KeyVault/vaults"},
            {"location", "westeurope"},
            {"properties", std::move(properties)}};
  return o;
}

// Adds `vault` to `observed`, followed by one resource per entry of its access policies.
inline void AddLiveVault(engine::ObservedSet* observed, engine::ObservedResource vault) {
  std::vector<engine::ObservedResource> entries = ObservedAccessPolicies(vault.live, false);
  observed->resources.push_back(std::move(vault));
  for (engine::ObservedResource& entry : entries) observed->resources.push_back(std::move(entry));
}

}  // namespace keyward::azure::guardrails
