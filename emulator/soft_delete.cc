#include "emulator/soft_delete.h"

#include "emulator/util.h"

namespace keyward::emulator {

using nlohmann::json;

namespace {
constexpr double kSecondsPerDay = 86400;
constexpr int kDefaultRetentionDays = 90;
}  // namespace

std::string DeletedId(const SoftDeleteKind& kind, const std::string& sub,
                      const std::string& location, const std::string& name) {
  return "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" + location + "/" +
         kind.deleted_collection + "/" + name;
}

StoredResource NewTopLevel(const SoftDeleteKind& kind, const std::string& key,
                           const std::string& parent, const std::string& sub, const std::string& rg,
                           const std::string& name, const RequestContext& r) {
  StoredResource out;
  out.key = key;
  out.type = kind.type;
  out.parent = parent;
  out.subscription = ToLower(sub);
  out.name = ToLower(name);
  const std::string actor = r.caller ? r.caller->app_id : "unknown";
  const std::string at = FormatIso8601(r.now, 7);
  out.body = {{"id", "/subscriptions/" + sub + "/resourceGroups/" + rg +
                         "/providers/Microsoft.KeyVault/" + kind.collection + "/" + name},
              {"name", name},
              {"type", kind.type},
              {"systemData",
               {{"createdBy", actor},
                {"createdByType", "Application"},
                {"createdAt", at},
                {"lastModifiedBy", actor},
                {"lastModifiedByType", "Application"},
                {"lastModifiedAt", at}}},
              {"_internal", json::object()}};
  return out;
}

void SoftDelete(const SoftDeleteKind& kind, Store::Tx& tx, const StoredResource& live, double now) {
  const json& body = live.body;
  std::vector<std::string> id_segments = SplitPath(body.value("id", ""));
  const std::string sub = id_segments.size() > 1 ? id_segments[1] : live.subscription;
  const std::string location = body.value("location", "");
  const int retention =
      body["properties"].value("softDeleteRetentionInDays", kDefaultRetentionDays);
  const std::string id = DeletedId(kind, sub, location, body.value("name", ""));
  StoredResource deleted;
  deleted.key = ToLower(id);
  deleted.type = kind.deleted_type;
  deleted.parent = ToLower("/subscriptions/" + sub);
  deleted.subscription = live.subscription;
  deleted.name = live.name;
  json props = {{kind.original_id_field, body["id"]},
                {"location", location},
                {"deletionDate", FormatIso8601(now, 0)},
                {"scheduledPurgeDate", FormatIso8601(now + retention * kSecondsPerDay, 0)},
                {"tags", body.value("tags", json::object())}};
  const bool protection =
      body["properties"].value("enablePurgeProtection", kind.purge_protection_default);
  if (protection || kind.lists_purge_protection_off) props["purgeProtectionEnabled"] = protection;
  json kept = body;
  kept.erase("_internal");
  deleted.body = {{"id", id},
                  {"name", body["name"]},
                  {"type", kind.deleted_type},
                  {"properties", props},
                  {"_internal", {{kind.kept_body_field, kept}, {"resourceGroupKey", live.parent}}}};
  json children = json::array();
  for (const auto& child : tx.ListByKeyPrefix(live.key + "/")) {
    // Kept inside the deleted record, out of every route's reach, so that recover brings them
    // back as the real service does (purge drops them); or gone with the resource.
    if (kind.keeps_children) {
      children.push_back({{"key", child.key},
                          {"type", child.type},
                          {"parent", child.parent},
                          {"subscription", child.subscription},
                          {"name", child.name},
                          {"body", child.body}});
    }
    tx.Delete(child.key);
  }
  if (kind.keeps_children) deleted.body["_internal"]["children"] = std::move(children);
  tx.Put(deleted);
  tx.Delete(live.key);
}

void SoftDeleteWithResourceGroup(const ServiceContext& context, const SoftDeleteKind& kind) {
  OnResourceGroupDelete(context, kind.type,
                        [&kind](Store::Tx& tx, const StoredResource& live, double now) {
                          SoftDelete(kind, tx, live, now);
                        });
}

std::optional<StoredResource> GetDeleted(const SoftDeleteKind& kind, Store::Tx& tx,
                                         const std::string& sub, const std::string& location,
                                         const std::string& name) {
  return tx.Get(ToLower(DeletedId(kind, sub, location, name)));
}

std::optional<StoredResource> FindDeleted(const SoftDeleteKind& kind, Store::Tx& tx,
                                          const std::string& sub, const std::string& name) {
  std::optional<StoredResource> found;
  for (auto& candidate : tx.FindByName({kind.deleted_type}, ToLower(name))) {
    if (candidate.subscription == ToLower(sub)) found = candidate;
  }
  return found;
}

void RestoreKept(const StoredResource& deleted, const json& request_body,
                 const SoftDeleteKind& kind, StoredResource& fresh) {
  const json& old = deleted.body["_internal"][kind.kept_body_field];
  for (const char* field : {"location", "sku", "tags", "properties", "identity"}) {
    if (old.contains(field)) fresh.body[field] = old[field];
  }
  if (old.contains("systemData")) {
    fresh.body["systemData"]["createdBy"] = old["systemData"]["createdBy"];
    fresh.body["systemData"]["createdAt"] = old["systemData"]["createdAt"];
  }
  if (request_body.contains("tags") && request_body["tags"].is_object() &&
      !request_body["tags"].empty()) {
    fresh.body["tags"] = request_body["tags"];
  }
}

bool PurgeProtected(const SoftDeleteKind& kind, const StoredResource& deleted) {
  return deleted.body["properties"].value("purgeProtectionEnabled", kind.purge_protection_default);
}

std::optional<ArmError> PurgeRefusal(const SoftDeleteKind& kind, const StoredResource& deleted) {
  if (!PurgeProtected(kind, deleted)) return std::nullopt;
  return ArmError{409, "PurgeProtectionEnabled",
                  std::string("Operation 'purge' is not allowed because purge protection is "
                              "enabled for ") +
                      kind.noun + " '" + deleted.body.value("name", "") + "'. " + kind.auto_purger +
                      " will purge it automatically on " +
                      deleted.body["properties"].value("scheduledPurgeDate", "") + "."};
}

std::variant<StoredResource, ArmError> DeletedToRecover(const SoftDeleteKind& kind, Store::Tx& tx,
                                                        const std::string& sub,
                                                        const std::string& name,
                                                        const std::string& location,
                                                        const ArmError& not_found) {
  std::optional<StoredResource> deleted = FindDeleted(kind, tx, sub, name);
  if (!deleted) return not_found;
  // Only HSM purges are marked (their purge is a tracked LRO); a vault record never is.
  if (deleted->body["_internal"].contains("purgeOperation")) {
    return ArmError{409, "AnotherOperationInProgress",
                    std::string("The deleted ") + kind.noun + " '" + name + "' is being purged."};
  }
  const std::string deleted_location = deleted->body["properties"].value("location", "");
  if (deleted_location != location) {
    return ArmError{400, "BadRequest",
                    "The location '" + location +
                        "' does not match the location of the soft-deleted " + kind.noun + " '" +
                        name + "' ('" + deleted_location + "')."};
  }
  return *std::move(deleted);
}

Reply NameAvailability(const SoftDeleteKind& kind, Store& store, const std::string& name,
                       const std::optional<ArmError>& invalid) {
  if (invalid) {
    return Reply::Json(200, {{"nameAvailable", false},
                             {"reason", "AccountNameInvalid"},
                             {"message", invalid->message}});
  }
  bool taken = store.Transact([&](Store::Tx& tx) {
    return !tx.FindByName({kind.type, kind.deleted_type}, ToLower(name)).empty();
  });
  if (taken) {
    return Reply::Json(200, {{"nameAvailable", false},
                             {"reason", "AlreadyExists"},
                             {"message", std::string("The ") + kind.noun + " name '" + name +
                                             "' is already in use."}});
  }
  return Reply::Json(200, {{"nameAvailable", true}});
}

NameHolder HolderOfName(const SoftDeleteKind& kind, Store::Tx& tx, const std::string& sub,
                        const std::string& name) {
  const auto holders = tx.FindByName({kind.type, kind.deleted_type}, ToLower(name));
  for (const auto& holder : holders) {
    if (holder.type == kind.deleted_type && holder.subscription == ToLower(sub))
      return NameHolder::kDeletedHere;
  }
  return holders.empty() ? NameHolder::kNone : NameHolder::kOther;
}

ArmError DeletedNotFound(const SoftDeleteKind& kind, const std::string& location,
                         const std::string& name) {
  return {404, "ResourceNotFound",
          "The Resource 'Microsoft.KeyVault/locations/" + location + "/" + kind.deleted_collection +
              "/" + name + "' was not found."};
}

void AddSoftDeleteRoutes(Router& router, const SoftDeleteKind& kind,
                         const SoftDeleteRoutes& routes) {
  const std::string sub = "/subscriptions/{subscriptionId}";
  const std::string list =
      sub + "/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/" + kind.collection;
  const std::string one = list + "/{" + routes.name_var + "}";
  const std::string deleted_list = sub + "/providers/Microsoft.KeyVault/" + kind.deleted_collection;
  const std::string deleted = sub + "/providers/Microsoft.KeyVault/locations/{location}/" +
                              kind.deleted_collection + "/{" + routes.name_var + "}";
  const std::string prefix = std::string(routes.operation_prefix) + "_";
  const auto kv = ApiFamily::kKeyVault;
  router.Add({"PUT", one, prefix + "CreateOrUpdate", kv, true, routes.put});
  router.Add({"PATCH", one, prefix + "Update", kv, true, routes.patch});
  router.Add({"GET", one, prefix + "Get", kv, true, routes.get});
  router.Add({"DELETE", one, prefix + "Delete", kv, true, routes.del});
  router.Add(
      {"GET", list, prefix + "ListByResourceGroup", kv, true, routes.list_by_resource_group});
  router.Add({"GET", sub + "/providers/Microsoft.KeyVault/" + kind.collection,
              prefix + "ListBySubscription", kv, true, routes.list_by_subscription});
  router.Add({"GET", deleted_list, prefix + "ListDeleted", kv, true, routes.list_deleted});
  router.Add({"GET", deleted, prefix + "GetDeleted", kv, true, routes.get_deleted});
  router.Add({"POST", deleted + "/purge", prefix + "PurgeDeleted", kv, true, routes.purge});
}

}  // namespace keyward::emulator
