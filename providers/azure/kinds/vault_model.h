// What a Microsoft.KeyVault/vaults resource means to keyward, as pure functions: the desired ARM
// body built from a manifest, the normalization that removes ARM's noise before diffing, the diff
// rules (only fields the user set are managed), and the immutability rules that turn a difference
// into `blocked` or `replace` instead of an update ARM would refuse.
//
// Everything here is free of I/O, clocks and randomness, so the whole planning logic of the Vault
// kind is unit-testable (vault_model_test.cc) and MakePlan stays pure. vault_handler.cc only adds
// the ARM calls.
//
// Canonical forms (applied to desired and live alike, so both sides compare byte-for-byte):
//   location           lowercase, spaces removed           ("West Europe" -> "westeurope")
//   tenantId           lowercase
//   sku                {family: "A", name: "standard"|"premium"}
//   publicNetworkAccess "Enabled" | "Disabled" (ARM's response casing)
//   networkAcls        bypass "AzureServices"|"None", defaultAction "Allow"|"Deny",
//                      ipRules sorted by value with a "/32" suffix removed,
//                      virtualNetworkRules sorted by lowercase id, default ignore flag dropped
//   numbers / booleans written as strings in YAML are converted to JSON numbers / booleans
// Live objects additionally lose read-only and server-computed fields and get ARM's server
// defaults for fields it omits (e.g. enableSoftDelete absent == true), so an unset boolean is not
// reported as drift against an explicit `false`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/soft_delete_model.h"

namespace keyward::azure {

using Json = nlohmann::json;

inline constexpr char kVaultKind[] = "Vault";

// Canonicalization pieces shared by the kinds with the same ARM shapes (Vault, ManagedHsm).
// Renames keys of `object` that match one of `canonical` case-insensitively to that spelling.
void CanonicalizeKeys(Json& object, const std::vector<std::string>& canonical);
// Maps object[key] (case-insensitively) onto one of `allowed`; unknown values stay as written.
void CanonicalizeEnum(Json& object, const std::string& key,
                      const std::vector<std::string>& allowed);
// "true"/"false" and digit strings (quoted in YAML) become JSON booleans / integers.
void CoerceBool(Json& object, const std::string& key);
void CoerceInt(Json& object, const std::string& key);
// networkAcls in the canonical form described at the top of this file (ipRules and
// virtualNetworkRules sorted sets, enum casing).
void CanonicalizeNetworkAcls(Json& acls);

// --- vault ----------------------------------------------------------------------------------

std::string VaultArmId(const std::string& subscription, const std::string& resource_group,
                       const std::string& name);

// The VaultProperties a manifest may set (keyward-only spec fields such as `location` and
// `tags`, or `accessPolicies: shared|exclusive` (AccessPolicy kind), are not ARM properties).
const std::vector<std::string>& ManagedVaultProperties();

// The desired ARM body in canonical form: {location, tags, properties{tenantId, sku, + every
// VaultProperties field the user set}}. `live` (normalized, may be null) only supplies the tags
// to preserve when the manifest does not manage tags.
Json BuildDesiredVaultBody(const Json& spec, const std::string& stack, const Json& live);

// Canonical form of a live Vault (see the header comment). Null stays null.
Json NormalizeVault(const Json& live);

// Canonicalizes a properties object in place (shared by desired and live).
void CanonicalizeVaultProperties(Json& properties);

// Field-level differences on managed fields only: every field present in `desired` (paths are
// "location", "properties.networkAcls.ipRules", "tags.<key>"), compared with `live`.
std::vector<engine::FieldChange> DiffVault(const Json& desired, const Json& live);

// Decides the change for one vault (see DESIGN.md §5 and the table in vault_model.cc).
engine::Change PlanVaultChange(const engine::PlanChangeRequest& request);

// Body of the create PUT: the desired body plus what ARM requires on create (sku default,
// accessPolicies: [] since a PUT replaces the list) minus values ARM refuses on create
// (enablePurgeProtection: false is rejected: "the property does not accept false").
Json BuildVaultCreateBody(const Json& desired);

// Body of the recover PUT: createMode recover with the required tenantId and sku only; recover
// restores the old configuration, the desired properties are PATCHed afterwards.
Json BuildVaultRecoverBody(const Json& desired);

// PATCH body converging `live` (normalized) to `desired` on the changed managed fields only.
// PATCH merges inside `properties` (so access policies and unmanaged fields survive), tags replace
// the whole set (so the full desired tag map is always sent). networkAcls is sent whole (live
// values overlaid with the managed ones), since nested merge is not guaranteed by the RP.
// Fields that cannot change after creation are never sent. Null when nothing is to be sent.
Json BuildVaultPatchBody(const Json& desired, const Json& live);

// A deletedVaults entry as the engine's SoftDeletedResource.
engine::SoftDeletedResource SoftDeletedVaultFromArm(const Json& deleted_vault,
                                                    const std::string& subscription);

// Key of ObservedSet::unavailable_names for a vault name (engine's format).
std::string UnavailableNameKey(const std::string& name);

}  // namespace keyward::azure
