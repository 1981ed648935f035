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
#include "engine/secret_source.h"
#include "providers/azure/kinds/kind_handler.h"
#include "providers/azure/kinds/secret_model.h"

namespace keyward::azure {

class SecretHandler : public KindHandler<SingleKind> {
 public:
  // `files` and `env` are where values and the fingerprint key are read at apply time.
  SecretHandler(std::shared_ptr<ArmClient> client,
                std::shared_ptr<engine::FileReader> files = nullptr,
                std::shared_ptr<const engine::Environment> env = nullptr);

  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  Result<Json> PutValue(const engine::ApplyRequest& request, const std::string& path,
                        const Context& ctx);

  std::shared_ptr<engine::FileReader> files_;
  std::shared_ptr<const engine::Environment> env_;
};

}  // namespace keyward::azure
