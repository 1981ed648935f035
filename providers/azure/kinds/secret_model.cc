#include "providers/azure/kinds/secret_model.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "engine/diff.h"
#include "engine/secret_source.h"
#include "providers/azure/kinds/change_start.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;
using engine::FieldChange;

constexpr char kValuePath[] = "properties.value";
// Placeholder for both sides of the value's field change; renderers print "(sensitive value)".
constexpr char kHidden[] = "(sensitive)";

bool IsFalse(const Json& value) { return value.is_boolean() && !value.get<bool>(); }

// {enabled, nbf, exp} from a manifest or a live object, in ARM's types. Unknown fields dropped.
Json CanonicalAttributes(const Json& attributes) {
  Json out = Json::object();
  if (!attributes.is_object()) return out;
  if (const Json* enabled = FindKey(attributes, "enabled")) {
    if (enabled->is_boolean()) out["enabled"] = *enabled;
    if (enabled->is_string()) out["enabled"] = Lower(enabled->get<std::string>()) == "true";
  }
  for (const char* name : {"nbf", "exp"}) {
    const Json* value = FindKey(attributes, name);
    if (!value || value->is_null()) continue;
    if (auto seconds = UnixSecondsOf(*value)) out[name] = *seconds;
  }
  return out;
}

// Tags with any differently-cased spelling of the fingerprint tag removed.
void DropTag(Json& tags, const std::string& name) {
  for (auto it = tags.begin(); it != tags.end();) {
    if (IEquals(it.key(), name)) {
      it = tags.erase(it);
    } else {
      ++it;
    }
  }
}

const Json& PropertiesOf(const Json& body) {
  static const Json kEmpty = Json::object();
  const Json* p = body.is_object() ? FindKey(body, "properties") : nullptr;
  return p && p->is_object() ? *p : kEmpty;
}

std::string Paths(const std::vector<FieldChange>& changes) {
  std::string out;
  for (const FieldChange& fc : changes) {
    if (fc.path == kValuePath) continue;
    out += (out.empty() ? "" : ", ") + fc.path;
  }
  return out;
}

// `valueFrom: {env: NAME, placeholder: true}`: what keyward export writes for a value it cannot
// read.
bool IsPlaceholder(const Json& spec) {
  const Json* value_from = FindKey(spec, "valueFrom");
  return value_from && value_from->is_object() && value_from->value("placeholder", false) == true;
}

void PlanPrune(const engine::PlanChangeRequest& request, const std::string& stack, Change& c) {
  if (!request.observed) {
    c.action = Action::kNoOp;
    c.reason = "absent";
    return;
  }
  if (stack.empty() || StackTagOf(c.before) != stack) {
    Decide(c, Action::kNoOp, "not_owned",
           "not in the manifests and not owned by this stack: left alone");
    return;
  }
  const bool disable = request.desired_set && request.desired_set->config.disable_pruned_secrets;
  if (!disable) {
    c.action = Action::kUnsupported;
    c.reason_code = "arm_cannot_delete_secrets";
    c.reason =
        "owned by stack " + stack +
        " and gone from the manifests, but ARM cannot delete secrets (no management operation "
        "exists); delete it through the data plane (az keyvault secret delete), or set "
        "`secrets: {onPrune: disable}` in keyward.yaml to have keyward disable it";
    return;
  }
  c.after = c.before;
  c.after["properties"]["attributes"]["enabled"] = false;
  if (IsFalse(c.before["properties"]["attributes"]["enabled"])) {
    Decide(c, Action::kNoOp, "pruned_secret_disabled",
           "gone from the manifests and already disabled (secrets.onPrune: disable)");
    return;
  }
  c.field_changes.push_back({"properties.attributes.enabled", true, false});
  c.action = Action::kUpdate;
  c.reason_code = "prune_disable";
  c.reason = "owned by stack " + stack +
             " and gone from the manifests; ARM cannot delete secrets, so keyward disables it "
             "(secrets.onPrune: disable)";
}

