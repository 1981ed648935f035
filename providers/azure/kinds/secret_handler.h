// The Secret kind (Microsoft.KeyVault/vaults/secrets, api-version 2024-11-01): the ARM calls around
// the pure planning logic in secret_model.h.
//
// Refresh: one secrets list per vault, and only for vaults that matter: those observed live and
// referenced by a desired secret, vaults outside the manifests that a desired secret names by ARM
// id, and (when pruning, RefreshRequest::scopes non-empty) the live vaults this stack owns.
//
// Apply reads the value from its source again (never from the plan, which does not hold it) and
// refuses to write when its fingerprint differs from the planned one: the source changed between
// plan and apply, and the reviewed plan no longer describes the write. Value writes are a PUT
// (ARM's only way to set a value); attribute / tag changes are a PATCH without a value. Both are
// followed by a GET, since ARM never returns the value and the engine verifies the live result.
#pragma once

#include <memory>
#include <string>

#include "engine/file_reader.h"
#include "engine/resource_handler.h"
#include "engine/secret_source.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

class SecretHandler : public engine::ResourceHandler {
 public:
  // `files` and `env` are where values and the fingerprint key are read at apply time.
  SecretHandler(std::shared_ptr<ArmClient> client,
                std::shared_ptr<engine::FileReader> files = nullptr,
                std::shared_ptr<const engine::Environment> env = nullptr);

  std::string_view Kind() const override { return "Secret"; }
  engine::KindTraits Traits() const override {
    return {
        .export_comment =
            "# The value cannot be read from Azure: this secret plans as `blocked` until the\n"
            "# variable below is set (keyward then rewrites the value: plan shows `update`), or\n"
            "# valueFrom is replaced with your real source.\n"};
  }
  engine::ResolveResponse Resolve(const engine::ResolveRequest& request) const override;
  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const override {
    return ExportSecretManifest(observed, context);
  }
  engine::Change PlanChange(const engine::PlanChangeRequest& request) const override;
  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  Result<Json> PutValue(const engine::ApplyRequest& request, const std::string& path,
                        const Context& ctx);

  std::shared_ptr<ArmClient> client_;
  std::shared_ptr<engine::FileReader> files_;
  std::shared_ptr<const engine::Environment> env_;
};

}  // namespace keyward::azure
