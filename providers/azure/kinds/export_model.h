// `keyward export` for the Azure kinds, as pure functions: each turns a live resource (as its
// handler's Refresh observed it) into the manifest document that plans as no-op against it in a
// stack without ownership (keyward.yaml without `stack`). The inverse of each kind's desired-body
// builder: only fields a manifest may set, taken from the normalized live object so both sides of
// the later diff canonicalize alike; keyward's own tags (keyward-stack, keyward-value-hmac) are
// dropped; children name their parent by name (`spec.vault`, `spec.managedHsm`) with
// metadata.resourceGroup written only when it differs from the exported default.
//
// Secret values cannot be read from ARM: an exported Secret gets
// `valueFrom: {env: <ExportedSecretEnvName>, placeholder: true}`, planned `blocked`
// (secret_source_placeholder) while that variable is unset (engine/secret_source.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/resource.h"
#include "engine/resource_handler.h"

namespace keyward::azure {

using Json = nlohmann::json;

// A kind's export, the function its descriptor names (kind_handler.h). The exports below are
// declared by this one signature.
using ExportManifestSignature = std::optional<Json>(const engine::ObservedResource& observed,
                                                    const engine::ExportContext& context);
using ExportManifestFunction = ExportManifestSignature*;

// What a kind's export builds its document from.
// User tags only: keyward's own tags are written by keyward, never by a manifest. Null when none
// remain, so that the tags stay unmanaged instead of being pinned to {}.
Json UserTags(const Json& live);
// metadata: name, plus resourceGroup / subscription only where they differ from keyward.yaml.
Json Metadata(const std::string& name, const std::string& arm_id,
              const engine::ExportContext& context, bool has_resource_group = true);
// The manifest document {apiVersion, kind, metadata, spec}.
Json Document(const char* kind, Json metadata, Json spec);
// Copies `names` from the live properties, skipping nulls.
void CopyProperties(const Json& properties, const std::vector<std::string>& names, Json& spec);

// "KEYWARD_SECRET_<VAULT>_<SECRET>", uppercased, every other character as '_'.
std::string ExportedSecretEnvName(const std::string& vault, const std::string& secret);

ExportManifestSignature ExportResourceGroupManifest;
ExportManifestSignature ExportVaultManifest;
ExportManifestSignature ExportAccessPolicyManifest;
// Key and ManagedHsmKey (`parent_field`: "vault" | "managedHsm").
ExportManifestSignature ExportKeyManifest;
ExportManifestSignature ExportSecretManifest;
// PrivateEndpointConnection and MhsmPrivateEndpointConnection. Only Approved / Rejected
// connections: Pending and Disconnected are Microsoft.Network's states, not a manifest's.
ExportManifestSignature ExportPecManifest;
ExportManifestSignature ExportManagedHsmManifest;

}  // namespace keyward::azure
