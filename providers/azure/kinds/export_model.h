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

#include "engine/resource.h"
#include "engine/resource_handler.h"

namespace keyward::azure {

using Json = nlohmann::json;

// A kind's export, as its descriptor names it (kind_handler.h).
using ExportManifestFunction = std::optional<Json> (*)(const engine::ObservedResource& observed,
                                                       const engine::ExportContext& context);

// "KEYWARD_SECRET_<VAULT>_<SECRET>", uppercased, every other character as '_'.
std::string ExportedSecretEnvName(const std::string& vault, const std::string& secret);

std::optional<Json> ExportResourceGroupManifest(const engine::ObservedResource& observed,
                                                const engine::ExportContext& context);
std::optional<Json> ExportVaultManifest(const engine::ObservedResource& observed,
                                        const engine::ExportContext& context);
std::optional<Json> ExportAccessPolicyManifest(const engine::ObservedResource& observed,
                                               const engine::ExportContext& context);
// Key and ManagedHsmKey (`parent_field`: "vault" | "managedHsm").
std::optional<Json> ExportKeyManifest(const engine::ObservedResource& observed,
                                      const engine::ExportContext& context);
std::optional<Json> ExportSecretManifest(const engine::ObservedResource& observed,
                                         const engine::ExportContext& context);
// PrivateEndpointConnection and MhsmPrivateEndpointConnection. Only Approved / Rejected
// connections: Pending and Disconnected are Microsoft.Network's states, not a manifest's.
std::optional<Json> ExportPecManifest(const engine::ObservedResource& observed,
                                      const engine::ExportContext& context);
std::optional<Json> ExportManagedHsmManifest(const engine::ObservedResource& observed,
                                             const engine::ExportContext& context);

}  // namespace keyward::azure
