#include "providers/azure/kinds/vault_model.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "engine/diff.h"
#include "engine/exact_match.h"
#include "providers/azure/kinds/soft_delete_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;
using engine::FieldChange;

// Property names as ARM spells them; input keys are matched case-insensitively and renamed.
const std::vector<std::string>& VaultPropertyNames() {
  static const std::vector<std::string> names = {
      "tenantId",
      "sku",
      "enabledForDeployment",
      "enabledForDiskEncryption",
      "enabledForTemplateDeployment",
      "enableSoftDelete",
      "softDeleteRetentionInDays",
      "enableRbacAuthorization",
      "enablePurgeProtection",
      "publicNetworkAccess",
      "networkAcls",
  };
  return names;
}

const std::vector<std::string>& BooleanProperties() {
  static const std::vector<std::string> names = {
      "enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment",
      "enableSoftDelete",     "enableRbacAuthorization",  "enablePurgeProtection",
  };
  return names;
}

// Read-only or server-computed (or managed by another kind: accessPolicies belong to the
// AccessPolicy kind, so a vault diff never sees them). Compared in place, case-insensitively:
// every live property of every vault is checked, and most names are too long for a string's
// inline buffer, so a lowercase copy would allocate.
bool IsIgnoredLiveProperty(const std::string& key) {
  static const std::vector<std::string> names = {
      "provisioningState", "vaultUri",   "hsmPoolResourceId", "privateEndpointConnections",
      "accessPolicies",    "createMode", "systemData",
  };
  for (const std::string& name : names)
    if (IEquals(key, name)) return true;
  return false;
}

}  // namespace

// Renames keys of `object` that match one of `canonical` case-insensitively to that spelling.
void CanonicalizeKeys(Json& object, const std::vector<std::string>& canonical) {
  if (!object.is_object()) return;
  for (const std::string& name : canonical) {
    if (object.contains(name)) continue;
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (IEquals(it.key(), name)) {
        Json value = it.value();
        object.erase(it.key());
        object[name] = std::move(value);
        break;
      }
    }
  }
}

// Maps `value` (case-insensitively) onto one of `allowed`; unknown values are left as written so
// ARM, not keyward, rejects them with its own message.
void CanonicalizeEnum(Json& object, const std::string& key,
                      const std::vector<std::string>& allowed) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return;
  const std::string value = object[key].get<std::string>();
  for (const std::string& candidate : allowed) {
    if (IEquals(value, candidate)) {
      object[key] = candidate;
      return;
    }
  }
}

// YAML authors sometimes quote numbers and booleans; ARM accepts the JSON types only.
void CoerceBool(Json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return;
  const std::string value = Lower(object[key].get<std::string>());
  if (value == "true") object[key] = true;
  if (value == "false") object[key] = false;
}

void CoerceInt(Json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return;
  Json& value = object[key];
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit) && text.size() < 10) {
      value = std::stoi(text);
    }
  } else if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) value = static_cast<long long>(d);
  } else if (value.is_number_unsigned()) {
    value = value.get<long long>();
  }
}

namespace {

std::string CanonicalIp(std::string value) {
  value = Lower(std::move(value));
  // A single address and its /32 form are the same rule (ARM echoes either).
  if (value.size() > 3 && value.compare(value.size() - 3, 3, "/32") == 0 &&
      value.find(':') == std::string::npos) {
    value.resize(value.size() - 3);
  }
  return value;
}

}  // namespace

