// What a Microsoft.KeyVault/vaults/secrets resource means to keyward, as pure functions (the
// Secret kind; DESIGN.md §6). secret_handler.cc only adds the ARM calls.
//
// ARM never returns a secret's value, so keyward compares fingerprints instead: every secret it
// writes carries the tag `keyward-value-hmac: <key-id>:<hmac>` (engine/secret_source.h), and
// DesiredResource::value_fingerprint holds the fingerprint of the source value now. Plan:
//   live tag == desired fingerprint  value up to date
//   live tag absent                  update, value_changed_outside_keyward (drift: the tag is
//                                    dropped by any PUT that does not carry it)
//   other fingerprint, same key-id   update, source_value_changed
//   other key-id                     update, fingerprint_key_changed (the value is written again)
// Change::after never holds the value (apply reads it from the source again); the value shows in
// field changes as `properties.value`, which is in Change::sensitive_paths.
//
// Canonical form (desired and live): {tags, properties: {contentType?, attributes: {enabled,
// nbf?, exp?}}}; live loses server-computed fields (secretUri*, created, updated, recoveryLevel)
// and gets ARM's default enabled: true. nbf / exp are Unix seconds, as ARM stores them; manifests
// may write RFC 3339 UTC timestamps ("2027-01-01T00:00:00Z"), converted here.
//
// ARM has no DELETE for secrets: a prune candidate is `unsupported`, or with keyward.yaml
// `secrets: {onPrune: disable}` an update that sets attributes.enabled: false.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/single_kind.h"

namespace keyward::azure {

using Json = nlohmann::json;

inline constexpr char kSecretKind[] = "Secret";
inline constexpr char kValueHmacTag[] = "keyward-value-hmac";

// The kind's descriptor: its name, Resolve, PlanChange, export and traits.
const SingleKind& SecretDescriptor();

struct SecretRef {
  std::string vault_id;  // canonical vault ARM id
  std::string vault_name;
  bool external = false;  // spec.vault was a full ARM id
};

// Resolves spec.vault: a vault name (same subscription / resource group as the secret) or a full
// ARM id. nullopt when neither.
std::optional<SecretRef> SecretVaultOf(const engine::DesiredResource& secret);

std::string SecretArmId(const std::string& vault_id, const std::string& name);

// "2027-01-01T00:00:00Z" or an integer -> Unix seconds; nullopt when neither.
std::optional<long long> UnixSecondsOf(const Json& value);

// Canonical live secret (see the header comment). Null stays null.
Json NormalizeSecret(const Json& live);

// The desired canonical body, without the value: managed properties from the spec, tags =
// DesiredTags(spec, live tags, stack) + kValueHmacTag: value_fingerprint.
Json BuildDesiredSecretBody(const engine::DesiredResource& desired, const std::string& stack,
                            const Json& normalized_live);

// Field changes on managed fields (contentType and attributes the manifest sets, tags).
std::vector<engine::FieldChange> DiffSecret(const Json& desired, const Json& live);

// The address, ARM id and vault reference of a declared secret, and the rules across its fields
// (value source, reserved tag, attribute times).
engine::ResolveResponse ResolveSecret(const SingleKind& kind,
                                      const engine::ResolveRequest& request);

engine::Change PlanSecretChange(const SingleKind& kind, const engine::PlanChangeRequest& request);

// The fingerprint tag of a canonical body ("" when absent).
std::string ValueFingerprintOf(const Json& body);

// True when applying `change` writes the value (create, or the fingerprint tag changes).
bool WritesValue(const engine::Change& change);

// PUT body: the planned body with unmanaged live fields kept (a PUT is a new version holding only
// what it names) and the value. Holds the value: the caller wipes it.
Json BuildSecretPutBody(const Json& desired, const Json& normalized_live, const std::string& value);

// PATCH body for attribute / tag changes (no value). Null when nothing is to be sent.
Json BuildSecretPatchBody(const Json& desired, const Json& normalized_live);

}  // namespace keyward::azure
