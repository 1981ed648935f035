#include "providers/azure/kinds/access_policy_model.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/diff.h"
#include "engine/plan_index.h"
#include "providers/azure/kinds/change_start.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;
using engine::FieldChange;

constexpr char kPoliciesSegment[] = "/accesspolicies/";

// ARM's enum members per permission kind (keyvault.json 2024-11-01, Permissions). ARM models them
// as strings, so values outside these lists are kept (lowercased) for ARM to judge.
const std::map<std::string, std::vector<std::string>>& PermissionEnums() {
  static const std::map<std::string, std::vector<std::string>> enums = {
      {"keys",
       {"all",
        "encrypt",
        "decrypt",
        "wrapKey",
        "unwrapKey",
        "sign",
        "verify",
        "get",
        "list",
        "create",
        "update",
        "import",
        "delete",
        "backup",
        "restore",
        "recover",
        "purge",
        "release",
        "rotate",
        "getrotationpolicy",
        "setrotationpolicy"}},
      {"secrets", {"all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"}},
      {"certificates",
       {"all", "get", "list", "delete", "create", "import", "update", "managecontacts",
        "getissuers", "listissuers", "setissuers", "deleteissuers", "manageissuers", "recover",
        "purge", "backup", "restore"}},
      {"storage",
       {"all", "get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge",
        "backup", "restore", "setsas", "listsas", "getsas", "deletesas"}},
  };
  return enums;
}

std::string CanonicalPermission(const std::string& kind, const std::string& value) {
  for (const std::string& member : PermissionEnums().at(kind))
    if (IEquals(member, value)) return member;
  return Lower(value);
}

bool IsTrueish(const Json* value) {
  if (!value) return false;
  if (value->is_boolean()) return value->get<bool>();
  return value->is_string() && IEquals(value->get<std::string>(), "true");
}

std::string VaultNameOf(const std::string& vault_id) { return ArmIdSegment(vault_id, "vaults"); }

std::string ShowIdentity(const Json& entry) {
  std::string out = "objectId " + entry.value("objectId", "");
  if (entry.contains("applicationId")) out += ", applicationId " + entry.value("applicationId", "");
  return out;
}

const engine::DesiredResource* DesiredVault(const engine::PlanChangeRequest& request,
                                            const std::string& vault_id) {
  return engine::FindDesiredById(request, kVaultKind, vault_id);
}

const engine::ObservedResource* ObservedVault(const engine::PlanChangeRequest& request,
                                              const std::string& vault_id) {
  const engine::ObservedResource* o = engine::FindObservedById(request, vault_id);
  return o && o->kind == kVaultKind ? o : nullptr;
}

// The vault's enableRbacAuthorization as it will be after this plan: the manifest's value when
// it sets one, else the live vault's.
bool VaultUsesRbac(const engine::PlanChangeRequest& request, const std::string& vault_id) {
  if (const engine::DesiredResource* vault = DesiredVault(request, vault_id)) {
    if (const Json* rbac = FindKey(vault->spec, "enableRbacAuthorization")) return IsTrueish(rbac);
  }
  if (const engine::ObservedResource* vault = ObservedVault(request, vault_id)) {
    const Json* props = FindKey(vault->live, "properties");
    return props && IsTrueish(FindKey(*props, "enableRbacAuthorization"));
  }
  return false;
}

// Entries the vault has now, and entries this plan adds to it (declared, not live).
std::pair<size_t, size_t> EntryCounts(const engine::PlanChangeRequest& request,
                                      const std::string& vault_id) {
  size_t live = 0, added = 0;
  std::set<std::string> live_ids;
  // The index narrows the candidates to the vault's children; the test stays the exact one.
  for (const engine::ObservedResource* o :
       engine::FindObservedUnder(request, kAccessPolicyKind, vault_id)) {
    if (!engine::ArmIdEquals(VaultIdOfAccessPolicy(o->arm_id), vault_id)) continue;
    if (live_ids.insert(engine::CanonicalArmId(o->arm_id)).second) ++live;
  }
  std::set<std::string> added_ids;
  for (const engine::DesiredResource* d :
       engine::FindDesiredUnder(request, kAccessPolicyKind, vault_id)) {
    if (d->policy == engine::ReconcilePolicy::kSkip) continue;
    if (!engine::ArmIdEquals(VaultIdOfAccessPolicy(d->arm_id), vault_id)) continue;
    const std::string id = engine::CanonicalArmId(d->arm_id);
    if (!live_ids.count(id) && added_ids.insert(id).second) ++added;
  }
  return {live, added};
}