void CanonicalizeNetworkAcls(Json& acls) {
  if (!acls.is_object()) return;
  // Built once: every vault on both sides of every plan comes through here.
  static const std::vector<std::string> kKeys = {"bypass", "defaultAction", "ipRules",
                                                 "virtualNetworkRules"};
  static const std::vector<std::string> kBypass = {"AzureServices", "None"};
  static const std::vector<std::string> kDefaultAction = {"Allow", "Deny"};
  CanonicalizeKeys(acls, kKeys);
  CanonicalizeEnum(acls, "bypass", kBypass);
  CanonicalizeEnum(acls, "defaultAction", kDefaultAction);
  if (acls.contains("ipRules") && acls["ipRules"].is_array()) {
    Json rules = Json::array();
    std::set<std::string> seen;
    for (Json rule : acls["ipRules"]) {
      if (rule.is_string()) rule = Json{{"value", rule}};  // tolerate `ipRules: [1.2.3.4]`
      CanonicalizeKeys(rule, {"value"});
      if (rule.is_object() && rule.contains("value") && rule["value"].is_string()) {
        rule["value"] = CanonicalIp(rule["value"].get<std::string>());
        if (!seen.insert(rule["value"].get<std::string>()).second) continue;  // a set
      }
      rules.push_back(std::move(rule));
    }
    std::sort(rules.begin(), rules.end(),
              [](const Json& a, const Json& b) { return a.dump() < b.dump(); });
    acls["ipRules"] = std::move(rules);
  }
  if (acls.contains("virtualNetworkRules") && acls["virtualNetworkRules"].is_array()) {
    Json rules = Json::array();
    for (Json rule : acls["virtualNetworkRules"]) {
      if (rule.is_string()) rule = Json{{"id", rule}};
      CanonicalizeKeys(rule, {"id", "ignoreMissingVnetServiceEndpoint"});
      if (rule.is_object()) {
        if (rule.contains("id") && rule["id"].is_string())
          rule["id"] = Lower(rule["id"].get<std::string>());
        CoerceBool(rule, "ignoreMissingVnetServiceEndpoint");
        // false is the server default; ARM may or may not echo it.
        if (rule.contains("ignoreMissingVnetServiceEndpoint") &&
            rule["ignoreMissingVnetServiceEndpoint"] == false) {
          rule.erase("ignoreMissingVnetServiceEndpoint");
        }
      }
      rules.push_back(std::move(rule));
    }
    std::sort(rules.begin(), rules.end(),
              [](const Json& a, const Json& b) { return a.dump() < b.dump(); });
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
    acls["virtualNetworkRules"] = std::move(rules);
  }
}

namespace {

// The diff rules of a vault, for engine::DiffManagedFields. Canonicalization already made the
// values comparable; the rules repeat the intent so that a value canonicalization does not know
// (a new enum member) still compares the way ARM treats it.
const engine::DiffRules& VaultDiffRules() {
  static const engine::DiffRules rules = [] {
    engine::DiffRules r;
    r.case_insensitive_paths = {"location",
                                "properties.tenantId",
                                "properties.sku",
                                "properties.publicNetworkAccess",
                                "properties.networkAcls.bypass",
                                "properties.networkAcls.defaultAction",
                                "properties.networkAcls.virtualNetworkRules"};
    r.set_paths = {"properties.networkAcls.ipRules", "properties.networkAcls.virtualNetworkRules"};
    return r;
  }();
  return rules;
}

bool IsTrue(const Json& value) { return value.is_boolean() && value.get<bool>(); }
bool IsFalse(const Json& value) { return value.is_boolean() && !value.get<bool>(); }

// A vault cannot turn soft delete off (the shared rules cover retention and purge protection).
void CheckVaultPresent(const Json& desired, const Json& live, Change& c) {
  if (IsTrue(PropertyOf(live, "enableSoftDelete")) &&
      IsFalse(PropertyOf(desired, "enableSoftDelete"))) {
    AddBlock(c, "soft_delete_irreversible",
             "enableSoftDelete is true on the vault: soft delete cannot be turned off");
  }
}

// A vault cannot move: a different location means replace.
bool VaultNeedsReplace(const Json& desired, const Json& live, const std::vector<FieldChange>&,
                       std::string* what, std::string* reason) {
  const std::string live_location = CanonicalLocation(live.value("location", ""));
  const std::string want_location = desired.value("location", "");
  if (want_location.empty() || want_location == live_location) return false;
  *what = "location is " + live_location + " on the vault and " + want_location +
          " in the manifest: a vault cannot move";
  *reason = "location is " + live_location + " on the vault and " + want_location +
            " in the manifest: location cannot change after creation. Replace = delete, purge "
            "the soft-deleted vault, create in " +
            want_location + "; every key, secret and access policy in it is lost";
  return true;
}

std::string VaultUpdateNote(const std::vector<FieldChange>& changes) {
  std::string note;
  for (const FieldChange& fc : changes) {
    if (fc.path == "properties.tenantId") {
      note = "; tenantId changes from " + ShowValue(fc.before) + " to " + ShowValue(fc.after) +
             ": existing access policies refer to the old tenant and stop working";
    }
  }
  return note;
}

}  // namespace

// --- vault -------------------------------------------------------------------------------------

std::string VaultArmId(const std::string& subscription, const std::string& resource_group,
                       const std::string& name) {
  return "/subscriptions/" + subscription + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.KeyVault/vaults/" + name;
}

const std::vector<std::string>& ManagedVaultProperties() { return VaultPropertyNames(); }

