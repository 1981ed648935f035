#include "providers/azure/kinds/key_model.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>

#include "engine/diff.h"
#include "engine/plan_index.h"
#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/change_start.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;
using engine::FieldChange;

const std::vector<std::string> kKeyTypes = {"EC", "EC-HSM", "RSA", "RSA-HSM"};
const std::vector<std::string> kCurves = {"P-256", "P-384", "P-521", "P-256K"};
const std::vector<std::string> kKeyOps = {"encrypt", "decrypt",   "sign",   "verify",
                                          "wrapKey", "unwrapKey", "import", "release"};
constexpr char kDefaultReleaseContentType[] = "application/json; charset=utf-8";

// One of `allowed` matching `value` case-insensitively, else `value` as written (ARM, not
// keyward, rejects unknown values: the enums are modelAsString).
std::string CanonicalEnum(const std::string& value, const std::vector<std::string>& allowed) {
  for (const std::string& candidate : allowed)
    if (IEquals(value, candidate)) return candidate;
  return value;
}

bool IsRsa(const std::string& kty) { return Lower(kty).rfind("rsa", 0) == 0; }
bool IsEc(const std::string& kty) { return Lower(kty).rfind("ec", 0) == 0; }

// YAML authors quote numbers and booleans at times; ARM wants the JSON types.
Json CoerceInt(const Json& value) {
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (!text.empty() && text.size() < 19 && std::all_of(text.begin(), text.end(), ::isdigit))
      return std::stoll(text);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) return static_cast<long long>(d);
  }
  if (value.is_number_unsigned()) return value.get<long long>();
  return value;
}

Json CoerceBool(const Json& value) {
  if (!value.is_string()) return value;
  const std::string text = Lower(value.get<std::string>());
  if (text == "true") return true;
  if (text == "false") return false;
  return value;
}

Json CanonicalAttributes(const Json& in, bool live) {
  Json out = Json::object();
  if (const Json* v = FindKey(in, "enabled"); v && !v->is_null()) out["enabled"] = CoerceBool(*v);
  if (const Json* v = FindKey(in, "nbf"); v && !v->is_null()) out["nbf"] = CoerceInt(*v);
  if (const Json* v = FindKey(in, "exp"); v && !v->is_null()) out["exp"] = CoerceInt(*v);
  if (const Json* v = FindKey(in, "exportable"); v && !v->is_null())
    out["exportable"] = CoerceBool(*v);
  if (live && !out.contains("exportable")) out["exportable"] = false;
  return out;
}

Json CanonicalRotationPolicy(const Json& in) {
  Json out = Json::object();
  if (const Json* attributes = FindKey(in, "attributes"); attributes && attributes->is_object()) {
    const std::string expiry = StringAt(*attributes, "expiryTime");
    if (!expiry.empty()) out["attributes"] = {{"expiryTime", expiry}};
  }
  if (const Json* actions = FindKey(in, "lifetimeActions"); actions && actions->is_array()) {
    Json list = Json::array();
    for (const Json& a : *actions) {
      Json item = Json::object();
      if (const Json* trigger = FindKey(a, "trigger"); trigger && trigger->is_object()) {
        Json t = Json::object();
        for (const char* key : {"timeAfterCreate", "timeBeforeExpiry"}) {
          const std::string value = StringAt(*trigger, key);
          if (!value.empty()) t[key] = value;
        }
        item["trigger"] = std::move(t);
      }
      if (const Json* action = FindKey(a, "action"); action && action->is_object()) {
        // The data plane answers "Rotate" / "Notify"; the ARM spec's enum is lowercase.
        item["action"] = {{"type", Lower(StringAt(*action, "type"))}};
      }
      list.push_back(std::move(item));
    }
    std::sort(list.begin(), list.end(),
              [](const Json& a, const Json& b) { return Lower(a.dump()) < Lower(b.dump()); });
    out["lifetimeActions"] = std::move(list);
  }
  return out;
}

Json CanonicalReleasePolicy(const Json& in) {
  Json out = Json::object();
  const std::string content_type = StringAt(in, "contentType");
  out["contentType"] = content_type.empty() ? kDefaultReleaseContentType : content_type;
  if (const Json* data = FindKey(in, "data"); data && !data->is_null()) out["data"] = *data;
  return out;
}

engine::DiffRules KeyDiffRules() {
  engine::DiffRules rules;
  // kty, curveName and keyOps are canonicalized already; ISO 8601 durations ("P90D") and the
  // release policy's content type are compared without regard to case.
  rules.case_insensitive_paths = {"properties.kty", "properties.curveName",
                                  "properties.rotationPolicy",
                                  "properties.release_policy.contentType"};
  rules.set_paths = {"properties.keyOps", "properties.rotationPolicy.lifetimeActions"};
  return rules;
}

