// The planning decisions shared by the kinds ARM soft-deletes (Vault, ManagedHsm), as pure
// functions over engine::Change. Both kinds behave the same way in ARM: DELETE leaves a
// soft-deleted proxy that holds the name for softDeleteRetentionInDays, recover restores the old
// configuration, purge is refused while purge protection is on, retention days are fixed at
// creation and purge protection cannot be turned off. One implementation keeps the two kinds'
// plans (actions, reason codes, wording) identical.
//
// `noun` is how the reason names the resource ("vault", "managed HSM"); everything else about a
// kind's fields stays in its own model (vault_model.h, managed_hsm_model.h).
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "providers/azure/kinds/soft_deletable_kind.h"

namespace keyward::azure {

// Days a deleted vault or managed HSM is kept when the manifest does not say (ARM's default).
inline constexpr int kDefaultRetentionDays = 90;

// Sets action blocked with `code` and `reason`; a second block appends its reason (the first
// code stays, so the reason_code is stable whatever else is wrong).
void AddBlock(engine::Change& change, const std::string& code, const std::string& reason);

struct SoftDeletedNameRequest {
  std::string noun;              // "vault"
  std::string name;              // the desired name
  std::string desired_location;  // canonical
  std::string desired_resource_group;
  const engine::SoftDeletedResource* deleted = nullptr;  // holds the name in this subscription
  bool purge_policy = false;                             // PlanOptions::purge_then_create
  std::string purge_destroys;                            // "its keys, secrets and certificates"
  std::string original_id_marker;  // ARM id segment before the name: "vaults", "managedHSMs"
};

// A soft-deleted resource holds the desired name in this subscription. Decides, in this order:
// purge-then-create (policy asks, no purge protection); recover (same location and resource
// group: recover keeps both, then the desired properties are applied); blocked
// blocked_by_purge_protection (recover would land elsewhere and purge is refused, with the date
// the name frees up); blocked soft_deleted_elsewhere (recover would land elsewhere).
void PlanSoftDeletedName(const SoftDeletedNameRequest& request, engine::Change& change);

// Blocks what ARM refuses on an existing resource: softDeleteRetentionInDays changed
// (immutable_after_create) and enablePurgeProtection true -> false
// (purge_protection_irreversible). `desired` and `live` are normalized bodies whose
// `properties` carry the server defaults (retention 90 when ARM omits it).
void CheckSoftDeleteImmutability(const std::string& noun, const engine::Json& desired,
                                 const engine::Json& live, engine::Change& change);

// A replace is delete + purge + create. Blocks it when purge protection keeps the deleted
// name reserved (blocked_by_purge_protection) or when the live resource is not this stack's
// (not_owned). `what` says which immutable field differs.
void CheckReplaceAllowed(const std::string& noun, const std::string& what, bool purge_protected,
                         int retention_days, bool owned_by_stack, const std::string& stack,
                         engine::Change& change);

// Ownership of a live resource: tagged by another stack -> blocked owned_by_other_stack; untagged
// -> adopt (reason mentions `field_count` fields to reconcile, plus `note`). Returns true when it
// decided the action. `owner` is the live keyward-stack tag ("" when untagged); an empty stack
// owns everything (no adopt that could never converge).
bool PlanOwnership(const std::string& noun, const std::string& stack, const std::string& owner,
                   size_t field_count, const std::string& note, engine::Change& change);

// "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/<collection>/{name}"
std::string SoftDeletableArmId(const SoftDeletableKind& kind, const std::string& subscription,
                               const std::string& resource_group, const std::string& name);

// Address, ARM id, the (optional) edge to the resource group, and the kind's check_spec.
engine::ResolveResponse ResolveSoftDeletable(const SoftDeletableKind& kind,
                                             const engine::ResolveRequest& request);

// The whole plan of one resource of `kind`: prune (delete, owned only), absent (create, recover,
// purge-then-create or blocked by a name held elsewhere), present (blocked by what ARM refuses,
// replace, adopt, re-provision a Failed resource, update, no-op). The kind's hooks add its own
// rules (see soft_deletable_kind.h).
engine::Change PlanSoftDeletableChange(const SoftDeletableKind& kind,
                                       const engine::PlanChangeRequest& request);

// A resource whose creation or last update ended Failed is not usable even when every managed
// field matches: the plan carries this field change, and apply sends every managed property
// again (a PATCH) and waits for provisioning.
inline constexpr char kProvisioningStatePath[] = "properties.provisioningState";
bool ProvisioningFailed(const Json& live);
// True when `change` is a re-provisioning of a Failed resource (it carries the field above).
bool ReprovisionsFailed(const engine::Change& change);

// An entry of the kind's deleted list as the engine's SoftDeletedResource (the name in the
// proxy id is authoritative: ARM's example `name` field disagrees with its id).
engine::SoftDeletedResource SoftDeletedFromArm(const SoftDeletableKind& kind, const Json& deleted,
                                               const std::string& subscription);

// PATCH body converging live to desired on `changes` (DiffVault / DiffManagedHsm): the whole
// desired tag map when any tag changed (PATCH replaces the set), each changed top-level property
// (an object whole: the live value overlaid with the desired one, since nested merge is not
// guaranteed), except what `skip(path, property, desired value)` says ARM refuses (fixed or
// one-way fields; the plan reports them). Null when nothing is to be sent.
Json BuildSoftDeletablePatchBody(const std::vector<engine::FieldChange>& changes,
                                 const Json& desired, const Json& live,
                                 bool (*skip)(const std::string& path, const std::string& property,
                                              const Json& want));

// ARM's defaults for an omitted networkAcls (and its omitted members) in normalized properties.
void DefaultNetworkAcls(Json& properties);

}  // namespace keyward::azure