// The value's part of the decision: "" when the live fingerprint matches.
void PlanValue(const std::string& want, const std::string& have, Change& c, std::string* code,
               std::string* reason) {
  if (want == have) return;
  c.field_changes.insert(c.field_changes.begin(), FieldChange{kValuePath, kHidden, kHidden});
  if (have.empty()) {
    *code = "value_changed_outside_keyward";
    *reason = std::string("the secret has no ") + kValueHmacTag +
              " tag: its value was set outside keyward (or before keyward managed it), so "
              "keyward writes the value from the source";
  } else if (engine::KeyIdOf(have) == engine::KeyIdOf(want)) {
    *code = "source_value_changed";
    *reason = "the source value changed since keyward last wrote it";
  } else {
    *code = "fingerprint_key_changed";
    *reason = "the fingerprint key changed (key-id " + engine::KeyIdOf(have) + " on the secret, " +
              engine::KeyIdOf(want) +
              " now): keyward cannot tell whether the value changed, so it writes it again";
  }
}

void PlanPresent(const engine::PlanChangeRequest& request, const std::string& stack, Change& c) {
  c.field_changes = DiffSecret(c.after, c.before);
  // The fingerprint tag is the value's proxy: shown once, as properties.value.
  std::erase_if(c.field_changes, [](const FieldChange& fc) {
    return fc.path == engine::JoinPath("tags", kValueHmacTag);
  });
  std::string value_code, value_reason;
  PlanValue(request.desired->value_fingerprint, ValueFingerprintOf(c.before), c, &value_code,
            &value_reason);

  const std::string owner = StackTagOf(c.before);
  if (!stack.empty() && !owner.empty() && owner != stack) {
    // Two stacks writing one secret would overwrite each other's value on every run.
    c.action = Action::kBlocked;
    c.reason_code = "owned_by_other_stack";
    c.reason = "secret is tagged " + std::string(kStackTag) + ": " + owner +
               ", so another stack manages it; remove that tag to let stack " + stack + " adopt it";
    return;
  }
  if (!stack.empty() && owner.empty()) {
    Decide(c, Action::kAdopt, "adopt",
           "secret exists without the " + std::string(kStackTag) + " tag: adopt it (add the tags" +
               (value_code.empty() ? "" : ", write the value") +
               (Paths(c.field_changes).empty() ? "" : ", reconcile " + Paths(c.field_changes)) +
               ")");
    return;
  }
  if (c.field_changes.empty()) {
    Decide(c, Action::kNoOp, "up_to_date",
           "live secret matches the manifest and its value fingerprint matches the source");
    return;
  }
  c.action = Action::kUpdate;
  const std::string paths = Paths(c.field_changes);
  if (!value_code.empty()) {
    c.reason_code = value_code;
    c.reason = value_reason + (paths.empty() ? "" : "; also differs in " + paths);
  } else {
    c.reason_code = "drift";
    c.reason = "differs in " + paths;
  }
}

}  // namespace

std::optional<SecretRef> SecretVaultOf(const engine::DesiredResource& secret) {
  const Json* vault = FindKey(secret.spec, "vault");
  if (!vault || !vault->is_string() || vault->get<std::string>().empty()) return std::nullopt;
  const std::string text = vault->get<std::string>();
  SecretRef ref;
  if (text.front() == '/') {
    const std::string s = ArmIdSegment(text, "subscriptions");
    const std::string rg = ArmIdSegment(text, "resourceGroups");
    const std::string name = ArmIdSegment(text, "vaults");
    if (s.empty() || rg.empty() || name.empty() ||
        Lower(text).find("/providers/microsoft.keyvault/vaults/") == std::string::npos) {
      return std::nullopt;
    }
    ref.vault_id = VaultArmId(s, rg, name);
    ref.vault_name = name;
    ref.external = true;
    return ref;
  }
  if (text.find('/') != std::string::npos) return std::nullopt;
  ref.vault_name = text;
  ref.vault_id = VaultArmId(secret.subscription, secret.resource_group, text);
  return ref;
}

std::string SecretArmId(const std::string& vault_id, const std::string& name) {
  return vault_id + "/secrets/" + name;
}

std::optional<long long> UnixSecondsOf(const Json& value) {
  if (value.is_number_integer()) return value.get<long long>();
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(text.size())) {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<long long>(timegm(&tm));  // pure: no clock, no time zone
}

