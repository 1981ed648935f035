// Builds the lock backend a resolved LockConfig names (engine/lock_config.h). The CLI calls this
// with what only it has: the state directory, the environment, and a bearer-token source for
// Azure Storage made from keyward's credential chain.
#pragma once

#include <memory>
#include <string>

#include "coordination/blob_auth.h"
#include "coordination/lease_keeper.h"
#include "coordination/stack_lock.h"
#include "engine/lock_config.h"

namespace keyward::coordination {

struct LockBackendDeps {
  std::string state_dir;        // local: where <stack>.lock files live
  engine::EnvLookup env;        // KEYWARD_LOCK_ETCD_USER / _PASSWORD, AZURE_STORAGE_*
  BearerTokenFn storage_token;  // azureblob without a key or SAS
  MonotonicClock clock;         // null: steady_clock
};

Result<std::shared_ptr<LockBackend>> MakeLockBackend(const engine::LockConfig& config,
                                                     const LockBackendDeps& deps);

}  // namespace keyward::coordination