void CanonicalizeVaultProperties(Json& properties) {
  if (!properties.is_object()) return;
  CanonicalizeKeys(properties, VaultPropertyNames());
  if (properties.contains("tenantId") && properties["tenantId"].is_string()) {
    properties["tenantId"] = Lower(properties["tenantId"].get<std::string>());
  }
  if (properties.contains("sku") && properties["sku"].is_object()) {
    Json& sku = properties["sku"];
    CanonicalizeKeys(sku, {"family", "name"});
    if (sku.contains("family") && sku["family"].is_string()) {
      std::string family = sku["family"].get<std::string>();
      for (char& ch : family) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      sku["family"] = family;
    }
    if (sku.contains("name") && sku["name"].is_string())
      sku["name"] = Lower(sku["name"].get<std::string>());
  }
  for (const std::string& name : BooleanProperties()) CoerceBool(properties, name);
  CoerceInt(properties, "softDeleteRetentionInDays");
  CanonicalizeEnum(properties, "publicNetworkAccess", {"Enabled", "Disabled"});
  if (properties.contains("networkAcls")) CanonicalizeNetworkAcls(properties["networkAcls"]);
}

Json BuildDesiredVaultBody(const Json& spec, const std::string& stack, const Json& live) {
  Json body = Json::object();
  const Json* location = FindKey(spec, "location");
  if (location && location->is_string())
    body["location"] = CanonicalLocation(location->get<std::string>());
  body["tags"] =
      DesiredTags(spec, live.is_object() && live.contains("tags") ? live["tags"] : Json(), stack);
  Json properties = Json::object();
  for (const std::string& name : VaultPropertyNames()) {
    const Json* value = FindKey(spec, name);
    if (value && !value->is_null()) properties[name] = *value;
  }
  CanonicalizeVaultProperties(properties);
  // A partial sku ({name: premium}) still needs the family ARM requires.
  if (properties.contains("sku") && properties["sku"].is_object() &&
      !properties["sku"].contains("family")) {
    properties["sku"]["family"] = "A";
  }
  body["properties"] = std::move(properties);
  return body;
}

Json NormalizeVault(const Json& live) {
  if (!live.is_object()) return Json();
  Json out = Json::object();
  const Json* location = FindKey(live, "location");
  out["location"] =
      location && location->is_string() ? CanonicalLocation(location->get<std::string>()) : "";
  const Json* tags = FindKey(live, "tags");
  out["tags"] = tags && tags->is_object() ? *tags : Json::object();
  Json properties = Json::object();
  if (const Json* props = FindKey(live, "properties"); props && props->is_object()) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (IsIgnoredLiveProperty(it.key())) continue;
      if (it.value().is_null()) continue;
      properties[it.key()] = it.value();
    }
  }
  CanonicalizeVaultProperties(properties);
  // ARM's server defaults for fields it may omit, so an unset live field equals an explicit
  // desired default instead of showing as drift.
  auto default_to = [&](const char* key, Json value) {
    if (!properties.contains(key)) properties[key] = std::move(value);
  };
  default_to("enabledForDeployment", false);
  default_to("enabledForDiskEncryption", false);
  default_to("enabledForTemplateDeployment", false);
  default_to("enableSoftDelete", true);
  default_to("softDeleteRetentionInDays", kDefaultRetentionDays);
  default_to("enableRbacAuthorization", false);
  default_to("enablePurgeProtection", false);
  default_to("publicNetworkAccess", "Enabled");
  DefaultNetworkAcls(properties);
  out["properties"] = std::move(properties);
  return out;
}

std::vector<FieldChange> DiffVault(const Json& desired, const Json& live) {
  std::vector<FieldChange> out;
  if (!desired.is_object()) return out;
  static const Json kNull;
  const auto want_location = desired.find("location");
  const auto want_properties = desired.find("properties");
  const std::string location = want_location != desired.end() && live.is_object()
                                   ? CanonicalLocation(live.value("location", ""))
                                   : "";
  const Json* live_props = live.is_object() ? FindKey(live, "properties") : nullptr;
  // The steady state: the managed fields match exactly (engine/exact_match.h), decided without
  // copying both sides into the diff's {location, properties} shape below.
  const bool same_location =
      want_location == desired.end() || want_location->is_null() ||
      (want_location->is_string() && !location.empty() && *want_location == location);
  const bool same_properties =
      want_properties == desired.end() ||
      engine::ManagedFieldsMatchExactly(*want_properties, live_props ? *live_props : kNull);
  if (!same_location || !same_properties) {
    Json managed = Json::object();
    Json have = Json::object();
    if (want_location != desired.end()) {
      managed["location"] = *want_location;
      if (!location.empty()) have["location"] = location;
    }
    if (want_properties != desired.end()) {
      managed["properties"] = *want_properties;
      if (live_props) have["properties"] = *live_props;
    }
    out = engine::DiffManagedFields(managed, have, VaultDiffRules());
  }
  DiffManagedTags(desired, live, &out);
  return out;
}

