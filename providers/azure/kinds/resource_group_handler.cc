#include "providers/azure/kinds/resource_group_handler.h"

#include <cctype>
#include <set>

#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/change_start.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

// The subscription id of a prune scope ("/subscriptions/{s}[/resourceGroups/{rg}]").
std::string SubscriptionOfScope(const std::string& scope) {
  return ArmIdSegment(scope, "subscriptions");
}

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

void Decide(Change& c, Action action, const char* code, const std::string& reason) {
  c.action = action;
  c.reason_code = code;
  c.reason = reason;
}

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

Change PlanResourceGroupChange(const engine::PlanChangeRequest& request) {
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

namespace {

engine::ResolveResponse ResolveResourceGroup(const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  out.address = std::string(kResourceGroupKind) + "/" + r.name;
  out.arm_id = ResourceGroupArmId(r.subscription, r.name);
  // The name, subscription and location are checked by the schema and the loader.
  return out;
}

// Deleting a group deletes everything in it; a whole-subscription export leaves groups out (most
// hold no Key Vault at all).
engine::KindTraits ResourceGroupTraits() {
  return {.delete_needs_allow_destroy = true,
          .export_file_prefix = "resource-group-",
          .export_needs_resource_group = true};
}

constexpr SingleKind kDescriptor = {kResourceGroupKind, ResolveResourceGroup,
                                    PlanResourceGroupChange, ExportResourceGroupManifest,
                                    ResourceGroupTraits};

}  // namespace

ResourceGroupHandler::ResourceGroupHandler(std::shared_ptr<ArmClient> client)
    : KindHandler(std::move(client), kDescriptor) {}

Result<engine::RefreshResponse> ResourceGroupHandler::Refresh(const engine::RefreshRequest& request,
                                                              const Context& ctx) {
  std::set<std::string> subscriptions;  // lowercase: GUIDs compare case-insensitively
  std::vector<std::string> ordered;
  auto add = [&](const std::string& s) {
    if (!s.empty() && subscriptions.insert(Lower(s)).second) ordered.push_back(s);
  };
  for (const engine::DesiredResource* d : request.desired) add(d->subscription);
  for (const std::string& scope : request.scopes) add(SubscriptionOfScope(scope));

  engine::RefreshResponse out;
  for (const std::string& subscription : ordered) {
    KEYWARD_ASSIGN_OR_RETURN(
        auto groups,
        client_->ListAll(WithApiVersion(SubscriptionPath(subscription) + "/resourcegroups",
                                        kResourcesApiVersion),
                         ctx));
    for (const Json& group : groups) {
      engine::ObservedResource observed;
      observed.kind = kResourceGroupKind;
      observed.arm_id = group.value("id", "");
      const std::string name = group.value("name", ArmIdSegment(observed.arm_id, "resourceGroups"));
      observed.address = std::string(kResourceGroupKind) + "/" + name;
      observed.live = group;
      observed.fingerprint = FingerprintOfJson(NormalizeResourceGroup(group));
      out.resources.push_back(std::move(observed));
    }
  }
  return out;
}

Result<engine::ApplyResponse> ResourceGroupHandler::Apply(const engine::ApplyRequest& request,
                                                          const Context& ctx) {
  const Change& change = *request.change;
  const std::string subscription = ArmIdSegment(change.arm_id, "subscriptions");
  const std::string name = ArmIdSegment(change.arm_id, "resourceGroups");
  if (subscription.empty() || name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a resource group id: " + change.arm_id);
  }
  const std::string path =
      WithApiVersion(ResourceGroupPath(subscription, name), kResourcesApiVersion);

  switch (change.action) {
    case Action::kCreate:
    case Action::kUpdate:
    case Action::kAdopt: {
      // PUT {location, tags}: a resource group has nothing else keyward manages, and PUT with the
      // full desired body is idempotent. Tags in `after` already preserve unmanaged live tags.
      Json body = {
          {"location", change.after.value("location", change.before.is_object()
                                                          ? change.before.value("location", "")
                                                          : std::string())},
          {"tags", change.after.value("tags", Json::object())}};
      KEYWARD_ASSIGN_OR_RETURN(auto put, client_->Put(path, body, ctx));
      KEYWARD_RETURN_IF_ERROR(client_->PollUntilDone(put, path, HttpMethod::kPut, ctx));
      break;
    }
    case Action::kDelete: {
      // 202 + Location; deleting a group deletes everything in it and takes a while.
      auto deleted = client_->Delete(path, ctx);
      if (!deleted) {
        if (deleted.error().code == ErrorCode::kNotFound) return engine::ApplyResponse{};
        return tl::unexpected(deleted.error());
      }
      KEYWARD_RETURN_IF_ERROR(client_->PollUntilDone(*deleted, path, HttpMethod::kDelete, ctx));
      return engine::ApplyResponse{};
    }
    case Action::kNoOp:
      break;
    default:
      return MakeError(ErrorCode::kFailedPrecondition,
                       std::string("resource group: action ") + engine::ActionName(change.action) +
                           " cannot be applied" +
                           (change.reason.empty() ? "" : ": " + change.reason));
  }
  KEYWARD_ASSIGN_OR_RETURN(auto live, client_->Get(path, ctx));
  engine::ApplyResponse out;
  out.live = live.body;
  out.fingerprint = FingerprintOfJson(NormalizeResourceGroup(live.body));
  return out;
}

}  // namespace keyward::azure
