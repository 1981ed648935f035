#include "providers/azure/kinds/resource_group_handler.h"

#include <cctype>
#include <set>

#include "providers/azure/kinds/arm_json.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

// The subscription id of a prune scope ("/subscriptions/{s}[/resourceGroups/{rg}]").
std::string SubscriptionOfScope(const std::string& scope) {
  return ArmIdSegment(scope, "subscriptions");
}

}  // namespace

ResourceGroupHandler::ResourceGroupHandler(std::shared_ptr<ArmClient> client)
    : KindHandler(std::move(client), ResourceGroupDescriptor()) {}

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
