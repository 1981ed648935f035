// A top-level kind that ARM soft-deletes (Vault, ManagedHsm), described as data: its ARM paths,
// its soft-deleted list, how its writes finish, and the model functions and plan hooks that differ
// between the kinds. One plan (soft_delete_model.h PlanSoftDeletableChange) and one handler
// (soft_deletable_handler.h) read it, so delete, purge, recover and re-provisioning exist once.
//
// Both kinds: DELETE leaves a soft-deleted proxy holding the name; recover is a PUT with
// createMode recover; purge is POST .../locations/{loc}/<deleted_collection>/{name}/purge; the
// name is global (a check*NameAvailability call); existing resources are PATCHed, never re-PUT.
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

using Json = nlohmann::json;

struct SoftDeletableKind;
// The family's Resolve and plan (soft_delete_model.h), the same for every soft-deletable kind.
engine::ResolveResponse ResolveSoftDeletable(const SoftDeletableKind& kind,
                                             const engine::ResolveRequest& request);
engine::Change PlanSoftDeletableChange(const SoftDeletableKind& kind,
                                       const engine::PlanChangeRequest& request);

struct SoftDeletableKind {
  // --- identity and ARM shape ---
  const char* kind;                // "Vault" | "ManagedHsm"
  const char* noun;                // how reasons and errors name it: "vault" | "managed HSM"
  const char* collection;          // ARM id segment and type: "vaults" | "managedHSMs"
  const char* deleted_collection;  // "deletedVaults" | "deletedManagedHSMs"
  const char* original_id_field;   // a deleted entry's id of the live resource: "vaultId"
  const char* check_name_action;   // "checkNameAvailability" | "checkMhsmNameAvailability"
  bool check_name_sends_type;      // the check body carries {"type": "Microsoft.KeyVault/..."}
  // One list per subscription (ManagedHsm: the region quota counts every HSM of it) instead of
  // one per resource group of the desired resources.
  bool list_per_subscription;
  // LRO shape: PUT always finishes asynchronously (polled); PATCH and DELETE only when set.
  bool patch_waits;
  bool delete_waits;
  const char* purge_destroys;  // for the purge_then_create reason: "its keys and ..."
  // Create, PATCH and re-provision send absolute values, so a second application changes
  // nothing: they are retried on 408 / 502 and a provisioning that failed on the service's side
  // is sent once more (RequestOptions::safe_to_repeat). Vault: proven by the fault campaign;
  // ManagedHsm: not yet.
  bool writes_safe_to_repeat;

  // --- model (the kind's own pure functions) ---
  Json (*normalize)(const Json& live);
  Json (*build_desired)(const Json& spec, const std::string& stack, const Json& live);
  std::vector<engine::FieldChange> (*diff)(const Json& desired, const Json& live);
  Json (*create_body)(const Json& desired);
  Json (*recover_body)(const Json& desired);
  Json (*patch_body)(const Json& desired, const Json& normalized_live);  // null: nothing to send

  // --- the handler's pure calls (kind_handler.h) ---
  engine::ResolveResponse (*resolve)(const SoftDeletableKind& kind,
                                     const engine::ResolveRequest& request) = ResolveSoftDeletable;
  engine::Change (*plan_change)(const SoftDeletableKind& kind,
                                const engine::PlanChangeRequest& request) = PlanSoftDeletableChange;
  ExportManifestFunction export_manifest;
  engine::KindTraits (*traits)();
  // Rules across spec fields the schema cannot express, reported into `out` (vault: purge
  // protection needs soft delete). Null: none.
  void (*check_spec)(const engine::DesiredResource& resource, engine::ResolveResponse& out);

  // --- plan hooks (null: nothing kind-specific) ---
  // Blocks beyond the shared retention / purge-protection rules (vault: soft delete off).
  void (*check_present)(const Json& desired, const Json& live, engine::Change& change);
  // A difference only a replace can make: returns true and sets `what` (for the blocked reason)
  // and `reason` (for the replace).
  bool (*needs_replace)(const Json& desired, const Json& live,
                        const std::vector<engine::FieldChange>& changes, std::string* what,
                        std::string* reason);
  // Appended to the update / adopt reason (vault: what a tenant change does to access policies).
  std::string (*update_note)(const std::vector<engine::FieldChange>& changes);
  // Runs when the plan adds a resource (create, recover, purge-then-create): quota, warnings.
  void (*on_add)(const engine::PlanChangeRequest& request, engine::Change& change);
  // Appended to the prune (delete) reason.
  std::string (*prune_note)(const Json& normalized_live);
};

const SoftDeletableKind& VaultSoftDeletableKind();
const SoftDeletableKind& ManagedHsmSoftDeletableKind();

}  // namespace keyward::azure
