// What the emulated vaults and managed HSMs share because ARM soft-deletes both: the new live
// record, the deleted record (its id, the properties the deleted list shows, the live body kept
// for recover), finding it again for recover, purge protection, and the global name rules (a
// deleted record holds the name; in the caller's subscription it asks for recover or purge).
// Each kind keeps its own routes, validation, LRO shape and error texts (vaults.cc,
// managed_hsms.cc).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/store.h"

namespace keyward::emulator {

struct SoftDeleteKind {
  const char* type;                // "Microsoft.KeyVault/vaults"
  const char* deleted_type;        // "Microsoft.KeyVault/deletedVaults"
  const char* collection;          // id segment: "vaults"
  const char* deleted_collection;  // "deletedVaults"
  const char* original_id_field;   // deleted properties: the live id, "vaultId" | "mhsmId"
  const char* kept_body_field;     // _internal.<field> keeps the live body: "vault" | "hsm"
  bool purge_protection_default;   // enablePurgeProtection when the body omits it
  // The deleted list shows purgeProtectionEnabled: false too (HSM), or only when true (vault).
  bool lists_purge_protection_off;
  // Children (keys, secrets, ...) are kept in the deleted record and come back on recover
  // (vault), or are deleted with the resource (HSM).
  bool keeps_children;
};

// "/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{loc}/<deleted_collection>/{name}"
std::string DeletedId(const SoftDeleteKind& kind, const std::string& sub,
                      const std::string& location, const std::string& name);

// A new live record (id, name, type, systemData created and modified by the caller now).
StoredResource NewTopLevel(const SoftDeleteKind& kind, const std::string& key,
                           const std::string& parent, const std::string& sub, const std::string& rg,
                           const std::string& name, const RequestContext& r);

// Moves a live record into the deleted list (end of DELETE, and resource group deletion).
void SoftDelete(const SoftDeleteKind& kind, Store::Tx& tx, const StoredResource& live, double now);

// The deleted record holding `name` in `sub`, if any.
std::optional<StoredResource> FindDeleted(const SoftDeleteKind& kind, Store::Tx& tx,
                                          const std::string& sub, const std::string& name);

// Fills `fresh` (from NewTopLevel) with the kept configuration of `deleted`: location, sku, tags,
// properties, identity, the original creator; tags of the recover request win when it has some.
void RestoreKept(const StoredResource& deleted, const nlohmann::json& request_body,
                 const SoftDeleteKind& kind, StoredResource& fresh);

bool PurgeProtected(const SoftDeleteKind& kind, const StoredResource& deleted);

// Who holds a name being created: nobody, a deleted record in the caller's subscription (recover
// or purge it), or someone else (names are global).
enum class NameHolder { kNone, kDeletedHere, kOther };
NameHolder HolderOfName(const SoftDeleteKind& kind, Store::Tx& tx, const std::string& sub,
                        const std::string& name);

// 404 for a deleted record that does not exist.
ArmError DeletedNotFound(const SoftDeleteKind& kind, const std::string& location,
                         const std::string& name);

}  // namespace keyward::emulator
