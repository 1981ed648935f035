#include "providers/azure/kinds/vault_handler.h"

#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {

VaultHandler::VaultHandler(std::shared_ptr<ArmClient> client)
    : SoftDeletableHandler(std::move(client), VaultSoftDeletableKind()) {}

void VaultHandler::CheckSpec(const engine::DesiredResource& r, engine::ResolveResponse& out) const {
  // Names, scope, required fields and ranges are the schema's (schemas/vault.schema.json).
  const Json* protection = FindKey(r.spec, "enablePurgeProtection");
  const Json* soft_delete = FindKey(r.spec, "enableSoftDelete");
  if (protection && protection->is_boolean() && protection->get<bool>() && soft_delete &&
      soft_delete->is_boolean() && !soft_delete->get<bool>()) {
    out.diagnostics.Error(r.LocationOf("spec.enablePurgeProtection"),
                          out.address + ": enablePurgeProtection requires enableSoftDelete");
  }
}

}  // namespace keyward::azure
