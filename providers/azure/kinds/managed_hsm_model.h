// What a Microsoft.KeyVault/managedHSMs resource means to keyward, as pure functions: the desired
// ARM body built from a manifest, normalization, the managed-field diff, and the rules that turn
// a difference ARM would refuse into `replace` or `blocked`. The soft-delete decisions (recover,
// purge-then-create, retention and purge-protection immutability, adopt) are the vault's, shared
// through soft_delete_model.h. managed_hsm_handler.cc only adds the ARM calls.
//
// Canonical forms (desired and live alike):
//   location              lowercase, spaces removed
//   sku                   {family: "B"|"C", name: "Standard_B1"|"Custom_B32"|...} (ARM spelling;
//                         the family is the letter after "_" when the manifest leaves it out)
//   tenantId              lowercase
//   initialAdminObjectIds lowercase, sorted, duplicates removed (a set)
//   publicNetworkAccess   "Enabled" | "Disabled"
//   networkAcls           as for vaults (vault_model.h)
//   regions               [{name}] sorted by name, the primary (= location) always included;
//                         live replicas being removed (provisioningState Deleting) are gone
// Live objects lose read-only fields (provisioningState, statusMessage, hsmUri,
// securityDomainProperties, privateEndpointConnections, scheduledPurgeDate, enableSoftDelete)
// and get ARM's defaults for omitted fields (retention 90, purge protection true, public network
// access Enabled).
//
// What can change after creation (ARM-NOTES §1.7, §5.5; the replace list is partly inference,
// matching what azurerm forces a new HSM for):
//   tags, networkAcls, publicNetworkAccess, regions, enablePurgeProtection false -> true: PATCH
//   location, sku, tenantId, initialAdminObjectIds: replace (delete, purge, create), which is
//     blocked while purge protection (on by default) would hold the name
//   softDeleteRetentionInDays, enablePurgeProtection true -> false: blocked
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/soft_delete_model.h"

namespace keyward::azure {

using Json = nlohmann::json;

inline constexpr char kManagedHsmKind[] = "ManagedHsm";
// Microsoft's limit: 5 managed HSMs per subscription per region (ARM-NOTES §3.4).
inline constexpr int kManagedHsmQuotaPerRegion = 5;

std::string ManagedHsmArmId(const std::string& subscription, const std::string& resource_group,
                            const std::string& name);

// The desired body {location, sku?, tags, properties{...fields the user set}} in canonical form.
// `live` (normalized, may be null) supplies the tags to preserve when tags are not managed.
Json BuildDesiredManagedHsmBody(const Json& spec, const std::string& stack, const Json& live);

// Canonical form of a live ManagedHsm (see the header comment). Null stays null.
Json NormalizeManagedHsm(const Json& live);

// Differences on managed fields only ("location", "sku.name", "properties.regions",
// "tags.<key>").
std::vector<engine::FieldChange> DiffManagedHsm(const Json& desired, const Json& live);

// Decides the change for one managed HSM (create / update / adopt / recover /
// purge-then-create / replace / blocked / delete / no-op).
engine::Change PlanManagedHsmChange(const engine::PlanChangeRequest& request);

// Create PUT body: the desired body plus the sku ARM requires (Standard_B1 when unset).
Json BuildManagedHsmCreateBody(const Json& desired);
// Recover PUT body: createMode recover with what the PUT requires (sku, tenantId, admins).
// Recover restores the old configuration; the desired properties are PATCHed afterwards.
Json BuildManagedHsmRecoverBody(const Json& desired);
// PATCH body with the changed updatable fields (tags always whole; networkAcls whole, live values
// overlaid with the managed ones; regions whole). Null when nothing is to be sent.
Json BuildManagedHsmPatchBody(const Json& desired, const Json& live);

// Secondary regions of a normalized live HSM (ARM refuses to delete an HSM that has any).
std::vector<std::string> SecondaryRegions(const Json& normalized_live);

// A deletedManagedHSMs entry as the engine's SoftDeletedResource.
engine::SoftDeletedResource SoftDeletedManagedHsmFromArm(const Json& deleted,
                                                         const std::string& subscription);

// Key of ObservedSet::unavailable_names for an HSM name ("ManagedHsm/<lowercase name>").
std::string ManagedHsmUnavailableNameKey(const std::string& name);

}  // namespace keyward::azure