Json NormalizeSecret(const Json& live) {
  if (!live.is_object()) return Json();
  Json out = Json::object();
  const Json* tags = FindKey(live, "tags");
  out["tags"] = tags && tags->is_object() ? *tags : Json::object();
  const Json& props = PropertiesOf(live);
  Json properties = Json::object();
  if (const Json* type = FindKey(props, "contentType"); type && type->is_string())
    properties["contentType"] = *type;
  const Json* attributes = FindKey(props, "attributes");
  Json canonical = CanonicalAttributes(attributes ? *attributes : Json());
  if (!canonical.contains("enabled")) canonical["enabled"] = true;  // ARM's default
  properties["attributes"] = std::move(canonical);
  out["properties"] = std::move(properties);
  return out;
}

Json BuildDesiredSecretBody(const engine::DesiredResource& desired, const std::string& stack,
                            const Json& normalized_live) {
  Json body = Json::object();
  const Json* live_tags = FindKey(normalized_live, "tags");
  Json tags = DesiredTags(desired.spec, live_tags ? *live_tags : Json(), stack);
  DropTag(tags, kValueHmacTag);
  tags[kValueHmacTag] = desired.value_fingerprint;
  body["tags"] = std::move(tags);
  Json properties = Json::object();
  if (const Json* type = FindKey(desired.spec, "contentType"); type && type->is_string())
    properties["contentType"] = *type;
  if (const Json* attributes = FindKey(desired.spec, "attributes")) {
    Json canonical = CanonicalAttributes(*attributes);
    if (!canonical.empty()) properties["attributes"] = std::move(canonical);
  }
  body["properties"] = std::move(properties);
  return body;
}

std::vector<FieldChange> DiffSecret(const Json& desired, const Json& live) {
  std::vector<FieldChange> out;
  if (!desired.is_object()) return out;
  Json managed = {{"properties", PropertiesOf(desired)}};
  Json have = {{"properties", PropertiesOf(live)}};
  out = engine::DiffManagedFields(managed, have, engine::DiffRules{});
  DiffManagedTags(desired, live, &out);
  return out;
}

std::string ValueFingerprintOf(const Json& body) {
  const Json* tags = body.is_object() ? FindKey(body, "tags") : nullptr;
  const Json* tag = tags ? FindKey(*tags, kValueHmacTag) : nullptr;
  return tag && tag->is_string() ? tag->get<std::string>() : "";
}

engine::ResolveResponse ResolveSecret(const SingleKind&, const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  const std::optional<SecretRef> vault = SecretVaultOf(r);
  out.address = std::string(kSecretKind) + "/" + (vault ? vault->vault_name : "") + "/" + r.name;
  if (!vault) {
    out.diagnostics.Error(r.LocationOf("spec.vault"),
                          out.address +
                              ": spec.vault must be a vault name or a full vault ARM id "
                              "(/subscriptions/.../providers/Microsoft.KeyVault/vaults/NAME)");
    return out;
  }
  out.arm_id = SecretArmId(vault->vault_id, r.name);
  // A vault named by ARM id may be managed elsewhere: an edge only if it is in the set.
  out.references.push_back({std::string(kVaultKind) + "/" + vault->vault_name, !vault->external,
                            "spec.vault", vault->vault_id});
  // The name is the schema's; the source rule is secret_source.h's, shared with every read.
  // (Checked here rather than as a schema `required`, so that kind-agnostic engine tests may use
  // Secret manifests without a source.)
  if (std::string problem = engine::ValueFromProblem(FindKey(r.spec, "valueFrom"));
      !problem.empty()) {
    out.diagnostics.Error(r.LocationOf(FindKey(r.spec, "valueFrom") ? "spec.valueFrom" : "spec"),
                          out.address + ": " + problem);
  }
  if (const Json* tags = FindKey(r.spec, "tags"); tags && FindKey(*tags, kValueHmacTag)) {
    out.diagnostics.Error(r.LocationOf("spec.tags"), out.address + ": the tag " + kValueHmacTag +
                                                         " is reserved: keyward writes the value "
                                                         "fingerprint into it");
  }
  if (const Json* attributes = FindKey(r.spec, "attributes")) {
    for (const char* field : {"nbf", "exp"}) {
      const Json* value = FindKey(*attributes, field);
      if (value && !UnixSecondsOf(*value)) {
        out.diagnostics.Error(r.LocationOf(std::string("spec.attributes.") + field),
                              out.address + ": attributes." + field +
                                  " must be Unix seconds or an RFC 3339 UTC time such as "
                                  "2027-01-01T00:00:00Z");
      }
    }
  }
  return out;
}

