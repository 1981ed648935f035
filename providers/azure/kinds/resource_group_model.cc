#include "providers/azure/kinds/resource_group_model.h"

#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/change_start.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

}  // namespace

std::string ResourceGroupArmId(const std::string& subscription, const std::string& name) {
  return "/subscriptions/" + subscription + "/resourceGroups/" + name;
}

Json NormalizeResourceGroup(const Json& live) {
  if (!live.is_object()) return Json();
  const Json* location = FindKey(live, "location");
  const Json* tags = FindKey(live, "tags");
  return Json{{"location", location && location->is_string()
                               ? CanonicalLocation(location->get<std::string>())
                               : std::string()},
              {"tags", tags && tags->is_object() ? *tags : Json::object()}};
}

namespace {

// A live resource group no manifest declares: deleted only when this stack owns it.
void PlanUndeclaredResourceGroup(const engine::PlanChangeRequest& request, const std::string& stack,
                                 bool owned, Change& c) {
  if (!request.observed || !owned) {
    Decide(c, Action::kNoOp, "not_owned",
           "not in the manifests and not owned by this stack: left alone");
    return;
  }
  Decide(c, Action::kDelete, "prune",
         "owned by stack " + stack +
             " and gone from the manifests: delete. Deleting a resource group deletes every "
             "resource in it (vaults in it are soft-deleted)");
}

void PlanAbsentResourceGroup(Change& c) {
  Decide(c, Action::kCreate, "absent", "resource group does not exist");
  DiffTags(Json(), c.after["tags"], &c.field_changes);
  if (c.after.contains("location"))
    c.field_changes.insert(c.field_changes.begin(), {"location", Json(), c.after["location"]});
}

// A declared resource group that exists: it cannot move; its tags converge, once this stack
// owns it (adopting it when no stack does).
void PlanPresentResourceGroup(const std::string& stack, bool owned, Change& c) {
  const std::string live_location = c.before.value("location", "");
  const std::string want_location = c.after.value("location", "");
  if (!want_location.empty() && want_location != live_location) {
    c.field_changes.push_back({"location", live_location, want_location});
    Decide(c, Action::kBlocked, "immutable_after_create",
           "location is " + live_location + " on the resource group and " + want_location +
               " in the manifest: a resource group cannot move, and replacing it would delete "
               "every resource in it");
    return;
  }
  DiffTags(c.before["tags"], c.after["tags"], &c.field_changes);
  if (!owned && !stack.empty()) {
    const std::string owner = StackTagOf(c.before);
    if (!owner.empty()) {
      // Two stacks converging one resource group would undo each other on every run.
      Decide(c, Action::kBlocked, "owned_by_other_stack",
             "resource group is tagged " + std::string(kStackTag) + ": " + owner +
                 ", so another stack manages it; remove that tag to let stack " + stack +
                 " adopt it");
      return;
    }
    Decide(c, Action::kAdopt, "adopt",
           "resource group exists without the " + std::string(kStackTag) +
               " tag: adopt it (add the tag)");
    return;
  }
  if (c.field_changes.empty()) {
    Decide(c, Action::kNoOp, "up_to_date", "live resource group matches the manifest");
    return;
  }
  Decide(c, Action::kUpdate, "drift", "tags differ");
}

}  // namespace

Change PlanResourceGroupChange(const SingleKind&, const engine::PlanChangeRequest& request) {
  Change c = ChangeFromObserved(kResourceGroupKind, request, NormalizeResourceGroup);
  const std::string stack = StackOf(request);
  // An empty stack owns nothing (never prunes) and has no tag to add (never adopts).
  const bool owned = !stack.empty() && StackTagOf(c.before) == stack;
  if (!request.desired) {
    PlanUndeclaredResourceGroup(request, stack, owned, c);
    return c;
  }

  NameByDesired(request, c);
  const Json& spec = request.desired->spec;
  const Json* location = FindKey(spec, "location");
  c.after = Json::object();
  if (location && location->is_string())
    c.after["location"] = CanonicalLocation(location->get<std::string>());
  c.after["tags"] = DesiredTags(spec, c.before.is_object() ? c.before["tags"] : Json(), stack);
  if (!request.observed) {
    PlanAbsentResourceGroup(c);
  } else {
    PlanPresentResourceGroup(stack, owned, c);
  }
  return c;
}

engine::ResolveResponse ResolveResourceGroup(const SingleKind&,
                                             const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  out.address = std::string(kResourceGroupKind) + "/" + r.name;
  out.arm_id = ResourceGroupArmId(r.subscription, r.name);
  // The name, subscription and location are checked by the schema and the loader.
  return out;
}

namespace {

// Deleting a group deletes everything in it; a whole-subscription export leaves groups out (most
// hold no Key Vault at all).
engine::KindTraits ResourceGroupTraits() {
  return {.delete_needs_allow_destroy = true,
          .export_file_prefix = "resource-group-",
          .export_needs_resource_group = true};
}

}  // namespace

const SingleKind& ResourceGroupDescriptor() {
  static constexpr SingleKind kind = {kResourceGroupKind, ResolveResourceGroup,
                                      PlanResourceGroupChange, ExportResourceGroupManifest,
                                      ResourceGroupTraits};
  return kind;
}

}  // namespace keyward::azure
