#include "providers/azure/kinds/soft_delete_model.h"

#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/change_start.h"

namespace keyward::azure {

using engine::Action;
using engine::Change;
using engine::Json;

void AddBlock(Change& change, const std::string& code, const std::string& reason) {
  if (change.action != Action::kBlocked) {
    change.action = Action::kBlocked;
    change.reason_code = code;
    change.reason = reason;
  } else {
    change.reason += "; " + reason;
  }
}

void PlanSoftDeletedName(const SoftDeletedNameRequest& r, Change& c) {
  const engine::SoftDeletedResource& deleted = *r.deleted;
  const std::string deleted_location = CanonicalLocation(deleted.location);
  const std::string deleted_rg = ArmIdSegment(deleted.original_id, "resourceGroups");
  const bool same_location = deleted_location.empty() || deleted_location == r.desired_location;
  const bool same_group = deleted_rg.empty() || IEquals(deleted_rg, r.desired_resource_group);
  const std::string held =
      "a soft-deleted " + r.noun + " named '" + r.name + "' (deleted " +
      (deleted.deletion_date.empty() ? std::string("earlier") : deleted.deletion_date) +
      ", location " + deleted_location + ") holds the name in this subscription";

  if (r.purge_policy && !deleted.purge_protection) {
    c.action = Action::kPurgeThenCreate;
    c.reason_code = "purge_then_create";
    c.reason = held + "; policy purge_then_create: purge it (irreversible: " + r.purge_destroys +
               " are destroyed), then create the " + r.noun + " from the manifest";
    return;
  }
  if (same_location && same_group) {
    Decide(c, Action::kRecover, "recover_soft_deleted",
           held +
               ": recover it (createMode recover). Recovering restores the old configuration, "
               "so keyward then applies the desired properties (Terraform azurerm #17375)");
    if (r.purge_policy) c.reason += "; purge_then_create is not possible: purge protection is on";
    return;
  }
  const std::string where =
      !same_location
          ? "location " + deleted_location + " (manifest: " + r.desired_location + ")"
          : "resource group " + deleted_rg + " (manifest: " + r.desired_resource_group + ")";
  if (deleted.purge_protection) {
    c.action = Action::kBlocked;
    c.reason_code = "blocked_by_purge_protection";
    c.reason = held + "; recovering keeps its " + where +
               ", and purge protection prevents purging it: the name is reserved until " +
               (deleted.scheduled_purge_date.empty() ? std::string("its scheduled purge date")
                                                     : deleted.scheduled_purge_date);
    return;
  }
  c.action = Action::kBlocked;
  c.reason_code = "soft_deleted_elsewhere";
  c.reason = held + "; recovering keeps its " + where +
             ": change the manifest to match, or allow purging it (purge_then_create policy)";
}

void CheckSoftDeleteImmutability(const std::string& noun, const Json& desired, const Json& live,
                                 Change& c) {
  const Json& want_days = PropertyOf(desired, "softDeleteRetentionInDays");
  const Json& have_days = PropertyOf(live, "softDeleteRetentionInDays");
  if (!want_days.is_null() && want_days != have_days) {
    AddBlock(c, "immutable_after_create",
             "softDeleteRetentionInDays is " + ShowValue(have_days) + " on the " + noun + " and " +
                 ShowValue(want_days) +
                 " in the manifest: retention days cannot change after creation");
  }
  const Json& have_protection = PropertyOf(live, "enablePurgeProtection");
  const Json& want_protection = PropertyOf(desired, "enablePurgeProtection");
  if (have_protection == true && want_protection == false) {
    AddBlock(
        c, "purge_protection_irreversible",
        "enablePurgeProtection is true on the " + noun + ": purge protection cannot be turned off");
  }
}

void CheckReplaceAllowed(const std::string& noun, const std::string& what, bool purge_protected,
                         int retention_days, bool owned_by_stack, const std::string& stack,
                         Change& c) {
  if (purge_protected) {
    AddBlock(c, "blocked_by_purge_protection",
             what + "; replacing it is impossible because purge protection keeps the deleted " +
                 noun + "'s name reserved for " + std::to_string(retention_days) + " days");
  } else if (!owned_by_stack) {
    AddBlock(c, "not_owned",
             what + "; keyward does not replace a " + noun + " it does not own (no " +
                 std::string(kStackTag) + ": " + stack + " tag)");
  }
}

bool PlanOwnership(const std::string& noun, const std::string& stack, const std::string& owner,
                   size_t field_count, const std::string& note, Change& c) {
  if (stack.empty() || owner == stack) return false;
  if (!owner.empty()) {
    // Two stacks converging one resource would undo each other on every run: refuse until a
    // person removes the other stack's tag (or the resource from the other stack's manifests).
    AddBlock(c, "owned_by_other_stack",
             noun + " is tagged " + std::string(kStackTag) + ": " + owner +
                 ", so another stack manages it; remove that tag to let stack " + stack +
                 " adopt it");
    return true;
  }
  Decide(c, Action::kAdopt, "adopt",
         noun + " exists without the " + std::string(kStackTag) +
             " tag: adopt it (add the tag, reconcile " + std::to_string(field_count) +
             " field(s))" + note);
  return true;
}

bool ProvisioningFailed(const Json& live) {
  const Json& state = PropertyOf(live, "provisioningState");
  return state.is_string() && IEquals(state.get<std::string>(), "Failed");
}

bool ReprovisionsFailed(const Change& change) {
  for (const engine::FieldChange& fc : change.field_changes)
    if (fc.path == kProvisioningStatePath) return true;
  return false;
}

engine::SoftDeletedResource SoftDeletedFromArm(const SoftDeletableKind& kind, const Json& deleted,
                                               const std::string& subscription) {
  engine::SoftDeletedResource out;
  out.kind = kind.kind;
  out.subscription = subscription;
  out.name = deleted.value("name", "");
  const Json* props = FindKey(deleted, "properties");
  const Json empty = Json::object();
  const Json& p = props && props->is_object() ? *props : empty;
  auto text = [&](const char* key) {
    const Json* v = FindKey(p, key);
    return v && v->is_string() ? v->get<std::string>() : std::string();
  };
  out.location = text("location");
  out.original_id = text(kind.original_id_field);
  out.deletion_date = text("deletionDate");
  out.scheduled_purge_date = text("scheduledPurgeDate");
  const Json* protection = FindKey(p, "purgeProtectionEnabled");
  out.purge_protection = protection && protection->is_boolean() && protection->get<bool>();
  const std::string from_id = ArmIdSegment(deleted.value("id", ""), kind.deleted_collection);
  if (!from_id.empty()) out.name = from_id;
  if (out.name.empty()) out.name = ArmIdSegment(out.original_id, kind.collection);
  return out;
}

Json BuildSoftDeletablePatchBody(const std::vector<engine::FieldChange>& changes,
                                 const Json& desired, const Json& live,
                                 bool (*skip)(const std::string& path, const std::string& property,
                                              const Json& want)) {
  Json properties = Json::object();
  bool tags_changed = false;
  for (const engine::FieldChange& fc : changes) {
    if (fc.path.rfind("tags", 0) == 0) {
      tags_changed = true;
      continue;
    }
    if (fc.path.rfind("properties.", 0) != 0) continue;  // location, sku: replace, never PATCHed
    std::string top = fc.path.substr(std::string("properties.").size());
    top = top.substr(0, top.find_first_of(".["));
    const Json& want = PropertyOf(desired, top);
    if (skip(fc.path, top, want)) continue;
    if (want.is_object()) {
      Json merged = PropertyOf(live, top);
      if (!merged.is_object()) merged = Json::object();
      merged.update(want);
      properties[top] = std::move(merged);
    } else {
      properties[top] = want;
    }
  }
  if (properties.empty() && !tags_changed) return Json();
  Json body = Json::object();
  if (desired.contains("tags")) body["tags"] = desired["tags"];
  if (!properties.empty()) body["properties"] = std::move(properties);
  return body;
}

void DefaultNetworkAcls(Json& properties) {
  if (!properties.contains("networkAcls")) properties["networkAcls"] = Json::object();
  Json& acls = properties["networkAcls"];
  if (!acls.is_object()) return;
  if (!acls.contains("bypass")) acls["bypass"] = "AzureServices";
  if (!acls.contains("defaultAction")) acls["defaultAction"] = "Allow";
  if (!acls.contains("ipRules")) acls["ipRules"] = Json::array();
  if (!acls.contains("virtualNetworkRules")) acls["virtualNetworkRules"] = Json::array();
}

namespace {

int RetentionDays(const Json& normalized_live) {
  const Json& days = PropertyOf(normalized_live, "softDeleteRetentionInDays");
  return days.is_number_integer() ? days.get<int>() : kDefaultRetentionDays;
}

bool PurgeProtected(const Json& normalized_live) {
  return PropertyOf(normalized_live, "enablePurgeProtection") == true;
}

// Not in the manifests: delete only what this stack owns (the engine passes only tagged
// resources; re-checked, because deleting one destroys everything in it).
void PlanPrune(const SoftDeletableKind& kind, const std::string& stack, Change& c) {
  if (stack.empty() || StackTagOf(c.before) != stack) {
    Decide(c, Action::kNoOp, "not_owned",
           "not in the manifests and not owned by this stack: left alone");
    return;
  }
  const int days = RetentionDays(c.before);
  Decide(c, Action::kDelete, "prune",
         "owned by stack " + stack + " and gone from the manifests: delete. The " + kind.noun +
             " is soft-deleted and stays recoverable for " + std::to_string(days) + " days");
  if (PurgeProtected(c.before)) {
    c.reason += "; purge protection is on, so the name stays reserved for those " +
                std::to_string(days) + " days and cannot be purged";
  }
  if (kind.prune_note) c.reason += kind.prune_note(c.before);
}

void PlanAbsent(const SoftDeletableKind& kind, const engine::PlanChangeRequest& request,
                Change& c) {
  const engine::DesiredResource& desired = *request.desired;
  c.field_changes = kind.diff(c.after, Json());
  if (request.soft_deleted) {
    SoftDeletedNameRequest held;
    held.noun = kind.noun;
    held.name = desired.name;
    held.desired_location = c.after.value("location", "");
    held.desired_resource_group = desired.resource_group;
    held.deleted = request.soft_deleted;
    held.purge_policy = request.options && request.options->purge_then_create;
    held.purge_destroys = kind.purge_destroys;
    PlanSoftDeletedName(held, c);
    if (c.action != Action::kRecover && c.action != Action::kPurgeThenCreate) return;
  } else if (request.name_unavailable) {
    Decide(c, Action::kBlocked, "name_unavailable", *request.name_unavailable);
    return;
  } else {
    Decide(c, Action::kCreate, "absent", std::string(kind.noun) + " does not exist");
  }
  if (kind.on_add) kind.on_add(request, c);
}

void PlanPresent(const SoftDeletableKind& kind, const engine::PlanChangeRequest& request,
                 const std::string& stack, Change& c) {
  const Json& live = c.before;
  const Json& desired = c.after;
  c.field_changes = kind.diff(desired, live);
  // The provisioning state is not a managed field: a resource whose creation or last update ended
  // Failed would otherwise plan as no-op, and the next apply would write keys into it.
  const bool failed = ProvisioningFailed(request.observed->live);
  if (failed) c.field_changes.push_back({kProvisioningStatePath, "Failed", "Succeeded"});
  const std::string owner = StackTagOf(live);

  // What ARM refuses on an existing resource is reported at plan time.
  CheckSoftDeleteImmutability(kind.noun, desired, live, c);
  if (kind.check_present) kind.check_present(desired, live, c);
  std::string what, replace_reason;
  const bool replace = kind.needs_replace &&
                       kind.needs_replace(desired, live, c.field_changes, &what, &replace_reason);
  if (replace) {
    CheckReplaceAllowed(kind.noun, what, PurgeProtected(live), RetentionDays(live),
                        !stack.empty() && owner == stack, stack, c);
  }
  if (c.action == Action::kBlocked) return;
  if (replace) {
    Decide(c, Action::kReplace, "immutable_after_create", replace_reason);
    return;
  }
  const std::string note = kind.update_note ? kind.update_note(c.field_changes) : "";
  if (PlanOwnership(kind.noun, stack, owner, c.field_changes.size(), note, c)) return;
  if (c.field_changes.empty()) {
    Decide(c, Action::kNoOp, "up_to_date",
           "live " + std::string(kind.noun) + " matches the manifest");
    return;
  }
  c.action = Action::kUpdate;
  c.reason_code = failed ? "provisioning_failed" : "drift";
  c.reason = "differs in " + JoinPaths(c.field_changes) + note;
  if (failed) {
    c.reason += "; provisioningState is Failed (the " + std::string(kind.noun) +
                "'s creation or last update did not finish): its properties are sent again";
  }
}

}  // namespace

std::string SoftDeletableArmId(const SoftDeletableKind& kind, const std::string& subscription,
                               const std::string& resource_group, const std::string& name) {
  return "/subscriptions/" + subscription + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.KeyVault/" + kind.collection + "/" + name;
}

engine::ResolveResponse ResolveSoftDeletable(const SoftDeletableKind& kind,
                                             const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  out.address = std::string(kind.kind) + "/" + r.name;
  out.arm_id = SoftDeletableArmId(kind, r.subscription, r.resource_group, r.name);
  // The resource group may be managed elsewhere (or by hand): an edge only if it is in the set.
  if (!r.resource_group.empty()) {
    out.references.push_back({std::string(kResourceGroupKind) + "/" + r.resource_group, false,
                              "metadata.resourceGroup"});
  }
  // Names, scope, required fields and ranges are the schema's and the loader's; only rules
  // across fields are checked here.
  if (kind.check_spec) kind.check_spec(r, out);
  return out;
}

Change PlanSoftDeletableChange(const SoftDeletableKind& kind,
                               const engine::PlanChangeRequest& request) {
  return PlanDeclaredOrLive(
      kind.kind, request, kind.normalize,
      [&](const std::string& stack, Change& c) { PlanPrune(kind, stack, c); }, kind.build_desired,
      [&](const std::string&, Change& c) { PlanAbsent(kind, request, c); },
      [&](const std::string& stack, Change& c) { PlanPresent(kind, request, stack, c); });
}

}  // namespace keyward::azure