Change PlanSecretChange(const SingleKind&, const engine::PlanChangeRequest& request) {
  Change c = ChangeFromObserved(kSecretKind, request, NormalizeSecret);
  c.sensitive_paths = {kValuePath};
  const std::string stack = StackOf(request);
  if (!request.desired) {
    PlanPrune(request, stack, c);
    return c;
  }
  NameByDesired(request, c);
  if (request.desired->value_fingerprint.empty() && IsPlaceholder(request.desired->spec)) {
    Decide(c, Action::kBlocked, "secret_source_placeholder",
           "the value source is an export placeholder: set environment variable " +
               request.desired->spec["valueFrom"].value("env", std::string()) +
               " (or replace spec.valueFrom) to let keyward write the value");
    return c;
  }
  if (request.desired->value_fingerprint.empty()) {
    // Only reachable when a caller planned without engine::ResolveSecretFingerprints.
    Decide(c, Action::kBlocked, "value_not_resolved",
           "the secret value was not read from its source before planning");
    return c;
  }
  c.after = BuildDesiredSecretBody(*request.desired, stack, c.before);
  if (!request.observed) {
    c.field_changes = DiffSecret(c.after, Json());
    std::erase_if(c.field_changes, [](const FieldChange& fc) {
      return fc.path == engine::JoinPath("tags", kValueHmacTag);
    });
    c.field_changes.insert(c.field_changes.begin(), FieldChange{kValuePath, Json(), kHidden});
    Decide(c, Action::kCreate, "absent", "secret does not exist");
    return c;
  }
  PlanPresent(request, stack, c);
  return c;
}

bool WritesValue(const Change& change) {
  if (change.after.is_null()) return false;
  return change.before.is_null() ||
         ValueFingerprintOf(change.after) != ValueFingerprintOf(change.before);
}

Json BuildSecretPutBody(const Json& desired, const Json& normalized_live,
                        const std::string& value) {
  Json properties = PropertiesOf(normalized_live);
  const Json& want = PropertiesOf(desired);
  if (want.contains("contentType")) properties["contentType"] = want["contentType"];
  if (want.contains("attributes")) {
    Json attributes = properties.value("attributes", Json::object());
    attributes.update(want["attributes"]);
    properties["attributes"] = std::move(attributes);
  }
  properties["value"] = value;
  return {{"tags", desired.value("tags", Json::object())}, {"properties", std::move(properties)}};
}

Json BuildSecretPatchBody(const Json& desired, const Json& normalized_live) {
  const std::vector<FieldChange> changes = DiffSecret(desired, normalized_live);
  if (changes.empty()) return Json();
  Json body = Json::object();
  Json properties = Json::object();
  for (const FieldChange& fc : changes) {
    if (fc.path.rfind("tags", 0) == 0) {
      body["tags"] = desired["tags"];  // PATCH replaces the whole tag set
    } else if (fc.path == "properties.contentType") {
      properties["contentType"] = desired["properties"]["contentType"];
    } else if (fc.path.rfind("properties.attributes", 0) == 0) {
      properties["attributes"] = desired["properties"]["attributes"];
    }
  }
  if (!properties.empty()) body["properties"] = std::move(properties);
  return body;
}

namespace {

engine::KindTraits SecretTraits() {
  return {.export_comment =
              "# The value cannot be read from Azure: this secret plans as `blocked` until the\n"
              "# variable below is set (keyward then rewrites the value: plan shows `update`), or\n"
              "# valueFrom is replaced with your real source.\n"};
}

}  // namespace

const SingleKind& SecretDescriptor() {
  static constexpr SingleKind kind = {kSecretKind, ResolveSecret, PlanSecretChange,
                                      ExportSecretManifest, SecretTraits};
  return kind;
}

}  // namespace keyward::azure
