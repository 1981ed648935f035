#include "emulator/resource_groups.h"

#include <regex>

#include "emulator/operations.h"
#include "emulator/paging.h"
#include "emulator/request_checks.h"
#include "emulator/util.h"

namespace keyward::emulator {
namespace {

constexpr char kDeleteKind[] = "ResourceGroupDelete";

nlohmann::json Render(const StoredResource& r) { return r.body; }

std::optional<ArmError> ValidateName(const std::string& name) {
  // ARM: 1-90 chars of letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
  static const std::regex kPattern(R"(^[-\w\._\(\)]{1,90}$)");
  if (!std::regex_match(name, kPattern) || name.back() == '.') {
    return ArmError{400, "InvalidResourceGroupName",
                    "The provided resource group name '" + name +
                        "' has these invalid characters or length. Resource group names may only "
                        "contain 1-90 letters, digits, '_', '-', '.', '(' and ')', and may not "
                        "end with a period."};
  }
  return std::nullopt;
}

class ResourceGroups {
 public:
  explicit ResourceGroups(const ServiceContext& context) : ctx_(context) {}

  Reply Put(RequestContext& r) {
    std::string sub = r.Var("subscriptionId"), name = r.Var("resourceGroupName");
    if (auto error = ValidateName(name)) return Reply::Error(*error);
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (auto error = CheckLocation(body)) return Reply::Error(*error);
    if (body.contains("tags") && !body["tags"].is_null() && !body["tags"].is_object()) {
      return Reply::Error(InvalidRequestContent("tags must be an object"));
    }
    std::string location = NormalizeLocation(body["location"].get<std::string>());
    std::string key = ResourceGroupKey(sub, name);
    return ctx_.store->Transact([&](Store::Tx& tx) {
      auto existing = tx.Get(key);
      StoredResource rg;
      if (existing) {
        rg = *existing;
        if (rg.body["properties"].value("provisioningState", "") == "Deleting") {
          return Reply::Error({409, "ResourceGroupBeingDeleted",
                               "The resource group '" + rg.body.value("name", name) +
                                   "' is in deprovisioning state and cannot perform this "
                                   "operation."});
        }
        if (rg.body.value("location", "") != location) {
          return Reply::Error({409, "InvalidResourceGroupLocation",
                               "Invalid resource group location '" + location +
                                   "'. The Resource group already exists in location '" +
                                   rg.body.value("location", "") + "'."});
        }
      } else {
        rg.key = key;
        rg.type = kResourceGroupType;
        rg.parent = ToLower("/subscriptions/" + sub);
        rg.subscription = ToLower(sub);
        rg.name = ToLower(name);
        rg.body = {{"id", "/subscriptions/" + sub + "/resourceGroups/" + name},
                   {"name", name},
                   {"type", kResourceGroupType},
                   {"location", location},
                   {"properties", {{"provisioningState", "Succeeded"}}}};
      }
      if (body.contains("tags") && body["tags"].is_object()) {
        rg.body["tags"] = body["tags"];
      } else {
        rg.body.erase("tags");
      }
      if (body.contains("managedBy") && body["managedBy"].is_string()) {
        rg.body["managedBy"] = body["managedBy"];
      }
      tx.Put(rg);
      return Reply::Json(existing ? 200 : 201, Render(rg));
    });
  }

  Reply Get(RequestContext& r) {
    auto rg = Find(r);
    if (!rg) return Reply::Error(ResourceGroupNotFound(r.Var("resourceGroupName")));
    if (r.method == "HEAD") return Reply::Empty(204);
    return Reply::Json(200, Render(*rg));
  }

  Reply Patch(RequestContext& r) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    std::string key = ResourceGroupKey(r.Var("subscriptionId"), r.Var("resourceGroupName"));
    return ctx_.store->Transact([&](Store::Tx& tx) {
      auto rg = tx.Get(key);
      if (!rg) return Reply::Error(ResourceGroupNotFound(r.Var("resourceGroupName")));
      if (body.contains("tags")) {
        if (body["tags"].is_object()) {
          rg->body["tags"] = body["tags"];
        } else {
          rg->body.erase("tags");
        }
      }
      tx.Put(*rg);
      return Reply::Json(200, Render(*rg));
    });
  }

