// The two key families of the emulator, vault keys (Microsoft.KeyVault/vaults/keys, keys.cc) and
// managed HSM keys (Microsoft.KeyVault/managedHSMs/keys, mhsm_keys.cc), 2024-11-01: create if not
// exist, get, list, get/list versions (ARM-NOTES §1.7, §5.4, keysManagedHsm.json). ARM can only
// create the *first* version of a key: a PUT of an existing key returns the stored key unchanged
// (no write, always 200), whatever the body says. There is no PATCH and no DELETE through ARM (no
// management action exists), so those methods answer 405.
//
// Storage, the same for both: the key is a row "{parent key}/keys/{name}" (parent = the vault or
// HSM) holding the current version's body; each version is a row "{key key}/versions/{version}"
// (parent = the key). They go with the parent: a vault keeps them in its deleted record for
// recover (vault_children.h), an HSM's soft delete removes them. HSM keys need a provisioned HSM:
// while it is still being created (no hsmUri yet) or after a failed creation, key calls answer
// 409 ManagedHsmNotProvisioned.
//
// KeyFamily holds one copy of the reads, the lists, the write of a new key and the routes, so
// the two families cannot drift apart; each family says how its parent loads, how a key is
// created and what its 404s say.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/server.h"
#include "emulator/store.h"

namespace keyward::emulator {

inline constexpr char kKeyType[] = "Microsoft.KeyVault/vaults/keys";
inline constexpr char kKeyVersionType[] = "Microsoft.KeyVault/vaults/keys/versions";
inline constexpr char kManagedHsmKeyType[] = "Microsoft.KeyVault/managedHSMs/keys";
inline constexpr char kManagedHsmKeyVersionType[] = "Microsoft.KeyVault/managedHSMs/keys/versions";

// The routes of both families.
void RegisterKeyRoutes(Router& router, const ServiceContext& context);

class KeyFamily {
 public:
  virtual ~KeyFamily() = default;

  // Validation order and body rules differ between the families (keys.cc, mhsm_keys.cc).
  virtual Reply CreateIfNotExist(RequestContext& r) = 0;
  Reply Get(RequestContext& r);
  Reply GetVersion(RequestContext& r);
  // Like the data plane's KeyItem, list items carry attributes, keyUri and tags only.
  Reply List(RequestContext& r);
  Reply ListVersions(RequestContext& r);

 protected:
  struct Types {
    const char* key;      // "Microsoft.KeyVault/vaults/keys"
    const char* version;  // "Microsoft.KeyVault/vaults/keys/versions"
  };
  // `version_needs_key`: a version of a missing key answers the key's 404 (vault keys) rather
  // than the version's (HSM keys).
  KeyFamily(const ServiceContext& context, Types types, bool version_needs_key)
      : ctx_(context), types_(types), version_needs_key_(version_needs_key) {}

  // The store key of the parent (vault or HSM) the request addresses, or the refusing reply.
  virtual std::optional<Reply> LoadParent(Store::Tx& tx, const RequestContext& r,
                                          std::string* parent_key) const = 0;
  // 404 for `child_path` ("keys/NAME", "keys/NAME/versions/V") under the request's parent.
  virtual ArmError ChildNotFound(const RequestContext& r, const std::string& child_path) const = 0;

  // "{parent key}/keys/{lowercased keyName}".
  static std::string KeyKey(const std::string& parent_key, const RequestContext& r);
  // Stores a new key (`body` is its response body) and its first version.
  void PutNewKey(Store::Tx& tx, const std::string& key, const std::string& parent_key,
                 const std::string& subscription, const std::string& name,
                 const nlohmann::json& body, const std::string& version) const;

  ServiceContext ctx_;
  Types types_;

 private:
  // One page of the parent's keys, or of the addressed key's versions.
  Reply ListPage(RequestContext& r, bool versions);
  ArmError KeyNotFound(const RequestContext& r) const;

  bool version_needs_key_;
};

// The two families (keys.cc, mhsm_keys.cc).
std::shared_ptr<KeyFamily> NewVaultKeys(const ServiceContext& context);
std::shared_ptr<KeyFamily> NewManagedHsmKeys(const ServiceContext& context);

}  // namespace keyward::emulator