// In a managed HSM every key is HSM-protected: "RSA" and "RSA-HSM" name the same key type.
void HsmKeyType(const KeyKind& kind, Json& body) {
  if (!kind.hsm || !body.is_object() || !body.contains("properties")) return;
  Json& p = body["properties"];
  if (!p.is_object() || !p.contains("kty") || !p["kty"].is_string()) return;
  const std::string kty = p["kty"].get<std::string>();
  if (kty == "RSA" || kty == "EC") p["kty"] = kty + "-HSM";
}

std::string ParentName(const KeyKind& kind, const std::string& key_id) {
  return ArmIdSegment(key_id, kind.parent_segment);
}

// Whether the key's vault is known (in the manifests or live) to be of the standard SKU, which
// cannot hold HSM-protected keys. Unknown (a vault keyward does not see) is not standard.
bool ParentIsStandardVault(const KeyKind& kind, const engine::PlanChangeRequest& request) {
  if (kind.hsm || !request.desired) return false;
  const KeyParent parent = KeyParentOf(kind, *request.desired);
  auto sku_of = [](const Json& holder) {
    const Json* sku = FindKey(holder, "sku");
    return sku ? StringAt(*sku, "name") : std::string();
  };
  if (const engine::DesiredResource* vault = engine::FindDesired(request, parent.address);
      vault && engine::ArmIdEquals(vault->arm_id, parent.arm_id)) {
    return IEquals(sku_of(vault->spec), "standard");
  }
  if (const engine::ObservedResource* vault = engine::FindObservedById(request, parent.arm_id)) {
    const Json* props = FindKey(vault->live, "properties");
    return props && IEquals(sku_of(*props), "standard");
  }
  return false;
}

}  // namespace

const KeyKind& VaultKeyKind() {
  static const KeyKind kind{"Key",    "Vault", "vault",
                            "vaults", false,   "az keyvault key delete --vault-name"};
  return kind;
}

const KeyKind& ManagedHsmKeyKind() {
  static const KeyKind kind{"ManagedHsmKey", "ManagedHsm", "managedHsm",
                            "managedHSMs",   true,         "az keyvault key delete --hsm-name"};
  return kind;
}

KeyParent KeyParentOf(const KeyKind& kind, const engine::DesiredResource& desired) {
  KeyParent parent;
  std::string ref = StringAt(desired.spec, kind.parent_field);
  while (!ref.empty() && ref.back() == '/') ref.pop_back();
  if (ref.empty()) return parent;
  if (ref.front() == '/') {
    parent.by_id = true;
    parent.arm_id = ref;
    parent.name = ArmIdSegment(ref, kind.parent_segment);
  } else {
    parent.name = ref;
    parent.arm_id = "/subscriptions/" + desired.subscription + "/resourceGroups/" +
                    desired.resource_group + "/providers/Microsoft.KeyVault/" +
                    kind.parent_segment + "/" + ref;
  }
  if (!parent.name.empty()) parent.address = std::string(kind.parent_kind) + "/" + parent.name;
  return parent;
}

std::string KeyAddressFromId(const KeyKind& kind, const std::string& arm_id) {
  const std::string parent = ParentName(kind, arm_id);
  const std::string key = ArmIdSegment(arm_id, "keys");
  if (parent.empty() || key.empty()) return "";
  return std::string(kind.kind) + "/" + parent + "/" + key;
}

engine::ResolveResponse ResolveKey(const KeyKind& kind, const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  const std::string parent_field = std::string("spec.") + kind.parent_field;
  const KeyParent parent = KeyParentOf(kind, r);
  out.address = std::string(kind.kind) + "/" + parent.name + "/" + r.name;
  if (parent.name.empty()) {
    out.diagnostics.Error(
        r.LocationOf(parent.arm_id.empty() ? "spec" : parent_field),
        std::string(kind.kind) + "/" + r.name + ": " + parent_field +
            (parent.arm_id.empty() ? " is required"
                                   : " is neither a name nor an ARM id of Microsoft.KeyVault/" +
                                         std::string(kind.parent_segment)));
    return out;
  }
  out.arm_id = parent.arm_id + "/keys/" + r.name;
  // A parent given by ARM id may be one keyward does not manage: an edge only if it is in the set.
  out.references.push_back({parent.address, !parent.by_id, parent_field, parent.arm_id});
  // The name, the scope and the enums (kty, keySize, curveName) are the schema's and the
  // loader's; only rules across fields are checked here.

  const std::string kty = StringAt(r.spec, "kty");
  const Json* size = FindKey(r.spec, "keySize");
  const Json* curve = FindKey(r.spec, "curveName");
  if (IsEc(kty) && size && !size->is_null()) {
    out.diagnostics.Error(
        r.LocationOf("spec.keySize"),
        out.address + ": keySize applies to RSA keys only; kty is " + kty + " (use curveName)");
  }
  if (IsRsa(kty) && curve && !curve->is_null()) {
    out.diagnostics.Error(
        r.LocationOf("spec.curveName"),
        out.address + ": curveName applies to EC keys only; kty is " + kty + " (use keySize)");
  }
  const Json* attributes = FindKey(r.spec, "attributes");
  const Json* exportable = attributes ? FindKey(*attributes, "exportable") : nullptr;
  if (exportable && CoerceBool(*exportable) == true && !FindKey(r.spec, "releasePolicy")) {
    out.diagnostics.Error(r.LocationOf("spec.attributes.exportable"),
                          out.address + ": an exportable key needs spec.releasePolicy");
  }
  return out;
}

