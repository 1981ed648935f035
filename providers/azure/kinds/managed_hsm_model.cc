#include "providers/azure/kinds/managed_hsm_model.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/diff.h"
#include "engine/plan_index.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;
using engine::FieldChange;

constexpr char kNoun[] = "managed HSM";

// ManagedHsmProperties a manifest may set, as ARM spells them.
const std::vector<std::string>& PropertyNames() {
  static const std::vector<std::string> names = {
      "tenantId",
      "initialAdminObjectIds",
      "softDeleteRetentionInDays",
      "enablePurgeProtection",
      "publicNetworkAccess",
      "networkAcls",
      "regions",
  };
  return names;
}

const std::vector<std::string>& SkuNames() {
  static const std::vector<std::string> names = {"Standard_B1", "Custom_B32", "Custom_B6",
                                                 "Custom_C42", "Custom_C10"};
  return names;
}

void CanonicalizeSku(Json& sku) {
  if (!sku.is_object()) return;
  CanonicalizeKeys(sku, {"family", "name"});
  CanonicalizeEnum(sku, "name", SkuNames());
  if (sku.contains("family") && sku["family"].is_string()) {
    std::string family = sku["family"].get<std::string>();
    for (char& ch : family) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    sku["family"] = family;
  } else if (sku.contains("name") && sku["name"].is_string()) {
    // ARM requires the family; it is the letter after "_" (Standard_B1 -> B).
    const std::string name = sku["name"].get<std::string>();
    const size_t underscore = name.find('_');
    if (underscore != std::string::npos && underscore + 1 < name.size())
      sku["family"] = std::string(1, name[underscore + 1]);
  }
}

// Region names as a sorted set of {name}; accepts `regions: [northeurope]` too. Replicas being
// removed are already gone as far as the manifest is concerned.
Json CanonicalRegions(const Json& regions, const std::string& primary) {
  std::set<std::string> names;
  if (!primary.empty()) names.insert(primary);
  if (regions.is_array()) {
    for (const Json& region : regions) {
      const Json* name = region.is_string() ? &region : FindKey(region, "name");
      if (!name || !name->is_string()) continue;
      const Json* state = FindKey(region, "provisioningState");
      if (state && state->is_string() && IEquals(state->get<std::string>(), "Deleting")) continue;
      names.insert(CanonicalLocation(name->get<std::string>()));
    }
  }
  Json out = Json::array();
  for (const std::string& name : names) out.push_back(Json{{"name", name}});
  return out;
}

void CanonicalizeProperties(Json& properties, const std::string& location) {
  if (!properties.is_object()) return;
  CanonicalizeKeys(properties, PropertyNames());
  if (properties.contains("tenantId") && properties["tenantId"].is_string())
    properties["tenantId"] = Lower(properties["tenantId"].get<std::string>());
  if (properties.contains("initialAdminObjectIds") &&
      properties["initialAdminObjectIds"].is_array()) {
    std::set<std::string> ids;
    Json others = Json::array();  // non-strings are left for ARM to reject
    for (const Json& id : properties["initialAdminObjectIds"]) {
      if (id.is_string()) {
        ids.insert(Lower(id.get<std::string>()));
      } else {
        others.push_back(id);
      }
    }
    Json out(ids);
    for (const Json& other : others) out.push_back(other);
    properties["initialAdminObjectIds"] = std::move(out);
  }
  CoerceBool(properties, "enablePurgeProtection");
  CoerceInt(properties, "softDeleteRetentionInDays");
  CanonicalizeEnum(properties, "publicNetworkAccess", {"Enabled", "Disabled"});
  if (properties.contains("networkAcls")) CanonicalizeNetworkAcls(properties["networkAcls"]);
  if (properties.contains("regions"))
    properties["regions"] = CanonicalRegions(properties["regions"], location);
}

