#include "emulator/vault_family_properties.h"

#include <algorithm>
#include <cctype>

#include "emulator/request_checks.h"
#include "emulator/util.h"

namespace keyward::emulator {

using nlohmann::json;

bool IsVaultFamilyName(const std::string& name) {
  // isalpha/isalnum accept only ASCII in the C locale the emulator runs in.
  return name.size() >= 3 && name.size() <= 24 &&
         std::isalpha(static_cast<unsigned char>(name.front())) &&
         std::isalnum(static_cast<unsigned char>(name.back())) &&
         name.find("--") == std::string::npos && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
         });
}

std::optional<ArmError> NormalizeTenantId(const json& input, json* p) {
  if (!Present(input, "tenantId")) return RequiredProperty("properties.tenantId");
  if (!input["tenantId"].is_string() || !IsGuid(input["tenantId"].get<std::string>())) {
    return InvalidProperty("properties.tenantId", "It must be a GUID.");
  }
  (*p)["tenantId"] = input["tenantId"];
  return std::nullopt;
}

std::optional<ArmError> NormalizeRetention(const json& input, const json* existing,
                                           const std::string& resource, json* p) {
  int retention = existing ? existing->value("softDeleteRetentionInDays", 90) : 90;
  if (Present(input, "softDeleteRetentionInDays")) {
    const json& value = input["softDeleteRetentionInDays"];
    if (!value.is_number_integer() || value.get<int>() < 7 || value.get<int>() > 90) {
      return InvalidProperty("properties.softDeleteRetentionInDays",
                             "It must be an integer between 7 and 90.");
    }
    if (existing && value.get<int>() != retention) {
      return ArmError{400, "BadRequest",
                      "The property \"softDeleteRetentionInDays\" cannot be changed from " +
                          std::to_string(retention) + " to " + std::to_string(value.get<int>()) +
                          ": the soft-delete retention period is set when the " + resource +
                          " is created and is immutable afterwards."};
    }
    retention = value.get<int>();
  }
  (*p)["softDeleteRetentionInDays"] = retention;
  return std::nullopt;
}

ArmError PurgeProtectionIsIrreversible(const std::string& a_resource) {
  return ArmError{400, "BadRequest",
                  "The property \"enablePurgeProtection\" cannot be set to false. Enabling the "
                  "purge protection for " +
                      a_resource + " is an irreversible action."};
}

std::optional<ArmError> NormalizePublicNetworkAccess(const json& input, json* p) {
  if (!Present(input, "publicNetworkAccess")) {
    (*p)["publicNetworkAccess"] = "Enabled";
    return std::nullopt;
  }
  auto access = CanonicalEnum(input["publicNetworkAccess"], {"Enabled", "Disabled"});
  if (!access) {
    return InvalidProperty("properties.publicNetworkAccess", "Use 'Enabled' or 'Disabled'.");
  }
  (*p)["publicNetworkAccess"] = *access;
  return std::nullopt;
}

namespace {

// One enum field of networkAcls: canonical value, `fallback` when omitted, nullopt when invalid.
std::optional<std::string> AclEnum(const json& acls, const char* key, NullAclValue nulls,
                                   const char* fallback,
                                   std::initializer_list<const char*> allowed) {
  bool given = nulls == NullAclValue::kDefault ? Present(acls, key) : acls.contains(key);
  return given ? CanonicalEnum(acls[key], allowed) : std::optional<std::string>(fallback);
}

// Each rule must be an object with a string `field` (value for IP rules, id for VNet rules).
bool RulesHaveStringField(const json& rules, const char* field) {
  return std::all_of(rules.begin(), rules.end(), [&](const json& rule) {
    return rule.is_object() && rule.contains(field) && rule[field].is_string();
  });
}

}  // namespace

std::optional<ArmError> NormalizeNetworkAcls(const json& acls, NullAclValue nulls, json* out) {
  if (!acls.is_object()) return InvalidProperty("properties.networkAcls");
  *out = acls;
  auto bypass = AclEnum(acls, "bypass", nulls, "AzureServices", {"AzureServices", "None"});
  if (!bypass) {
    return InvalidProperty("properties.networkAcls.bypass", "Use AzureServices or None.");
  }
  auto action = AclEnum(acls, "defaultAction", nulls, "Allow", {"Allow", "Deny"});
  if (!action) {
    return InvalidProperty("properties.networkAcls.defaultAction", "Use Allow or Deny.");
  }
  (*out)["bypass"] = *bypass;
  (*out)["defaultAction"] = *action;
  for (const char* list : {"ipRules", "virtualNetworkRules"}) {
    if (!Present(acls, list)) {
      (*out)[list] = json::array();
    } else if (!acls[list].is_array()) {
      return InvalidProperty(std::string("properties.networkAcls.") + list);
    }
  }
  if (!RulesHaveStringField((*out)["ipRules"], "value")) {
    return InvalidProperty("properties.networkAcls.ipRules");
  }
  if (!RulesHaveStringField((*out)["virtualNetworkRules"], "id")) {
    return InvalidProperty("properties.networkAcls.virtualNetworkRules");
  }
  return std::nullopt;
}

std::optional<ArmError> ValidateCreateMode(const json& input) {
  if (Present(input, "createMode") && !CanonicalEnum(input["createMode"], {"default", "recover"})) {
    return InvalidProperty("properties.createMode", "Use 'default' or 'recover'.");
  }
  return std::nullopt;
}

void CarryOverReadOnly(const json* existing, std::initializer_list<const char*> fields, json* p) {
  if (!existing) return;
  for (const char* field : fields) {
    if (existing->contains(field)) (*p)[field] = (*existing)[field];
  }
}

}  // namespace keyward::emulator