  Reply Delete(RequestContext& r) {
    std::string sub = r.Var("subscriptionId");
    std::string key = ResourceGroupKey(sub, r.Var("resourceGroupName"));
    return ctx_.store->Transact([&](Store::Tx& tx) {
      auto rg = tx.Get(key);
      if (!rg) return Reply::Error(ResourceGroupNotFound(r.Var("resourceGroupName")));
      rg->body["properties"]["provisioningState"] = "Deleting";
      tx.Put(*rg);
      Operation op =
          ctx_.operations->Begin(tx, kDeleteKind, sub, key, nlohmann::json::object(), r.now);
      return ctx_.operations->Accepted(
          Operations::ResourcesLocationUrl(r.base_url, sub, op.id, r.Query("api-version")));
    });
  }

  Reply List(RequestContext& r) {
    std::string parent = ToLower("/subscriptions/" + r.Var("subscriptionId"));
    return ListReply(*ctx_.store, r, 1000, true, {kResourceGroupType, parent, ""}, Render);
  }

  FinalResponse CompleteDelete(Store::Tx& tx, const Operation& op, double now) {
    if (tx.Get(op.target)) {
      for (const auto& hook : *ctx_.resource_group_delete_hooks) hook(tx, op.target, now);
      for (const auto& child : tx.ListByKeyPrefix(op.target + "/")) tx.Delete(child.key);
      tx.Delete(op.target);
    }
    return {200, nullptr};
  }

  // A failed delete (fault injection) leaves the group usable again, as ARM does.
  void FailDelete(Store::Tx& tx, const Operation& op, double /*now*/) {
    if (auto rg = tx.Get(op.target)) {
      rg->body["properties"]["provisioningState"] = "Succeeded";
      tx.Put(*rg);
    }
  }

 private:
  std::optional<StoredResource> Find(const RequestContext& r) {
    std::string key = ResourceGroupKey(r.Var("subscriptionId"), r.Var("resourceGroupName"));
    return ctx_.store->Transact([&](Store::Tx& tx) { return tx.Get(key); });
  }

  ServiceContext ctx_;
};

}  // namespace

std::string ResourceGroupKey(const std::string& subscription, const std::string& resource_group) {
  return ToLower("/subscriptions/" + subscription + "/resourcegroups/" + resource_group);
}

void RegisterResourceGroupRoutes(Router& router, const ServiceContext& context) {
  auto groups = std::make_shared<ResourceGroups>(context);
  context.operations->RegisterKind(kDeleteKind,
                                   CompleterOf(groups, &ResourceGroups::CompleteDelete),
                                   FailerOf(groups, &ResourceGroups::FailDelete));
  const std::string rg = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}";
  auto bind = MethodsOf(groups);
  router.Add({"PUT", rg, "ResourceGroups_CreateOrUpdate", ApiFamily::kResources, true,
              bind(&ResourceGroups::Put)});
  router.Add(
      {"GET", rg, "ResourceGroups_Get", ApiFamily::kResources, true, bind(&ResourceGroups::Get)});
  router.Add({"HEAD", rg, "ResourceGroups_CheckExistence", ApiFamily::kResources, true,
              bind(&ResourceGroups::Get)});
  router.Add({"PATCH", rg, "ResourceGroups_Update", ApiFamily::kResources, true,
              bind(&ResourceGroups::Patch)});
  router.Add({"DELETE", rg, "ResourceGroups_Delete", ApiFamily::kResources, true,
              bind(&ResourceGroups::Delete)});
  router.Add({"GET", "/subscriptions/{subscriptionId}/resourcegroups", "ResourceGroups_List",
              ApiFamily::kResources, true, bind(&ResourceGroups::List)});
}

}  // namespace keyward::emulator
