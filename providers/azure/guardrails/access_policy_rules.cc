// KW-KV-006..008: access policy entries — least privilege, denied principals, and a cap on who
// can overwrite secrets or delete keys.
#include <map>
#include <set>

#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/guardrails/rule_table.h"
#include "providers/azure/guardrails/spec_values.h"
#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::guardrails {
namespace {

// Field path of permission `index` of list `kind` ("spec.permissions.secrets[2]").
std::string PermissionField(const std::string& kind, size_t index) {
  return "spec.permissions." + kind + "[" + std::to_string(index) + "]";
}

const Json* PermissionList(const Json& spec, const std::string& kind) {
  const Json* list = SpecValueAt(spec, {"permissions", kind.c_str()});
  return list && list->is_array() ? list : nullptr;
}

// The first entry of list `kind` that is one of `names` (or `all`): its field path, "" if none.
std::string Grants(const Json& spec, const std::string& kind, const std::string& name) {
  const Json* list = PermissionList(spec, kind);
  if (!list) return "";
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& p = (*list)[i];
    if (p.is_string() &&
        (IEquals(p.get<std::string>(), name) || IEquals(p.get<std::string>(), "all")))
      return PermissionField(kind, i);
  }
  return "";
}

// Where an entry grants secret set or key delete ("" when it does not).
std::string PrivilegedGrant(const Json& spec) {
  std::string field = Grants(spec, "secrets", "set");
  return field.empty() ? Grants(spec, "keys", "delete") : field;
}

std::string VaultName(const std::string& vault_id) {
  const std::string name = ArmIdSegment(vault_id, "vaults");
  return name.empty() ? vault_id : name;
}

// Lowercase vault id -> the object ids (lowercase) of its entries that grant secret set or key
// delete, over the whole estate (declared and live-only entries alike).
using PrincipalsByVault = std::map<std::string, std::set<std::string>>;

PrincipalsByVault WritersByVault(const engine::guardrails::Estate& estate) {
  PrincipalsByVault out;
  for (const Subject& s : estate.subjects()) {
    if (s.kind != kAccessPolicyKind || PrivilegedGrant(s.spec).empty()) continue;
    const std::string vault_id = Lower(VaultIdOfAccessPolicy(s.arm_id));
    const std::string object_id = Lower(SpecString(s.spec, "objectId"));
    if (!vault_id.empty() && !object_id.empty()) out[vault_id].insert(object_id);
  }
  return out;
}

Rule LeastPrivilege() {
  return {
      {"KW-KV-006",
       "AccessPolicyLeastPrivilege",
       "Access policies grant no `all` or `purge` permissions",
       Severity::kHigh,
       {kAccessPolicyKind},
       "No list in `spec.permissions` (keys, secrets, certificates, storage) holds a forbidden "
       "permission: by default `all` (every permission of that list, including ones Key Vault "
       "adds later) and `purge` (permanent deletion of soft-deleted objects). Case is ignored.",
       "`all` hands out every operation, including the ones the principal never needs (purge, "
       "backup, restore, import, set policy) and the ones added to Key Vault in future. `purge` "
       "makes soft delete worthless against that principal: whatever it deletes, it can destroy "
       "for good. Least privilege means granting the operations an application performs and "
       "nothing else.",
       "Replace `all` with the operations the principal uses (for most applications `get` and "
       "`list`; `wrapKey` and `unwrapKey` for a key-encryption key). Grant `purge` to nobody "
       "permanently; a rare purge can go through a temporary grant.",
       {kMcsbPa7},
       {StringListParameter("forbiddenPermissions", Json::array({"all", "purge"}),
                            "Permissions no access policy may grant, in any list.")}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const std::vector<std::string> forbidden = c.parameters.Strings("forbiddenPermissions");
        for (const std::string& kind : AccessPolicyPermissionKinds()) {
          const Json* list = PermissionList(c.subject.spec, kind);
          if (!list) continue;
          for (size_t i = 0; i < list->size(); ++i) {
            const Json& p = (*list)[i];
            if (!p.is_string() || !EqualsAnyIgnoreCase(p.get<std::string>(), forbidden)) continue;
            out->push_back({PermissionField(kind, i),
                            "grants " + kind + " permission '" + p.get<std::string>() + "'"});
          }
        }
      }};
}

