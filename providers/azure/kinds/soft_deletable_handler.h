// One handler for the top-level kinds ARM soft-deletes (Vault, ManagedHsm), parameterised by a
// SoftDeletableKind (soft_deletable_kind.h), around the shared plan in soft_delete_model.h.
//
// Refresh reads with list calls only: one live list per (subscription, resource group) of the
// desired resources, or per subscription (a subscription-wide prune scope, or a kind with
// list_per_subscription), one deleted list per subscription, and the kind's name check only for
// desired resources that are neither live nor soft-deleted in their subscription (names are
// global: the name may be taken elsewhere). At most 8 calls run at a time (engine/parallel.h).
//
// Apply never PUTs a full body over an existing resource: existing ones are PATCHed (a vault PUT
// would replace the access policy list, which belongs to the AccessPolicy kind; several HSM
// properties cannot change after creation). Recover is PUT createMode recover, then a PATCH to
// the manifest (recover restores the old configuration). Purge reads the deleted list for the
// location the purge URL needs. A resource whose provisioning ended Failed is PATCHed with every
// managed property and waited for. Replace = delete, purge, create (the deleted resource keeps
// holding the name).
#pragma once

#include <memory>
#include <string>

#include "providers/azure/kinds/kind_handler.h"
#include "providers/azure/kinds/soft_deletable_kind.h"

namespace keyward::azure {

class SoftDeletableHandler : public KindHandler<SoftDeletableKind> {
 public:
  using KindHandler::KindHandler;

  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 protected:
  struct Ref {
    std::string subscription, resource_group, name;
    std::string path;  // with api-version
  };
  // Runs before the DELETE of a live resource (ManagedHsm: remove secondary regions).
  virtual Status BeforeDelete(const Ref& ref, const Context& ctx) { return {}; }

  // One write; PUT always waits for its operation, PATCH / DELETE when `wait`.
  Status Write(HttpMethod method, const Ref& ref, const std::optional<Json>& body, bool wait,
               const Context& ctx, const RequestOptions& options = {});
  // Create, PATCH and re-provision: marked safe to repeat where the kind says so.
  RequestOptions AbsoluteWrite() const {
    return kind_.writes_safe_to_repeat ? kSafeToRepeat : RequestOptions{};
  }
  Result<Json> Get(const Ref& ref, const Context& ctx);

 private:
  Result<Ref> RefOf(const engine::Change& change) const;
  std::string ProviderPath(const std::string& subscription, const std::string& rest) const;
  Result<Json> Create(const Ref& ref, const Json& desired, const Context& ctx);
  Result<Json> Recover(const Ref& ref, const Json& desired, const Context& ctx);
  // Provisioning ended Failed: PATCH every managed property and wait for provisioning.
  Result<Json> Reprovision(const Ref& ref, const Json& desired, const Context& ctx);
  Result<Json> PatchToDesired(const Ref& ref, const Json& desired, const Json& normalized_live,
                              const Context& ctx);
  Status Delete(const Ref& ref, const Context& ctx);
  Status Purge(const Ref& ref, const Context& ctx);
};

}  // namespace keyward::azure
