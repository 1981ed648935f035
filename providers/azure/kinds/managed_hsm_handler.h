// The ManagedHsm kind (Microsoft.KeyVault/managedHSMs, api-version 2024-11-01): the shared
// soft-deletable handler (soft_deletable_handler.h) with the HSM's descriptor
// (managed_hsm_model.cc), plus what only an HSM has: secondary regions are removed before a
// delete (ARM refuses to delete a primary with replicas), and its export.
//
// HSM lists are per subscription (the 5-per-region quota count sees every HSM of it). Every write
// is a long-running operation (PUT / PATCH / DELETE / purge answer 202 + Location); apply waits
// for each to finish, then re-reads.
#pragma once

#include <memory>
#include <string>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"
#include "providers/azure/kinds/soft_deletable_handler.h"

namespace keyward::azure {

class ManagedHsmHandler : public SoftDeletableHandler {
 public:
  explicit ManagedHsmHandler(std::shared_ptr<ArmClient> client);

  // Deleting an HSM deletes its keys and its security domain.
  engine::KindTraits Traits() const override {
    return {.delete_needs_allow_destroy = true, .export_file_prefix = "managed-hsm-"};
  }

  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const override {
    return ExportManagedHsmManifest(observed, context);
  }

 protected:
  Status BeforeDelete(const Ref& ref, const Context& ctx) override;
};

}  // namespace keyward::azure
