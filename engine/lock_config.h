// Which backend holds a stack's one-writer lock, and its settings (docs/ha.md): keyward.yaml's
// `lock:` (schemas/keyward.schema.json), overridden by KEYWARD_LOCK_* environment variables,
// overridden by --lock-* flags. Data only: the backends themselves live in coordination/, which
// the CLI wires in. Credentials never pass through here: the etcd user / password and the storage
// key / SAS are read from the environment by the backend that uses them, so they cannot end up in
// a saved plan, /status or an error message.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"

namespace keyward::engine {

enum class LockBackendKind { kLocal, kEtcd, kAzureBlob };
const char* LockBackendName(LockBackendKind kind);  // "local", "etcd", "azureblob"
std::optional<LockBackendKind> ParseLockBackend(const std::string& name);

inline constexpr std::chrono::milliseconds kDefaultLockTtl{15'000};
inline constexpr char kDefaultEtcdPrefix[] = "/keyward";

struct LockConfig {
  LockBackendKind backend = LockBackendKind::kLocal;
  std::chrono::milliseconds ttl = kDefaultLockTtl;  // etcd lease / blob lease duration

  std::vector<std::string> etcd_endpoints;  // http(s)://host:port of the JSON gateway
  std::string etcd_prefix = kDefaultEtcdPrefix;
  std::string etcd_ca_file;    // trust anchor for https endpoints
  std::string etcd_cert_file;  // client certificate (mutual TLS)
  std::string etcd_key_file;

  std::string blob_account_url;  // https://ACCOUNT.blob.core.windows.net, or Azurite's
  std::string blob_container;
  std::string blob_name;  // empty: "keyward/<stack>.lock"

  // Equal configs reach the same lock service (the daemon shares one backend per config).
  std::string Key() const;
};

// --lock-* flags; an empty string is "not given".
struct LockOverrides {
  std::string backend;
  std::string ttl;
  std::string etcd_endpoints;  // comma-separated
  std::string etcd_prefix;
  std::string blob_account_url;
  std::string blob_container;
  std::string blob_name;
};

using EnvLookup = std::function<std::string(const std::string& name)>;

// keyward.yaml's `lock:` object (null when absent; already schema-validated) < environment <
// flags. Errors are kInvalidArgument and name where the bad value came from.
Result<LockConfig> ResolveLockConfig(const nlohmann::json& yaml_lock, const LockOverrides& flags,
                                     const EnvLookup& env);

// The parts of the flags and environment that can be judged without keyward.yaml (backend name,
// TTL, endpoint URLs): the daemon checks them at start, before any stack is loaded.
Status CheckLockOverrides(const LockOverrides& flags, const EnvLookup& env);

// What `keyward lock status` and the daemon's /status show (no credentials exist in it).
nlohmann::json LockConfigToJson(const LockConfig& config);

}  // namespace keyward::engine
