// The ManagedHsm kind (Microsoft.KeyVault/managedHSMs, api-version 2024-11-01): the shared
// soft-deletable handler (soft_deletable_handler.h) with the HSM's descriptor
// (managed_hsm_model.cc: its traits and export among the rest), plus the one ARM call only an HSM
// makes: secondary regions are removed before a delete (ARM refuses to delete a primary with
// replicas).
//
// HSM lists are per subscription (the 5-per-region quota count sees every HSM of it). Every write
// is a long-running operation (PUT / PATCH / DELETE / purge answer 202 + Location); apply waits
// for each to finish, then re-reads.
#pragma once

#include <memory>

#include "providers/azure/kinds/soft_deletable_handler.h"

namespace keyward::azure {

class ManagedHsmHandler : public SoftDeletableHandler {
 public:
  explicit ManagedHsmHandler(std::shared_ptr<ArmClient> client);

 protected:
  Status BeforeDelete(const Ref& ref, const Context& ctx) override;
};

}  // namespace keyward::azure