void Block(Change& c, const std::string& code, const std::string& reason) {
  Decide(c, Action::kBlocked, code, reason);
}

void PlanUndeclared(const engine::PlanChangeRequest& request, Change& c) {
  const engine::ObservedResource& o = *request.observed;
  const std::string vault_id = VaultIdOfAccessPolicy(o.arm_id);
  if (!o.remove_if_undeclared) {
    // Entries carry no tags: only a vault's `accessPolicies: exclusive` makes keyward their owner.
    Decide(c, Action::kNoOp, "not_owned",
           "not declared, and vault " + VaultNameOf(vault_id) +
               " shares its access policies: left alone");
    return;
  }
  Decide(c, Action::kDelete, "exclusive_undeclared",
         "vault " + VaultNameOf(vault_id) +
             " declares accessPolicies: exclusive and no manifest declares this entry (" +
             ShowIdentity(c.before) + "): remove it");
  const engine::DesiredResource* vault = DesiredVault(request, vault_id);
  if (vault && vault->policy == engine::ReconcilePolicy::kObserve) {
    c.report_only = true;
    c.reason += "; not removed: the vault's reconcile policy is observe";
  }
}

}  // namespace

const std::vector<std::string>& AccessPolicyPermissionKinds() {
  static const std::vector<std::string> kinds = {"keys", "secrets", "certificates", "storage"};
  return kinds;
}

bool IsFullVaultId(const std::string& vault_ref) {
  return !vault_ref.empty() && vault_ref[0] == '/';
}

std::string AccessPolicyVaultId(const std::string& vault_ref, const std::string& subscription,
                                const std::string& resource_group) {
  if (IsFullVaultId(vault_ref)) {
    std::string id = vault_ref;
    while (id.size() > 1 && id.back() == '/') id.pop_back();
    return id;
  }
  return VaultArmId(subscription, resource_group, vault_ref);
}

std::string AccessPolicyArmId(const std::string& vault_id, const Json& entry) {
  const std::string object_id = StringAt(entry, "objectId");
  if (object_id.empty()) return "";
  std::string id = engine::CanonicalArmId(vault_id) + kPoliciesSegment +
                   Lower(StringAt(entry, "tenantId")) + "/" + Lower(object_id);
  const std::string application_id = StringAt(entry, "applicationId");
  if (!application_id.empty()) id += "/" + Lower(application_id);
  return id;
}

std::string VaultIdOfAccessPolicy(const std::string& arm_id) {
  const size_t pos = Lower(arm_id).find(kPoliciesSegment);
  return pos == std::string::npos ? "" : arm_id.substr(0, pos);
}

std::string UndeclaredAccessPolicyAddress(const std::string& vault_name, const Json& entry) {
  std::string address =
      std::string(kAccessPolicyKind) + "/" + vault_name + "/" + Lower(StringAt(entry, "objectId"));
  const std::string application_id = StringAt(entry, "applicationId");
  if (!application_id.empty()) address += "/" + Lower(application_id);
  return address;
}

Json CanonicalPermissions(const Json& permissions) {
  Json out = Json::object();
  for (const std::string& kind : AccessPolicyPermissionKinds()) {
    std::set<std::string> values;
    const Json* list = permissions.is_object() ? FindKey(permissions, kind) : nullptr;
    if (list && list->is_array()) {
      for (const Json& value : *list)
        if (value.is_string()) values.insert(CanonicalPermission(kind, value.get<std::string>()));
    }
    // Sorted case-insensitively, so "wrapKey" sits where "wrapkey" would.
    std::vector<std::string> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const std::string& a, const std::string& b) { return Lower(a) < Lower(b); });
    out[kind] = sorted;
  }
  return out;
}

Json BuildDesiredAccessPolicy(const Json& spec) {
  Json entry = {{"tenantId", Lower(StringAt(spec, "tenantId"))},
                {"objectId", Lower(StringAt(spec, "objectId"))}};
  const std::string application_id = StringAt(spec, "applicationId");
  if (!application_id.empty()) entry["applicationId"] = Lower(application_id);
  const Json* permissions = FindKey(spec, "permissions");
  entry["permissions"] = CanonicalPermissions(permissions ? *permissions : Json());
  return entry;
}

Json NormalizeAccessPolicy(const Json& live_entry) {
  if (!live_entry.is_object()) return Json();
  // Same fields as a manifest's spec, so one canonicalization serves both sides.
  return BuildDesiredAccessPolicy(live_entry);
}

bool SameAccessPolicyIdentity(const Json& a, const Json& b) {
  for (const char* key : {"tenantId", "objectId", "applicationId"})
    if (!IEquals(StringAt(a, key), StringAt(b, key))) return false;
  return true;
}