const engine::DiffRules& HsmDiffRules() {
  static const engine::DiffRules rules = [] {
    engine::DiffRules r;
    r.case_insensitive_paths = {"location",
                                "sku",
                                "properties.tenantId",
                                "properties.initialAdminObjectIds",
                                "properties.publicNetworkAccess",
                                "properties.networkAcls.bypass",
                                "properties.networkAcls.defaultAction",
                                "properties.networkAcls.virtualNetworkRules",
                                "properties.regions"};
    r.set_paths = {"properties.initialAdminObjectIds", "properties.networkAcls.ipRules",
                   "properties.networkAcls.virtualNetworkRules", "properties.regions"};
    return r;
  }();
  return rules;
}

// Fields ARM fixes at creation; a difference means replace (azurerm: ForceNew).
bool IsReplaceField(const std::string& path) {
  for (const char* prefix :
       {"location", "sku", "properties.tenantId", "properties.initialAdminObjectIds"}) {
    const std::string p = prefix;
    if (path == p || path.rfind(p + ".", 0) == 0 || path.rfind(p + "[", 0) == 0) return true;
  }
  return false;
}

// HSMs in (subscription, location) that count against the quota before this one is created:
// the live ones, plus desired ones earlier in the manifests that are absent (their create or
// recover takes a slot first). Returns the 1-based slot this HSM would take.
int QuotaSlot(const engine::PlanChangeRequest& request, const std::string& location) {
  const engine::DesiredResource& self = *request.desired;
  int slot = 0;
  if (request.observed_set) {
    for (const engine::ObservedResource& o : request.observed_set->resources) {
      if (o.kind != kManagedHsmKind) continue;
      if (!IEquals(ArmIdSegment(o.arm_id, "subscriptions"), self.subscription)) continue;
      const Json* where = FindKey(o.live, "location");
      if (where && where->is_string() && CanonicalLocation(where->get<std::string>()) == location)
        ++slot;
    }
  }
  if (request.desired_set) {
    for (const engine::DesiredResource& d : request.desired_set->resources) {
      if (&d == &self || d.address == self.address) break;
      if (d.kind != kManagedHsmKind || d.policy == engine::ReconcilePolicy::kSkip) continue;
      if (!IEquals(d.subscription, self.subscription)) continue;
      const Json* where = FindKey(d.spec, "location");
      if (!where || !where->is_string() || CanonicalLocation(where->get<std::string>()) != location)
        continue;
      if (engine::FindObservedById(request, d.arm_id)) continue;
      ++slot;
    }
  }
  return slot + 1;
}

// Create, recover and purge-then-create all add an HSM to the region: the quota, and what the
// new HSM still needs.
void OnAddHsm(const engine::PlanChangeRequest& request, Change& c) {
  const engine::DesiredResource& desired = *request.desired;
  const std::string location = c.after.value("location", "");
  const int slot = QuotaSlot(request, location);
  if (slot > kManagedHsmQuotaPerRegion) {
    c.action = Action::kBlocked;
    c.reason_code = "quota_exceeded";
    c.reason = "subscription " + desired.subscription + " would have " + std::to_string(slot) +
               " managed HSMs in " + location + " (live plus earlier creates in this plan); " +
               "Azure allows at most " + std::to_string(kManagedHsmQuotaPerRegion) +
               " per subscription per region";
    return;
  }
  c.warnings.push_back(
      "a managed HSM is billed from provisioning and cannot be used for keys until it is "
      "activated by downloading its security domain (data plane, not done by keyward)");
}

// location, sku, tenantId and the initial admins are fixed at creation: replace.
bool HsmNeedsReplace(const Json&, const Json&, const std::vector<FieldChange>& changes,
                     std::string* what, std::string* reason) {
  std::string fixed;
  for (const FieldChange& fc : changes) {
    if (!IsReplaceField(fc.path)) continue;
    fixed += (fixed.empty() ? "" : "; ") + fc.path + " is " + ShowValue(fc.before) +
             " on the managed HSM and " + ShowValue(fc.after) + " in the manifest";
  }
  if (fixed.empty()) return false;
  *what = fixed + ": fixed at creation";
  *reason = fixed +
            ": these cannot change after creation. Replace = remove secondary regions, "
            "delete, purge the soft-deleted managed HSM, create it anew (not activated); "
            "every key and role assignment in it is lost";
  return true;
}