Change PlanVaultChange(const engine::PlanChangeRequest& request) {
  return PlanSoftDeletableChange(VaultSoftDeletableKind(), request);
}

Json BuildVaultCreateBody(const Json& desired) {
  Json body = desired;
  Json& properties = body["properties"];
  if (!properties.is_object()) properties = Json::object();
  if (!properties.contains("sku")) properties["sku"] = {{"family", "A"}, {"name", "standard"}};
  if (!properties.contains("accessPolicies")) properties["accessPolicies"] = Json::array();
  if (properties.contains("enablePurgeProtection") &&
      IsFalse(properties["enablePurgeProtection"])) {
    properties.erase("enablePurgeProtection");
  }
  if (!body.contains("tags")) body["tags"] = Json::object();
  return body;
}

Json BuildVaultRecoverBody(const Json& desired) {
  Json properties = {{"createMode", "recover"}};
  const Json& tenant = PropertyOf(desired, "tenantId");
  if (!tenant.is_null()) properties["tenantId"] = tenant;
  const Json& sku = PropertyOf(desired, "sku");
  properties["sku"] = sku.is_null() ? Json{{"family", "A"}, {"name", "standard"}} : sku;
  Json body = {{"location", desired.value("location", "")}, {"properties", std::move(properties)}};
  if (desired.contains("tags")) body["tags"] = desired["tags"];
  return body;
}

Json BuildVaultPatchBody(const Json& desired, const Json& live) {
  // Never sent: ARM rejects them (immutable / irreversible); the plan reports them as blocked.
  return BuildSoftDeletablePatchBody(
      DiffVault(desired, live), desired, live,
      [](const std::string&, const std::string& top, const Json& want) {
        return top == "softDeleteRetentionInDays" ||
               ((top == "enablePurgeProtection" || top == "enableSoftDelete") && IsFalse(want));
      });
}

engine::SoftDeletedResource SoftDeletedVaultFromArm(const Json& deleted_vault,
                                                    const std::string& subscription) {
  return SoftDeletedFromArm(VaultSoftDeletableKind(), deleted_vault, subscription);
}

namespace {

// Names, scope, required fields and ranges are the schema's (schemas/vault.schema.json).
void CheckVaultSpec(const engine::DesiredResource& r, engine::ResolveResponse& out) {
  const Json* protection = FindKey(r.spec, "enablePurgeProtection");
  const Json* soft_delete = FindKey(r.spec, "enableSoftDelete");
  if (protection && protection->is_boolean() && protection->get<bool>() && soft_delete &&
      soft_delete->is_boolean() && !soft_delete->get<bool>()) {
    out.diagnostics.Error(r.LocationOf("spec.enablePurgeProtection"),
                          out.address + ": enablePurgeProtection requires enableSoftDelete");
  }
}

// Deleting a vault deletes its keys, secrets and access policies.
engine::KindTraits VaultTraits() {
  return {.delete_needs_allow_destroy = true, .export_file_prefix = "vault-"};
}

}  // namespace

const SoftDeletableKind& VaultSoftDeletableKind() {
  static const SoftDeletableKind kind = {
      .kind = kVaultKind,
      .noun = "vault",
      .collection = "vaults",
      .deleted_collection = "deletedVaults",
      .original_id_field = "vaultId",
      .check_name_action = "checkNameAvailability",
      .check_name_sends_type = true,
      .list_per_subscription = false,
      .patch_waits = false,   // PATCH answers 200 with the updated vault
      .delete_waits = false,  // DELETE answers 200 / 204: the vault is soft-deleted at once
      .purge_destroys = "its keys, secrets and certificates",
      .writes_safe_to_repeat = true,
      .normalize = NormalizeVault,
      .build_desired = BuildDesiredVaultBody,
      .diff = DiffVault,
      .create_body = BuildVaultCreateBody,
      .recover_body = BuildVaultRecoverBody,
      .patch_body = BuildVaultPatchBody,
      .export_manifest = ExportVaultManifest,
      .traits = VaultTraits,
      .check_spec = CheckVaultSpec,
      .check_present = CheckVaultPresent,
      .needs_replace = VaultNeedsReplace,
      .update_note = VaultUpdateNote,
      .on_add = nullptr,
      .prune_note = nullptr,
  };
  return kind;
}

std::string UnavailableNameKey(const std::string& name) {
  return std::string(kVaultKind) + "/" + Lower(name);
}

}  // namespace keyward::azure