Rule DeniedPrincipals() {
  return {
      {"KW-KV-007",
       "NoDeniedPrincipal",
       "No access policy for a denied principal",
       Severity::kHigh,
       {kAccessPolicyKind},
       "`spec.objectId` is not in `deniedObjectIds` (compared case-insensitively). The list is "
       "empty by default: the rule finds nothing until a stack names the principals that must "
       "never hold vault permissions.",
       "Some identities must never read a vault whatever a pull request says: broad groups (all "
       "employees, all guests), retired service principals, identities of another environment. "
       "A deny list catches them in review, before an apply grants the access.",
       "Remove the AccessPolicy, or grant the permissions to a dedicated identity with a narrow "
       "purpose instead.",
       {kMcsbPa7},
       {StringListParameter("deniedObjectIds", Json::array(),
                            "Object ids (users, groups, service principals) that may hold no "
                            "access policy.")}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const std::string object_id = SpecString(c.subject.spec, "objectId");
        if (object_id.empty() ||
            !EqualsAnyIgnoreCase(object_id, c.parameters.Strings("deniedObjectIds")))
          return;
        out->push_back(
            {"spec.objectId",
             "objectId " + object_id + " is on the deny list (deniedObjectIds of KW-KV-007)"});
      }};
}

Rule PrivilegedPrincipals() {
  return {
      {"KW-KV-008",
       "FewPrivilegedPrincipals",
       "Few principals can overwrite secrets or delete keys",
       Severity::kMedium,
       {kAccessPolicyKind},
       "Per vault, the number of distinct principals (object ids) whose access policy grants "
       "secret `set` or key `delete`, directly or through `all`, is at most `maxPrincipals`. At "
       "plan time the count includes live entries no manifest declares (with `accessPolicies: "
       "shared` they stay); every declared entry that grants them is reported while the vault "
       "is over the cap.",
       "Setting a secret replaces what every consumer reads next (a connection string pointing "
       "elsewhere, a password nobody else knows) and deleting a key makes what it encrypts "
       "unreadable. These are a vault's destructive permissions: the fewer identities hold them, "
       "the less one compromised credential can break.",
       "Keep these permissions for the pipeline identity that rotates secrets and a break-glass "
       "group; give applications `get` and `list`. If the vault really needs more writers, raise "
       "`maxPrincipals` for the stack.",
       {kMcsbPa1, kMcsbPa7},
       {IntegerParameter("maxPrincipals", 3,
                         "Most principals per vault that may hold secret set or key delete.", 0,
                         std::nullopt)}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const std::string field = PrivilegedGrant(c.subject.spec);
        const std::string vault_id = Lower(VaultIdOfAccessPolicy(c.subject.arm_id));
        if (field.empty() || vault_id.empty()) return;
        const PrincipalsByVault& by_vault = c.estate.Memo<PrincipalsByVault>(
            "KW-KV-008/principals", [&] { return WritersByVault(c.estate); });
        auto found = by_vault.find(vault_id);
        if (found == by_vault.end()) return;
        const std::set<std::string>& principals = found->second;
        const long long cap = c.parameters.Integer("maxPrincipals");
        if (static_cast<long long>(principals.size()) <= cap) return;
        out->push_back({field, std::to_string(principals.size()) +
                                   " principals can set secrets or delete keys in vault " +
                                   VaultName(vault_id) + " (at most " + std::to_string(cap) +
                                   "): " + JoinWords({principals.begin(), principals.end()})});
      }};
}

}  // namespace

std::vector<Rule> AccessPolicyRules() {
  return {LeastPrivilege(), DeniedPrincipals(), PrivilegedPrincipals()};
}

}  // namespace keyward::azure::guardrails