std::vector<FieldChange> DiffAccessPolicy(const Json& desired, const Json& live) {
  std::vector<FieldChange> out;
  const Json want =
      CanonicalPermissions(desired.is_object() ? desired.value("permissions", Json()) : Json());
  const Json have =
      live.is_object() ? CanonicalPermissions(live.value("permissions", Json())) : Json();
  for (const std::string& kind : AccessPolicyPermissionKinds()) {
    const Json& before = have.is_object() ? have[kind] : Json();
    if (!have.is_object() || Lower(before.dump()) != Lower(want[kind].dump()))
      out.push_back({"permissions." + kind, have.is_object() ? before : Json(), want[kind]});
  }
  return out;
}

Json PermissionsToRemove(const Json& desired, const Json& live) {
  if (!live.is_object()) return Json();
  const Json want =
      CanonicalPermissions(desired.is_object() ? desired.value("permissions", Json()) : Json());
  const Json have = CanonicalPermissions(live.value("permissions", Json()));
  Json out = Json::object();
  for (const std::string& kind : AccessPolicyPermissionKinds()) {
    Json drop = Json::array();
    for (const Json& p : have[kind]) {
      const bool kept = std::any_of(want[kind].begin(), want[kind].end(), [&](const Json& w) {
        return IEquals(w.get<std::string>(), p.get<std::string>());
      });
      if (!kept) drop.push_back(p);
    }
    if (!drop.empty()) out[kind] = std::move(drop);
  }
  return out.empty() ? Json() : out;
}

Json BuildAddBody(const Json& entry) {
  return {{"properties", {{"accessPolicies", Json::array({entry})}}}};
}

Json BuildRemoveBody(const Json& entry, const Json& permissions) {
  Json item = entry;
  item["permissions"] = permissions;
  return {{"properties", {{"accessPolicies", Json::array({item})}}}};
}

bool DeclaresExclusiveAccessPolicies(const Json& vault_spec) {
  return IEquals(StringAt(vault_spec, "accessPolicies"), "exclusive");
}

std::vector<engine::ObservedResource> ObservedAccessPolicies(const Json& live_vault,
                                                             bool exclusive) {
  std::vector<engine::ObservedResource> out;
  const std::string vault_id = StringAt(live_vault, "id");
  std::string vault_name = StringAt(live_vault, "name");
  if (vault_name.empty()) vault_name = VaultNameOf(vault_id);
  const Json* props = FindKey(live_vault, "properties");
  const Json* entries = props ? FindKey(*props, "accessPolicies") : nullptr;
  if (vault_id.empty() || !entries || !entries->is_array()) return out;
  std::set<std::string> seen;
  for (const Json& entry : *entries) {
    const std::string id = AccessPolicyArmId(vault_id, entry);
    if (id.empty() || !seen.insert(id).second) continue;  // ARM keeps identities unique
    engine::ObservedResource o;
    o.kind = kAccessPolicyKind;
    o.arm_id = id;
    o.address = UndeclaredAccessPolicyAddress(vault_name, entry);
    o.live = entry;
    o.fingerprint = FingerprintOfJson(NormalizeAccessPolicy(entry));
    o.remove_if_undeclared = exclusive;
    out.push_back(std::move(o));
  }
  return out;
}

namespace {

// spec.vault by name means the vault in this manifest's resource group; a managed vault of that
// name elsewhere would get an entry on a vault that does not exist. Blocks `c` when so.
bool BlockedByVaultScope(const engine::PlanChangeRequest& request, const std::string& vault_id,
                         const std::string& vault_name, Change& c) {
  const engine::DesiredResource* named =
      engine::FindDesired(request, std::string(kVaultKind) + "/" + vault_name);
  if (!named || engine::ArmIdEquals(named->arm_id, vault_id)) return false;
  Block(c, "vault_scope_mismatch",
        "spec.vault names vault " + vault_name + " at " + vault_id +
            ", but the manifests declare it at " + named->arm_id +
            ": set metadata.subscription / metadata.resourceGroup to the vault's, or give "
            "spec.vault as the full vault id");
  return true;
}

// A declared entry the vault does not have: create it, within ARM's limit per vault.
void PlanAbsentEntry(const engine::PlanChangeRequest& request, const std::string& vault_id,
                     const std::string& vault_name, Change& c) {
  c.field_changes = DiffAccessPolicy(c.after, Json());
  const auto [live, added] = EntryCounts(request, vault_id);
  if (live + added > kMaxAccessPoliciesPerVault) {
    Block(c, "too_many_access_policies",
          "vault " + vault_name + " has " + std::to_string(live) +
              " access policy entries and this plan adds " + std::to_string(added) +
              ": ARM allows at most " + std::to_string(kMaxAccessPoliciesPerVault) +
              " per vault (consider Azure RBAC authorization, or group principals)");
    return;
  }
  Decide(c, Action::kCreate, "absent",
         "vault " + vault_name + " has no entry for " + ShowIdentity(c.after));
}

// A declared entry the vault has: no-op, or an update of the permissions that differ.
void PlanPresentEntry(Change& c) {
  c.field_changes = DiffAccessPolicy(c.after, c.before);
  if (c.field_changes.empty()) {
    Decide(c, Action::kNoOp, "up_to_date", "live entry has exactly the declared permissions");
    return;
  }
  c.action = Action::kUpdate;
  c.reason_code = "drift";
  c.reason = "permissions differ in " + JoinPaths(c.field_changes);
}

}  // namespace

