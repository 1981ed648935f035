// What a private endpoint connection (Microsoft.KeyVault/vaults/privateEndpointConnections and
// managedHSMs/privateEndpointConnections, api-version 2024-11-01) means to keyward, as pure
// functions shared by the PrivateEndpointConnection and MhsmPrivateEndpointConnection kinds.
//
// Connections are created by Microsoft.Network when someone creates a private endpoint that
// targets the vault or HSM; ARM chooses their names. So a manifest identifies a connection by the
// private endpoint's ARM id, Resolve gives no ARM id, and Refresh hands each live connection whose
// properties.privateEndpoint.id equals (case-insensitively) a desired privateEndpointId that
// desired resource's address (MakePlan then matches by address). The owner side can only set
// privateLinkServiceConnectionState {status, description}; there is no create, and keyward never
// deletes a connection (docs/manifests/privateendpointconnection.md says why).
//
// Canonical form of a connection (live objects from the connection list or GET and the read-only
// summaries in the parent's properties.privateEndpointConnections[] alike):
//   {id, name, etag, properties: {privateEndpoint: {id}, provisioningState,
//    privateLinkServiceConnectionState: {status, description, actionsRequired}}}
// with status and actionsRequired in ARM's casing ("Approved", "None") and name taken from the id
// when ARM leaves it out (the summaries have no name).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

using Json = nlohmann::json;

// The two kinds differ only in their parent; everything else is shared.
struct PecKind {
  const char* kind;               // "PrivateEndpointConnection"
  const char* parent_kind;        // "Vault"
  const char* parent_field;       // spec field naming the parent: "vault"
  const char* parent_collection;  // ARM type segment: "vaults"
  const char* parent_noun;        // for messages: "vault"
  // The model's functions, for the handler (kind_handler.h).
  engine::ResolveResponse (*resolve)(const PecKind& kind, const engine::ResolveRequest& request);
  engine::Change (*plan_change)(const PecKind& kind, const engine::PlanChangeRequest& request);
  ExportManifestFunction export_manifest;
  engine::KindTraits (*traits)();
};

// The parent a manifest names in spec.vault / spec.managedHsm: a name in the manifest's
// subscription and resource group, or a full ARM id (possibly of a parent keyward does not manage).
struct PecParent {
  std::string id;    // "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
  std::string name;  // "kv"
  bool from_id = false;
};

// Nullopt (and `error` set) when the field is missing or not a name / an id of the right type.
std::optional<PecParent> PecParentOf(const PecKind& kind, const engine::DesiredResource& desired,
                                     std::string* error);

// Address, references and validation of a desired connection; arm_id stays empty (ARM names it).
engine::ResolveResponse ResolvePec(const PecKind& kind, const engine::ResolveRequest& request);

// Canonical form (see the header comment). Null stays null.
Json NormalizePec(const Json& live);

// The private endpoint id of a live (raw or normalized) connection; "" when absent.
std::string PrivateEndpointIdOf(const Json& live);

// The body apply PUTs: {properties: {privateLinkServiceConnectionState: {status, description
// [, actionsRequired]}}}. A description the manifest leaves out is not managed: the live one is
// sent back unchanged (so an unset description never shows as drift nor gets erased).
Json BuildDesiredPecBody(const Json& spec, const Json& normalized_live);

// Field changes on the managed fields (paths under properties.privateLinkServiceConnectionState).
std::vector<engine::FieldChange> DiffPec(const Json& desired, const Json& normalized_live);

// Decides the change for one connection (the table is in pec_model.cc).
engine::Change PlanPecChange(const PecKind& kind, const engine::PlanChangeRequest& request);

inline constexpr PecKind kVaultPecKind = {
    "PrivateEndpointConnection", "Vault", "vault", "vaults", "vault", ResolvePec, PlanPecChange,
    ExportPecManifest,           nullptr};
inline constexpr PecKind kHsmPecKind = {"MhsmPrivateEndpointConnection",
                                        "ManagedHsm",
                                        "managedHsm",
                                        "managedHSMs",
                                        "managed HSM",
                                        ResolvePec,
                                        PlanPecChange,
                                        ExportPecManifest,
                                        nullptr};

// Etag where ARM gives one, else a hash of the normalized object.
std::string PecFingerprint(const Json& normalized);

// Observed resources for the live connections of one parent. Each desired connection of that
// parent takes its private endpoint's connection (one that is not Disconnected when Microsoft.
// Network made several for the same endpoint, e.g. after it was deleted and created again) and
// that desired resource's address; every other connection gets "<Kind>/<parent>/<connection>",
// or its ARM id when that would collide with an address in `taken_addresses`.
std::vector<engine::ObservedResource> ObservePecs(
    const PecKind& kind, const std::string& parent_name, const std::vector<Json>& connections,
    const std::vector<const engine::DesiredResource*>& desired_of_parent,
    const std::vector<std::string>& taken_addresses);

}  // namespace keyward::azure
