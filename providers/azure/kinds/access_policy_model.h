// What an access policy entry of a vault (properties.accessPolicies[]) means to keyward, as pure
// functions: the synthetic identity that lets MakePlan pair a declared entry with the live one,
// the canonical form of permissions, the diff, the add / remove bodies, and the plan-time checks
// (1024 entries per vault, RBAC vaults, exclusive ownership).
//
// ARM has no resource per entry: entries live inside the vault and are written with
// PUT .../vaults/{v}/accessPolicies/{add|remove} (ARM-NOTES §1.7, §5.3), which merge into the
// vault's list instead of replacing it, so entries declared by other tools survive. keyward gives
// each entry a synthetic, lowercase ARM id
//   {vault id}/accesspolicies/{tenantId}/{objectId}[/{applicationId}]
// used by Resolve (desired) and Refresh (live) alike.
//
// Canonical form of an entry (desired and live alike, so both compare byte-for-byte):
//   tenantId, objectId, applicationId   lowercase (applicationId absent when empty / null)
//   permissions                         all four lists present (keys, secrets, certificates,
//                                       storage); each value in ARM's enum spelling when it is
//                                       an enum member (case-insensitive match), else lowercase;
//                                       duplicates removed; sorted. A declared entry owns its
//                                       whole permission set: an omitted list means none.
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/single_kind.h"

namespace keyward::azure {

using Json = nlohmann::json;

inline constexpr char kAccessPolicyKind[] = "AccessPolicy";

// The kind's descriptor: its name, Resolve, PlanChange and export.
const SingleKind& AccessPolicyDescriptor();
// "Key vault supports up to 1024 access policy entries" (ARM-NOTES §5.3).
inline constexpr size_t kMaxAccessPoliciesPerVault = 1024;

// The permission lists of an entry, in ARM's order.
const std::vector<std::string>& AccessPolicyPermissionKinds();

// The vault id an AccessPolicy's spec.vault names: a full ARM id as written (a vault keyward may
// not manage), else the vault of that name in `subscription` / `resource_group`.
std::string AccessPolicyVaultId(const std::string& vault_ref, const std::string& subscription,
                                const std::string& resource_group);
bool IsFullVaultId(const std::string& vault_ref);

// Synthetic id of an entry (canonical or raw): see the header comment. "" without objectId.
std::string AccessPolicyArmId(const std::string& vault_id, const Json& entry);
// The vault id part of a synthetic id ("" when `arm_id` is not one).
std::string VaultIdOfAccessPolicy(const std::string& arm_id);
// Address of a live entry no manifest declares: AccessPolicy/{vault}/{objectId}[/{applicationId}].
std::string UndeclaredAccessPolicyAddress(const std::string& vault_name, const Json& entry);

// Canonical permissions (see the header comment) from a manifest's or ARM's permissions object.
Json CanonicalPermissions(const Json& permissions);
// The desired entry from an AccessPolicy spec, canonical.
Json BuildDesiredAccessPolicy(const Json& spec);
// A live entry (as in the vault's properties.accessPolicies), canonical. Null stays null.
Json NormalizeAccessPolicy(const Json& live_entry);
// Same identity: tenantId, objectId and applicationId equal, case-insensitively.
bool SameAccessPolicyIdentity(const Json& a, const Json& b);

// Field changes on "permissions.<kind>" (whole lists, before = live) between canonical entries.
std::vector<engine::FieldChange> DiffAccessPolicy(const Json& desired, const Json& live);
// Permissions held by `live` but not by `desired` (case-insensitive), as a permissions object
// with only the non-empty kinds; null when nothing is to be removed.
Json PermissionsToRemove(const Json& desired, const Json& live);

// Bodies of PUT accessPolicies/add and accessPolicies/remove for one entry (canonical).
Json BuildAddBody(const Json& entry);
Json BuildRemoveBody(const Json& entry, const Json& permissions);

// `spec.accessPolicies` of a Vault manifest: true for "exclusive" (any case).
bool DeclaresExclusiveAccessPolicies(const Json& vault_spec);

// One ObservedResource per entry of a live vault (the Vault handler's live object), entries of an
// exclusive vault marked remove_if_undeclared. Address: UndeclaredAccessPolicyAddress.
std::vector<engine::ObservedResource> ObservedAccessPolicies(const Json& live_vault,
                                                             bool exclusive);

// The address, ARM id and vault reference of a declared entry; an entry that grants nothing is an
// error (ARM would drop it, so the manifest could never converge).
engine::ResolveResponse ResolveAccessPolicy(const SingleKind& kind,
                                            const engine::ResolveRequest& request);

// Decides the change for one entry: create / update / no-op for a declared entry, delete for an
// undeclared entry of an exclusive vault (report-only when that vault's policy is observe), blocked
// when the vault would exceed 1024 entries (or when spec.vault names a managed vault in another
// resource group), with an RBAC warning when the vault authorizes data actions with Azure RBAC
// (access policies have no effect then).
engine::Change PlanAccessPolicyChange(const SingleKind& kind,
                                      const engine::PlanChangeRequest& request);

}  // namespace keyward::azure