engine::ResolveResponse ResolveAccessPolicy(const SingleKind&,
                                            const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  const Json* vault = FindKey(r.spec, "vault");
  const std::string vault_ref = vault && vault->is_string() ? vault->get<std::string>() : "";
  const std::string label = std::string(kAccessPolicyKind) + "/" + r.name;
  if (vault_ref.empty()) {
    out.diagnostics.Error(r.LocationOf("spec"),
                          label + ": spec.vault is required (a vault name or id)");
    return out;
  }
  // The shape of spec.vault (a name or a vault id), the GUIDs and the required fields are the
  // schema's (accesspolicy.schema.json); the scope is the loader's.
  const std::string vault_id = AccessPolicyVaultId(vault_ref, r.subscription, r.resource_group);
  const std::string vault_name = ArmIdSegment(vault_id, "vaults");
  out.address = std::string(kAccessPolicyKind) + "/" + vault_name + "/" + r.name;
  // A vault named by id may be one keyward does not manage: then no edge is required.
  out.references.push_back({std::string(kVaultKind) + "/" + vault_name, !IsFullVaultId(vault_ref),
                            "spec.vault", vault_id});
  const Json desired = BuildDesiredAccessPolicy(r.spec);
  bool any = false;
  for (const std::string& kind : AccessPolicyPermissionKinds())
    any = any || !desired["permissions"][kind].empty();
  if (!any) {
    // ARM drops an entry left without permissions: such a manifest could never converge.
    out.diagnostics.Error(
        r.LocationOf(FindKey(r.spec, "permissions") ? "spec.permissions" : "spec"),
        label +
            ": spec.permissions grants nothing; give at least one permission "
            "(to revoke access, delete this manifest)");
  }
  out.arm_id = AccessPolicyArmId(vault_id, desired);
  return out;
}

Change PlanAccessPolicyChange(const SingleKind&, const engine::PlanChangeRequest& request) {
  Change c = ChangeFromObserved(kAccessPolicyKind, request, NormalizeAccessPolicy);
  if (NeitherDeclaredNorLive(request, c)) return c;
  if (!request.desired) {
    PlanUndeclared(request, c);
    return c;
  }

  const engine::DesiredResource& d = *request.desired;
  c.address = d.address;
  c.arm_id = d.arm_id;
  c.after = BuildDesiredAccessPolicy(d.spec);
  // MakePlan falls back to matching by address: an undeclared entry whose objectId happens to
  // equal this manifest's name is not this entry.
  if (!c.before.is_null() && !SameAccessPolicyIdentity(c.before, c.after)) {
    c.before = Json();
    c.fingerprint.clear();
  }
  const std::string vault_id = VaultIdOfAccessPolicy(d.arm_id);
  const std::string vault_name = VaultNameOf(vault_id);
  if (VaultUsesRbac(request, vault_id)) {
    c.warnings.push_back("vault " + vault_name +
                         " uses Azure RBAC authorization (enableRbacAuthorization: true): "
                         "access policies have no effect on data-plane access");
  }
  if (BlockedByVaultScope(request, vault_id, vault_name, c)) return c;
  if (c.before.is_null()) {
    PlanAbsentEntry(request, vault_id, vault_name, c);
  } else {
    PlanPresentEntry(c);
  }
  return c;
}

const SingleKind& AccessPolicyDescriptor() {
  static constexpr SingleKind kind = {kAccessPolicyKind, ResolveAccessPolicy,
                                      PlanAccessPolicyChange, ExportAccessPolicyManifest, nullptr};
  return kind;
}

}  // namespace keyward::azure