Json CanonicalKeyProperties(const Json& properties, bool live) {
  Json out = Json::object();
  if (!properties.is_object()) return out;
  const std::string kty = StringAt(properties, "kty");
  if (!kty.empty()) out["kty"] = CanonicalEnum(kty, kKeyTypes);
  if (const Json* v = FindKey(properties, "keySize"); v && !v->is_null())
    out["keySize"] = CoerceInt(*v);
  const std::string curve = StringAt(properties, "curveName");
  if (!curve.empty()) out["curveName"] = CanonicalEnum(curve, kCurves);
  if (const Json* ops = FindKey(properties, "keyOps"); ops && ops->is_array()) {
    std::set<std::string> unique;
    for (const Json& op : *ops)
      if (op.is_string()) unique.insert(CanonicalEnum(op.get<std::string>(), kKeyOps));
    out["keyOps"] = Json(std::vector<std::string>(unique.begin(), unique.end()));
  }
  if (const Json* a = FindKey(properties, "attributes"); a && a->is_object()) {
    out["attributes"] = CanonicalAttributes(*a, live);
  } else if (live) {
    out["attributes"] = CanonicalAttributes(Json::object(), live);
  }
  if (const Json* p = FindKey(properties, "rotationPolicy"); p && p->is_object())
    out["rotationPolicy"] = CanonicalRotationPolicy(*p);
  const Json* release = FindKey(properties, live ? "release_policy" : "releasePolicy");
  if (release && release->is_object()) out["release_policy"] = CanonicalReleasePolicy(*release);
  return out;
}

Json BuildDesiredKeyBody(const KeyKind& kind, const Json& spec, const std::string& stack,
                         const Json& live) {
  Json properties = CanonicalKeyProperties(spec, /*live=*/false);
  // The spec's documented defaults, so that "RSA, keySize unset" matches a 2048-bit key and not
  // whatever size the live key has.
  const std::string kty = properties.value("kty", "");
  if (IsRsa(kty) && !properties.contains("keySize")) properties["keySize"] = kDefaultRsaKeySize;
  if (IsEc(kty) && !properties.contains("curveName")) properties["curveName"] = kDefaultCurve;
  const Json* live_tags = live.is_object() ? FindKey(live, "tags") : nullptr;
  return {{"tags", DesiredTags(spec, live_tags ? *live_tags : Json(), stack)},
          {"properties", std::move(properties)}};
}

Json NormalizeKey(const KeyKind& kind, const Json& live) {
  if (!live.is_object()) return Json();
  const Json* tags = FindKey(live, "tags");
  const Json* properties = FindKey(live, "properties");
  return {{"tags", tags && tags->is_object() ? *tags : Json::object()},
          {"properties", CanonicalKeyProperties(properties ? *properties : Json(), /*live=*/true)}};
}

std::vector<FieldChange> DiffKey(const KeyKind& kind, const Json& desired, const Json& live) {
  std::vector<FieldChange> out;
  if (!desired.is_object()) return out;
  Json want = {{"properties", desired.value("properties", Json::object())}};
  Json have = {
      {"properties", live.is_object() ? live.value("properties", Json::object()) : Json::object()}};
  const Json have_kty =
      have["properties"].is_object() ? have["properties"].value("kty", Json()) : Json();
  HsmKeyType(kind, want);
  HsmKeyType(kind, have);
  out = engine::DiffManagedFields(want, have, KeyDiffRules());
  // Report what the user wrote, not the HSM-equivalent spelling used for the comparison.
  for (FieldChange& fc : out) {
    if (fc.path == "properties.kty") {
      fc.after = desired.value("properties", Json::object()).value("kty", Json());
      fc.before = have_kty;
    }
  }
  auto without_owner = [](const Json& tags) {
    Json copy = tags.is_object() ? tags : Json::object();
    for (auto it = copy.begin(); it != copy.end();) {
      it = IEquals(it.key(), kStackTag) ? copy.erase(it) : std::next(it);
    }
    return copy;
  };
  const Json* live_tags = live.is_object() ? FindKey(live, "tags") : nullptr;
  DiffTags(without_owner(live_tags ? *live_tags : Json()),
           without_owner(desired.value("tags", Json::object())), &out);
  return out;
}

