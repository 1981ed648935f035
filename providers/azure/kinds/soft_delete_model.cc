#include "providers/azure/kinds/soft_delete_model.h"

#include "providers/azure/kinds/vault_model.h"

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
    c.action = Action::kRecover;
    c.reason_code = "recover_soft_deleted";
    c.reason = held +
               ": recover it (createMode recover). Recovering restores the old configuration, "
               "so keyward then applies the desired properties (Terraform azurerm #17375)";
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
  c.action = Action::kAdopt;
  c.reason_code = "adopt";
  c.reason = noun + " exists without the " + std::string(kStackTag) +
             " tag: adopt it (add the tag, reconcile " + std::to_string(field_count) +
             " field(s))" + note;
  return true;
}

}  // namespace keyward::azure
