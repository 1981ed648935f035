// The AccessPolicy kind: one entry of a vault's properties.accessPolicies, converged with
// PUT .../vaults/{v}/accessPolicies/add and .../remove (never a vault PUT, which would rewrite
// every other entry). Planning logic lives in access_policy_model.h.
//
// Refresh makes no ARM call for vaults the Vault handler already observed: their live objects
// (from the vault list) carry properties.accessPolicies. Entries are produced for the vaults that
// a desired AccessPolicy names and for the vaults declared `accessPolicies: exclusive`. Only a
// vault named by full ARM id that the Vault refresh did not see (one keyward does not manage) is
// read with one GET; if it does not exist the refresh fails with a message naming the manifest.
//
// Apply: create / update = `add` with the declared entry (ARM merges it), then `remove` with the
// permissions the entry must lose; delete = `remove` of the entry with all its permissions. Each
// write is followed by a vault GET, and the entry found there (null when gone) is the live result.
#pragma once

#include <memory>
#include <string>

#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/kind_handler.h"

namespace keyward::azure {

class AccessPolicyHandler : public KindHandler<SingleKind> {
 public:
  explicit AccessPolicyHandler(std::shared_ptr<ArmClient> client);

  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  Status Write(const std::string& vault_path, const char* operation, const Json& body,
               const Context& ctx);
};

}  // namespace keyward::azure