namespace {

// A live key no manifest declares. ARM cannot delete keys, so one this stack owns is reported.
void PlanUndeclaredKey(const KeyKind& kind, const std::string& stack, Change& c) {
  if (stack.empty() || StackTagOf(c.before) != stack) {
    Decide(c, Action::kNoOp, "not_owned",
           "not in the manifests and not owned by this stack: left alone");
    return;
  }
  const std::string parent = ParentName(kind, c.arm_id);
  const std::string name = ArmIdSegment(c.arm_id, "keys");
  Decide(c, Action::kUnsupported, "arm_cannot_delete",
         "ARM cannot delete keys; the key is owned by stack " + stack +
             " and gone from the manifests, so it stays and keeps being reported. Delete it in "
             "the data plane (" +
             std::string(kind.cli_delete) + " " + parent + " --name " + name +
             ") or declare it again");
}

void PlanAbsentKey(const KeyKind& kind, const engine::PlanChangeRequest& request, Change& c) {
  const std::string kty = c.after["properties"].value("kty", "");
  if (kty.size() > 4 && IEquals(kty.substr(kty.size() - 4), "-HSM") &&
      ParentIsStandardVault(kind, request)) {
    Decide(c, Action::kBlocked, "hsm_key_needs_premium_vault",
           "kty " + kty + " is an HSM-protected key and the vault " +
               KeyParentOf(kind, *request.desired).name +
               " is of the standard SKU; HSM-protected keys need a premium vault");
    return;
  }
  c.field_changes = engine::DiffManagedFields(c.after, Json::object(), KeyDiffRules());
  Decide(c, Action::kCreate, "absent",
         "key does not exist: create it. ARM creates a key once; later changes to its "
         "properties or tags cannot be made through ARM");
}

// A declared key that exists: ARM has no update for keys, so anything but a match owned by this
// stack is reported, never applied.
void PlanPresentKey(const KeyKind& kind, const std::string& stack, Change& c) {
  c.field_changes = DiffKey(kind, c.after, c.before);
  const std::string differs =
      c.field_changes.empty() ? "" : "; it also differs in " + JoinPaths(c.field_changes);
  const std::string owner = StackTagOf(c.before);
  if (!stack.empty() && owner.empty()) {
    Decide(c, Action::kUnsupported, "adopt_not_possible",
           "key exists without the " + std::string(kStackTag) + ": " + stack +
               " tag and ARM cannot add it: create-if-not-exist returns an existing key "
               "unchanged and ARM has no update for keys. Add the tag in the data plane "
               "(az keyvault key set-attributes --tags) to let this stack own it, or set the "
               "reconcile policy to observe" +
               differs);
    return;
  }
  if (!stack.empty() && owner != stack) {
    Decide(c, Action::kUnsupported, "owned_by_other_stack",
           "key is tagged " + std::string(kStackTag) + ": " + owner +
               ", so another stack manages it (and ARM could not re-tag it anyway)" + differs);
    return;
  }
  if (c.field_changes.empty()) {
    Decide(c, Action::kNoOp, "up_to_date", "live key matches the manifest");
    return;
  }
  Decide(c, Action::kUnsupported, "immutable_after_create",
         "key differs in " + JoinPaths(c.field_changes) +
             ", and ARM cannot change a key after creation (Keys_CreateIfNotExist returns an "
             "existing key unchanged; there is no update operation). Change it in the data "
             "plane (attributes, keyOps, tags, rotation policy: az keyvault key set-attributes / "
             "rotation-policy update), or declare a key under a new name for a new type or size");
}

}  // namespace

Change PlanKeyChange(const KeyKind& kind, const engine::PlanChangeRequest& request) {
  return PlanDeclaredOrLive(
      kind.kind, request, [&](const Json& live) { return NormalizeKey(kind, live); },
      [&](const std::string& stack, Change& c) { PlanUndeclaredKey(kind, stack, c); },
      [&](const Json& spec, const std::string& stack, const Json& before) {
        return BuildDesiredKeyBody(kind, spec, stack, before);
      },
      [&](const std::string&, Change& c) { PlanAbsentKey(kind, request, c); },
      [&](const std::string& stack, Change& c) { PlanPresentKey(kind, stack, c); });
}

}  // namespace keyward::azure