std::string HsmPruneNote(const Json& normalized_live) {
  return SecondaryRegions(normalized_live).empty()
             ? ""
             : "; its secondary regions are removed first (ARM refuses otherwise)";
}

}  // namespace

std::string ManagedHsmArmId(const std::string& subscription, const std::string& resource_group,
                            const std::string& name) {
  return "/subscriptions/" + subscription + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.KeyVault/managedHSMs/" + name;
}

Json BuildDesiredManagedHsmBody(const Json& spec, const std::string& stack, const Json& live) {
  Json body = Json::object();
  std::string location;
  if (const Json* where = FindKey(spec, "location"); where && where->is_string()) {
    location = CanonicalLocation(where->get<std::string>());
    body["location"] = location;
  }
  if (const Json* sku = FindKey(spec, "sku"); sku && sku->is_object()) {
    body["sku"] = *sku;
    CanonicalizeSku(body["sku"]);
  }
  body["tags"] =
      DesiredTags(spec, live.is_object() && live.contains("tags") ? live["tags"] : Json(), stack);
  Json properties = Json::object();
  for (const std::string& name : PropertyNames()) {
    const Json* value = FindKey(spec, name);
    if (value && !value->is_null()) properties[name] = *value;
  }
  CanonicalizeProperties(properties, location);
  body["properties"] = std::move(properties);
  return body;
}

Json NormalizeManagedHsm(const Json& live) {
  if (!live.is_object()) return Json();
  Json out = Json::object();
  const Json* where = FindKey(live, "location");
  const std::string location =
      where && where->is_string() ? CanonicalLocation(where->get<std::string>()) : "";
  out["location"] = location;
  const Json* sku = FindKey(live, "sku");
  out["sku"] = sku && sku->is_object() ? *sku : Json::object();
  CanonicalizeSku(out["sku"]);
  const Json* tags = FindKey(live, "tags");
  out["tags"] = tags && tags->is_object() ? *tags : Json::object();
  static const std::set<std::string> ignored = {
      "provisioningstate",        "statusmessage",      "hsmuri",     "privateendpointconnections",
      "securitydomainproperties", "scheduledpurgedate", "createmode", "enablesoftdelete"};
  Json properties = Json::object();
  if (const Json* props = FindKey(live, "properties"); props && props->is_object()) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (ignored.count(Lower(it.key())) || it.value().is_null()) continue;
      properties[it.key()] = it.value();
    }
  }
  CanonicalizeProperties(properties, location);
  auto default_to = [&](const char* key, Json value) {
    if (!properties.contains(key)) properties[key] = std::move(value);
  };
  default_to("softDeleteRetentionInDays", kDefaultRetentionDays);
  default_to("enablePurgeProtection", true);  // the spec's default for HSMs (not for vaults)
  default_to("publicNetworkAccess", "Enabled");
  default_to("regions", CanonicalRegions(Json(), location));
  DefaultNetworkAcls(properties);
  out["properties"] = std::move(properties);
  return out;
}

std::vector<FieldChange> DiffManagedHsm(const Json& desired, const Json& live) {
  std::vector<FieldChange> out;
  if (!desired.is_object()) return out;
  Json managed = Json::object();
  Json have = Json::object();
  for (const char* key : {"location", "sku", "properties"}) {
    if (!desired.contains(key)) continue;
    managed[key] = desired[key];
    const Json* value = live.is_object() ? FindKey(live, key) : nullptr;
    if (value && !value->is_null() && !(value->is_string() && value->get<std::string>().empty()))
      have[key] = *value;
  }
  out = engine::DiffManagedFields(managed, have, HsmDiffRules());
  DiffManagedTags(desired, live, &out);
  return out;
}

Change PlanManagedHsmChange(const engine::PlanChangeRequest& request) {
  return PlanSoftDeletableChange(ManagedHsmSoftDeletableKind(), request);
}

