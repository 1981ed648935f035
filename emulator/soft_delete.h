// What the emulated vaults and managed HSMs share because ARM soft-deletes both: the new live
// record, the deleted record (its id, the properties the deleted list shows, the live body kept
// for recover), finding it again for recover, purge protection, and the global name rules (a
// deleted record holds the name; in the caller's subscription it asks for recover or purge), the
// purge refusal, the recover checks, the name availability answer and the routes. One copy, so a
// fix to delete, purge or recover cannot reach one kind and miss the other. Each kind keeps its
// validation, LRO shape and the texts that differ (vaults.cc, managed_hsms.cc).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/server.h"
#include "emulator/store.h"

namespace keyward::emulator {

struct SoftDeleteKind {
  const char* type;                // "Microsoft.KeyVault/vaults"
  const char* deleted_type;        // "Microsoft.KeyVault/deletedVaults"
  const char* collection;          // id segment: "vaults"
  const char* deleted_collection;  // "deletedVaults"
  const char* original_id_field;   // deleted properties: the live id, "vaultId" | "mhsmId"
  const char* kept_body_field;     // _internal.<field> keeps the live body: "vault" | "hsm"
  bool purge_protection_default;   // enablePurgeProtection when the body omits it
  // The deleted list shows purgeProtectionEnabled: false too (HSM), or only when true (vault).
  bool lists_purge_protection_off;
  // Children (keys, secrets, ...) are kept in the deleted record and come back on recover
  // (vault), or are deleted with the resource (HSM).
  bool keeps_children;
  const char* noun;         // in error texts: "vault" | "managed HSM"
  const char* auto_purger;  // who purges a protected record: "Key Vault" | "The service"
};

// "/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{loc}/<deleted_collection>/{name}"
std::string DeletedId(const SoftDeleteKind& kind, const std::string& sub,
                      const std::string& location, const std::string& name);

// A new live record (id, name, type, systemData created and modified by the caller now).
StoredResource NewTopLevel(const SoftDeleteKind& kind, const std::string& key,
                           const std::string& parent, const std::string& sub, const std::string& rg,
                           const std::string& name, const RequestContext& r);

// Moves a live record into the deleted list (end of DELETE, and resource group deletion).
void SoftDelete(const SoftDeleteKind& kind, Store::Tx& tx, const StoredResource& live, double now);

// Deleting a resource group soft-deletes its live records of this kind, like their DELETE.
void SoftDeleteWithResourceGroup(const ServiceContext& context, const SoftDeleteKind& kind);

// The deleted record a get or purge route addresses (by its id), if any.
std::optional<StoredResource> GetDeleted(const SoftDeleteKind& kind, Store::Tx& tx,
                                         const std::string& sub, const std::string& location,
                                         const std::string& name);

// The deleted record holding `name` in `sub`, if any.
std::optional<StoredResource> FindDeleted(const SoftDeleteKind& kind, Store::Tx& tx,
                                          const std::string& sub, const std::string& name);

// Fills `fresh` (from NewTopLevel) with the kept configuration of `deleted`: location, sku, tags,
// properties, identity, the original creator; tags of the recover request win when it has some.
void RestoreKept(const StoredResource& deleted, const nlohmann::json& request_body,
                 const SoftDeleteKind& kind, StoredResource& fresh);

bool PurgeProtected(const SoftDeleteKind& kind, const StoredResource& deleted);

// Why purge must wait: 409 PurgeProtectionEnabled for a protected record, else nothing. 409 (a
// state conflict that only time resolves) rather than 400 (the request is well-formed); the code
// names the cause so clients can tell it from other conflicts.
std::optional<ArmError> PurgeRefusal(const SoftDeleteKind& kind, const StoredResource& deleted);

// The deleted record a recover (PUT with createMode recover) brings back, or its error, checked
// in the service's order: a record holds `name` in `sub` (else `not_found`), no purge of it is
// running (409), and it was deleted in `location` (400).
std::variant<StoredResource, ArmError> DeletedToRecover(const SoftDeleteKind& kind, Store::Tx& tx,
                                                        const std::string& sub,
                                                        const std::string& name,
                                                        const std::string& location,
                                                        const ArmError& not_found);

// The checkNameAvailability answer (200) for `name`: invalid (`invalid`, the kind's name rule,
// says why), held by a live or deleted record (names are global), or available.
Reply NameAvailability(const SoftDeleteKind& kind, Store& store, const std::string& name,
                       const std::optional<ArmError>& invalid);

// Who holds a name being created: nobody, a deleted record in the caller's subscription (recover
// or purge it), or someone else (names are global).
enum class NameHolder { kNone, kDeletedHere, kOther };
NameHolder HolderOfName(const SoftDeleteKind& kind, Store::Tx& tx, const std::string& sub,
                        const std::string& name);

// 404 for a deleted record that does not exist.
ArmError DeletedNotFound(const SoftDeleteKind& kind, const std::string& location,
                         const std::string& name);

// The ARM routes every soft-deletable kind has, named "<operation_prefix>_<operation>": the
// resource (PUT, PATCH, GET, DELETE), its lists, and the deleted record's get, list and purge.
// Routes only one kind has (generic list, name check, regions) are added by that kind.
struct SoftDeleteRoutes {
  const char* operation_prefix;  // "Vaults" | "ManagedHsms"
  const char* name_var;          // the name's route var: "vaultName" | "name"
  Handler put, patch, get, del;
  Handler list_by_resource_group, list_by_subscription;
  Handler list_deleted, get_deleted, purge;
};
void AddSoftDeleteRoutes(Router& router, const SoftDeleteKind& kind,
                         const SoftDeleteRoutes& routes);

// The same, bound to the methods of `service` that every soft-deletable kind has.
template <class Service>
void AddSoftDeleteRoutes(Router& router, const SoftDeleteKind& kind, const char* operation_prefix,
                         const char* name_var, std::shared_ptr<Service> service) {
  auto bind = MethodsOf(std::move(service));
  AddSoftDeleteRoutes(
      router, kind,
      {operation_prefix, name_var, bind(&Service::Put), bind(&Service::Patch), bind(&Service::Get),
       bind(&Service::Delete), bind(&Service::ListByResourceGroup),
       bind(&Service::ListBySubscription), bind(&Service::ListDeleted), bind(&Service::GetDeleted),
       bind(&Service::Purge)});
}

}  // namespace keyward::emulator
