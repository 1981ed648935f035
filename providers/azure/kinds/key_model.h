// What a key means to keyward, for both key kinds (vault keys, Microsoft.KeyVault/vaults/keys, and
// managed HSM keys, Microsoft.KeyVault/managedHSMs/keys), as pure functions: the desired ARM body,
// normalization, the diff, and the plan.
//
// The one fact that shapes everything here: ARM's only write for keys is Keys_CreateIfNotExist
// ("If it already exists, then the existing key is returned without any write operations being
// performed. This API does not create subsequent versions, and does not update existing keys"),
// and there is no ARM delete. So a key is created once, and afterwards every difference — a
// property, a tag, the missing ownership tag, a prune — is `unsupported`: reported with the
// fields it concerns, never planned as an update apply could not perform.
//
// Canonical forms (desired and live alike):
//   kty          "EC" | "EC-HSM" | "RSA" | "RSA-HSM" (any case in); in a managed HSM every key is
//                HSM-protected, so "RSA" and "RSA-HSM" (and "EC" / "EC-HSM") compare equal there
//   curveName    "P-256" | "P-384" | "P-521" | "P-256K"
//   keyOps       canonical casing ("wrapKey"), sorted, duplicates removed: a set
//   attributes   enabled / nbf / exp / exportable only (created, updated, recoveryLevel are
//                read-only); live `exportable` absent == false (the spec's default)
//   rotationPolicy  attributes.expiryTime plus lifetimeActions sorted, with action.type in
//                lowercase ("rotate" | "notify"); read-only created/updated dropped
//   release_policy  the manifest's `releasePolicy`, under ARM's name; contentType defaults to
//                "application/json; charset=utf-8" (the spec's default)
// Desired gets the spec's documented server defaults for what the user left out: keySize 2048
// for RSA keys, curveName P-256 for EC keys. Everything else the user did not write is not managed.
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

using Json = nlohmann::json;

struct KeyKind;
engine::ResolveResponse ResolveKey(const KeyKind& kind, const engine::ResolveRequest& request);
engine::Change PlanKeyChange(const KeyKind& kind, const engine::PlanChangeRequest& request);

// The differences between the two key kinds; everything else is shared.
struct KeyKind {
  const char* kind;            // "Key" | "ManagedHsmKey"
  const char* parent_kind;     // "Vault" | "ManagedHsm"
  const char* parent_field;    // spec field naming the parent: "vault" | "managedHsm"
  const char* parent_segment;  // ARM id segment of the parent: "vaults" | "managedHSMs"
  bool hsm;                    // every key is HSM-protected (kty equivalence, see above)
  const char* cli_delete;      // data-plane delete command, for the prune reason
  // The model's functions, for the handler (kind_handler.h): the same for every key kind.
  engine::ResolveResponse (*resolve)(const KeyKind& kind,
                                     const engine::ResolveRequest& request) = ResolveKey;
  engine::Change (*plan_change)(const KeyKind& kind,
                                const engine::PlanChangeRequest& request) = PlanKeyChange;
  ExportManifestFunction export_manifest = ExportKeyManifest;
  engine::KindTraits (*traits)() = nullptr;
};

const KeyKind& VaultKeyKind();
const KeyKind& ManagedHsmKeyKind();

inline constexpr int kDefaultRsaKeySize = 2048;
inline constexpr char kDefaultCurve[] = "P-256";

// The parent named by spec.vault / spec.managedHsm: a name (same subscription and resource group
// as the key) or a full ARM id (possibly of a parent keyward does not manage).
struct KeyParent {
  std::string arm_id;   // "" when the spec names no parent
  std::string name;     // the parent's ARM name
  std::string address;  // "Vault/<name>" / "ManagedHsm/<name>"
  bool by_id = false;   // given as a full ARM id: the reference is not required in the set
};
KeyParent KeyParentOf(const KeyKind& kind, const engine::DesiredResource& desired);

// "Key/<vault>/<key>" for a live key's ARM id; "" when the id is not a key of this kind.
std::string KeyAddressFromId(const KeyKind& kind, const std::string& arm_id);

// ResolveKey (declared above KeyKind): address, ARM id, the parent reference, and the checks the
// JSON Schema cannot express (parameters that belong to the other key family, exportable without
// a release policy).

// The canonical key properties (see the header comment) of a manifest spec or an ARM properties
// object. `live` selects the live rules (read-only fields dropped, `exportable` defaulted, the
// release policy read from ARM's `release_policy` instead of the manifest's `releasePolicy`).
Json CanonicalKeyProperties(const Json& properties, bool live);

// The desired body in canonical form: {tags, properties}; it is also the create PUT body. Tags are
// the user's tags plus the ownership tag, or the live tags when the manifest does not manage tags.
Json BuildDesiredKeyBody(const KeyKind& kind, const Json& spec, const std::string& stack,
                         const Json& live);

// Canonical form of a live key (GET or list item): {tags, properties}. Null stays null.
Json NormalizeKey(const KeyKind& kind, const Json& live);

// Differences on the fields the desired body holds, paths "properties.keySize", "tags.team".
// The ownership tag is not among them (ownership is decided apart).
std::vector<engine::FieldChange> DiffKey(const KeyKind& kind, const Json& desired,
                                         const Json& live);

// PlanKeyChange (declared above KeyKind): the change for one key address (DESIGN.md §5): create,
// no-op, or unsupported with one of the reason codes adopt_not_possible, owned_by_other_stack,
// immutable_after_create, arm_cannot_delete; blocked hsm_key_needs_premium_vault when a vault in
// the plan is standard.

}  // namespace keyward::azure