Json BuildManagedHsmCreateBody(const Json& desired) {
  Json body = desired;
  if (!body.contains("sku")) body["sku"] = {{"family", "B"}, {"name", "Standard_B1"}};
  if (!body.contains("tags")) body["tags"] = Json::object();
  if (!body["properties"].is_object()) body["properties"] = Json::object();
  return body;
}

Json BuildManagedHsmRecoverBody(const Json& desired) {
  Json properties = {{"createMode", "recover"}};
  for (const char* key : {"tenantId", "initialAdminObjectIds"}) {
    const Json& value = PropertyOf(desired, key);
    if (!value.is_null()) properties[key] = value;
  }
  Json body = {{"location", desired.value("location", "")},
               {"sku", desired.contains("sku") ? desired["sku"]
                                               : Json{{"family", "B"}, {"name", "Standard_B1"}}},
               {"properties", std::move(properties)}};
  if (desired.contains("tags")) body["tags"] = desired["tags"];
  return body;
}

Json BuildManagedHsmPatchBody(const Json& desired, const Json& live) {
  // Refused by ARM (fixed at creation, one-way); the plan reports them as replace / blocked.
  return BuildSoftDeletablePatchBody(
      DiffManagedHsm(desired, live), desired, live,
      [](const std::string& path, const std::string& top, const Json& want) {
        return IsReplaceField(path) || top == "softDeleteRetentionInDays" ||
               (top == "enablePurgeProtection" && want == false);
      });
}

std::vector<std::string> SecondaryRegions(const Json& normalized_live) {
  std::vector<std::string> out;
  const std::string primary =
      normalized_live.is_object() ? normalized_live.value("location", "") : std::string();
  const Json& regions = PropertyOf(normalized_live, "regions");
  if (!regions.is_array()) return out;
  for (const Json& region : regions) {
    const std::string name = region.value("name", "");
    if (!name.empty() && name != primary) out.push_back(name);
  }
  return out;
}

engine::SoftDeletedResource SoftDeletedManagedHsmFromArm(const Json& deleted,
                                                         const std::string& subscription) {
  return SoftDeletedFromArm(ManagedHsmSoftDeletableKind(), deleted, subscription);
}

namespace {

// Deleting an HSM deletes its keys and its security domain.
engine::KindTraits ManagedHsmTraits() {
  return {.delete_needs_allow_destroy = true, .export_file_prefix = "managed-hsm-"};
}

}  // namespace

const SoftDeletableKind& ManagedHsmSoftDeletableKind() {
  static const SoftDeletableKind kind = {
      .kind = kManagedHsmKind,
      .noun = kNoun,
      .collection = "managedHSMs",
      .deleted_collection = "deletedManagedHSMs",
      .original_id_field = "mhsmId",
      .check_name_action = "checkMhsmNameAvailability",
      .check_name_sends_type = false,
      .list_per_subscription = true,
      .patch_waits = true,  // every HSM write is a long-running operation (202 + Location)
      .delete_waits = true,
      .purge_destroys = "its keys and role assignments",
      .writes_safe_to_repeat = false,
      .normalize = NormalizeManagedHsm,
      .build_desired = BuildDesiredManagedHsmBody,
      .diff = DiffManagedHsm,
      .create_body = BuildManagedHsmCreateBody,
      .recover_body = BuildManagedHsmRecoverBody,
      .patch_body = BuildManagedHsmPatchBody,
      .export_manifest = ExportManagedHsmManifest,
      .traits = ManagedHsmTraits,
      .check_spec = nullptr,
      .check_present = nullptr,
      .needs_replace = HsmNeedsReplace,
      .update_note = nullptr,
      .on_add = OnAddHsm,
      .prune_note = HsmPruneNote,
  };
  return kind;
}

std::string ManagedHsmUnavailableNameKey(const std::string& name) {
  return std::string(kManagedHsmKind) + "/" + Lower(name);
}

}  // namespace keyward::azure
