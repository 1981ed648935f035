#include "emulator/access_policies.h"

#include "emulator/request_checks.h"
#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

constexpr size_t kMaxEntries = 1024;
constexpr const char* kPermissionKinds[] = {"keys", "secrets", "certificates", "storage"};

std::string Field(const json& entry, const char* name) {
  return entry.contains(name) && entry[name].is_string() ? ToLower(entry[name].get<std::string>())
                                                         : "";
}

bool SameIdentity(const json& a, const json& b) {
  return Field(a, "tenantId") == Field(b, "tenantId") &&
         Field(a, "objectId") == Field(b, "objectId") &&
         Field(a, "applicationId") == Field(b, "applicationId");
}

bool Contains(const json& list, const std::string& permission) {
  for (const auto& p : list) {
    if (p.is_string() && EqualsIgnoreCase(p.get<std::string>(), permission)) return true;
  }
  return false;
}

bool HasAnyPermission(const json& permissions) {
  for (const char* kind : kPermissionKinds) {
    if (permissions.contains(kind) && !permissions[kind].empty()) return true;
  }
  return false;
}

}  // namespace

std::optional<ArmError> ValidateAccessPolicyEntries(const json& entries, const std::string& path) {
  if (!entries.is_array()) return InvalidProperty(path, "It must be an array.");
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& p = entries[i];
    std::string at = path + "[" + std::to_string(i) + "]";
    if (!p.is_object()) return InvalidProperty(at);
    if (!p.contains("tenantId")) return RequiredProperty(at + ".tenantId");
    if (!p["tenantId"].is_string() || !IsGuid(p["tenantId"].get<std::string>())) {
      return InvalidProperty(at + ".tenantId", "It must be a GUID.");
    }
    if (!p.contains("objectId")) return RequiredProperty(at + ".objectId");
    if (!p["objectId"].is_string() || p["objectId"].get<std::string>().empty()) {
      return InvalidProperty(at + ".objectId");
    }
    if (p.contains("applicationId") && !p["applicationId"].is_null() &&
        (!p["applicationId"].is_string() || !IsGuid(p["applicationId"].get<std::string>()))) {
      return InvalidProperty(at + ".applicationId", "It must be a GUID.");
    }
    if (!p.contains("permissions")) return RequiredProperty(at + ".permissions");
    if (!p["permissions"].is_object()) return InvalidProperty(at + ".permissions");
    for (const char* kind : kPermissionKinds) {
      if (!p["permissions"].contains(kind)) continue;
      const json& list = p["permissions"][kind];
      if (!list.is_array() ||
          !std::all_of(list.begin(), list.end(), [](const json& v) { return v.is_string(); })) {
        return InvalidProperty(at + ".permissions." + kind, "It must be an array of strings.");
      }
    }
  }
  return std::nullopt;
}

std::optional<ArmError> ApplyAccessPolicyChange(AccessPolicyOperation operation,
                                                const json& changes, json* policies) {
  if (!policies->is_array()) *policies = json::array();
  for (const json& change : changes) {
    auto match = std::find_if(policies->begin(), policies->end(),
                              [&](const json& e) { return SameIdentity(e, change); });
    const json& wanted = change["permissions"];
    switch (operation) {
      case AccessPolicyOperation::kAdd:
        if (match == policies->end()) {
          policies->push_back(change);
          break;
        }
        for (const char* kind : kPermissionKinds) {
          if (!wanted.contains(kind)) continue;
          json& have = (*match)["permissions"][kind];
          if (!have.is_array()) have = json::array();
          for (const auto& p : wanted[kind]) {
            if (!Contains(have, p.get<std::string>())) have.push_back(p);
          }
        }
        break;
      case AccessPolicyOperation::kReplace:
        if (match == policies->end()) {
          policies->push_back(change);
        } else {
          (*match)["permissions"] = wanted;
        }
        break;
      case AccessPolicyOperation::kRemove: {
        if (match == policies->end()) break;
        if (!HasAnyPermission(wanted)) {
          policies->erase(match);
          break;
        }
        json& have = (*match)["permissions"];
        for (const char* kind : kPermissionKinds) {
          if (!wanted.contains(kind) || !have.contains(kind)) continue;
          json kept = json::array();
          for (const auto& p : have[kind]) {
            if (!p.is_string() || !Contains(wanted[kind], p.get<std::string>())) kept.push_back(p);
          }
          have[kind] = kept;
        }
        if (!HasAnyPermission(have)) policies->erase(match);
        break;
      }
    }
  }
  if (policies->size() > kMaxEntries) {
    return InvalidProperty("properties.accessPolicies",
                           "A vault supports at most 1024 access policy entries.");
  }
  return std::nullopt;
}

namespace {

class AccessPolicies {
 public:
  explicit AccessPolicies(const ServiceContext& context) : ctx_(context) {}

  Reply Update(RequestContext& r) {
    const std::string kind = r.Var("operationKind");
    AccessPolicyOperation operation;
    if (EqualsIgnoreCase(kind, "add")) {
      operation = AccessPolicyOperation::kAdd;
    } else if (EqualsIgnoreCase(kind, "replace")) {
      operation = AccessPolicyOperation::kReplace;
    } else if (EqualsIgnoreCase(kind, "remove")) {
      operation = AccessPolicyOperation::kRemove;
    } else {
      return Reply::Error(InvalidProperty("operationKind", "Use add, replace or remove."));
    }
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (!body.contains("properties") || !body["properties"].is_object()) {
      return Reply::Error(RequiredProperty("properties"));
    }
    if (!body["properties"].contains("accessPolicies")) {
      return Reply::Error(RequiredProperty("properties.accessPolicies"));
    }
    const json& changes = body["properties"]["accessPolicies"];
    if (auto error = ValidateAccessPolicyEntries(changes, "properties.accessPolicies"))
      return Reply::Error(*error);
    if (changes.size() > kMaxEntries) {
      return Reply::Error(InvalidProperty("properties.accessPolicies",
                                          "A vault supports at most 1024 access policy entries."));
    }
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      json policies = vault.stored.body["properties"].value("accessPolicies", json::array());
      if (auto error = ApplyAccessPolicyChange(operation, changes, &policies)) {
        return Reply::Error(*error);
      }
      StoredResource updated = vault.stored;
      updated.body["properties"]["accessPolicies"] = policies;
      if (updated.body.contains("systemData")) {
        updated.body["systemData"]["lastModifiedBy"] = r.caller ? r.caller->app_id : "unknown";
        updated.body["systemData"]["lastModifiedByType"] = "Application";
        updated.body["systemData"]["lastModifiedAt"] = FormatIso8601(r.now, 7);
      }
      tx.Put(updated);
      // Recorded id ends in "accessPolicies/" with no operation kind (ARM-NOTES §1.7).
      return Reply::Json(200, {{"id", vault.id + "/accessPolicies/"},
                               {"type", "Microsoft.KeyVault/vaults/accessPolicies"},
                               {"properties", {{"accessPolicies", policies}}}});
    });
  }

 private:
  ServiceContext ctx_;
};

}  // namespace

void RegisterAccessPolicyRoutes(Router& router, const ServiceContext& context) {
  auto policies = std::make_shared<AccessPolicies>(context);
  router.Add({"PUT",
              "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
              "Microsoft.KeyVault/vaults/{vaultName}/accessPolicies/{operationKind}",
              "Vaults_UpdateAccessPolicy", ApiFamily::kKeyVault, true,
              [policies](RequestContext& r) { return policies->Update(r); }});
}

}  // namespace keyward::emulator
