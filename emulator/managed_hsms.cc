#include "emulator/managed_hsms.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "emulator/operations.h"
#include "emulator/paging.h"
#include "emulator/request_checks.h"
#include "emulator/resource_groups.h"
#include "emulator/soft_delete.h"
#include "emulator/util.h"
#include "emulator/vault_family_properties.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

constexpr int kDefaultPageSize = 200;

const SoftDeleteKind kHsmSoftDelete = {
    .type = kManagedHsmType,
    .deleted_type = kDeletedManagedHsmType,
    .collection = "managedHSMs",
    .deleted_collection = "deletedManagedHSMs",
    .original_id_field = "mhsmId",
    .kept_body_field = "hsm",
    .purge_protection_default = true,
    .lists_purge_protection_off = true,
    .keeps_children = false,  // keys go with the HSM
    .noun = "managed HSM",
    .auto_purger = "The service",
};

constexpr char kFunctional[] = "ManagedHsm is functional.";
constexpr char kAllocating[] = "Allocating hardware";
constexpr char kUpdating[] = "ManagedHsm is updating.";
constexpr char kDeleting[] = "ManagedHsm is being deleted.";
constexpr char kFailedMessage[] = "ManagedHsm provisioning failed.";
// What `az keyvault show --hsm-name` prints for a provisioned, not yet activated HSM.
constexpr char kNotActivatedMessage[] =
    "Your HSM has been provisioned, but cannot be used for cryptographic operations until it is "
    "activated. To activate the HSM, download the security domain.";

// Regions: the primary is always the HSM's location; secondaries are added (Provisioning until
// the operation completes) or removed (Deleting until then). Input order is kept.
std::optional<ArmError> NormalizeRegions(const json& input, const json* existing,
                                         const std::string& location, json* out) {
  json previous =
      existing && existing->contains("regions") ? (*existing)["regions"] : json::array();
  if (input.is_null()) {
    // Omitted: keep the stored set (PUT bodies written for one region must not drop replicas).
    if (!previous.empty()) {
      *out = previous;
      return std::nullopt;
    }
    *out = json::array(
        {{{"name", location}, {"isPrimary", true}, {"provisioningState", "Provisioning"}}});
    return std::nullopt;
  }
  if (!input.is_array()) return InvalidProperty("properties.regions", "It must be an array.");
  json regions = json::array();
  std::set<std::string> seen;
  bool has_primary = false;
  for (size_t i = 0; i < input.size(); ++i) {
    const json& r = input[i];
    std::string at = "properties.regions[" + std::to_string(i) + "]";
    if (!r.is_object() || !Present(r, "name") || !r["name"].is_string())
      return RequiredProperty(at + ".name");
    std::string name = NormalizeLocation(r["name"].get<std::string>());
    if (!seen.insert(name).second)
      return InvalidProperty(at + ".name", "Region '" + name + "' is listed twice.");
    bool primary = name == location;
    if (Present(r, "isPrimary")) {
      if (!r["isPrimary"].is_boolean()) return InvalidProperty(at + ".isPrimary");
      if (r["isPrimary"].get<bool>() != primary) {
        return ArmError{400, "BadRequest",
                        "The primary region of a managed HSM is its location '" + location +
                            "'; region '" + name + "' cannot have isPrimary " +
                            (r["isPrimary"].get<bool>() ? "true" : "false") + "."};
      }
    }
    has_primary |= primary;
    std::string state = "Provisioning";
    for (const auto& p : previous) {
      if (p.value("name", "") == name && p.value("provisioningState", "") != "Deleting") {
        state = p.value("provisioningState", "Succeeded");
      }
    }
    regions.push_back({{"name", name}, {"isPrimary", primary}, {"provisioningState", state}});
  }
  if (!has_primary) {
    // The primary cannot be removed; an input listing only secondaries still keeps it.
    std::string state = "Provisioning";
    for (const auto& p : previous) {
      if (p.value("name", "") == location) state = p.value("provisioningState", "Succeeded");
    }
    regions.insert(regions.begin(),
                   json{{"name", location}, {"isPrimary", true}, {"provisioningState", state}});
  }
  for (const auto& p : previous) {
    if (!seen.count(p.value("name", "")) && !p.value("isPrimary", false)) {
      json removed = p;
      removed["provisioningState"] = "Deleting";
      regions.push_back(removed);
    }
  }
  *out = regions;
  return std::nullopt;
}

// initialAdminObjectIds: required, a non-empty array of non-empty object ids.
std::optional<ArmError> NormalizeInitialAdmins(const json& input, json* p) {
  if (!Present(input, "initialAdminObjectIds")) {
    return RequiredProperty("properties.initialAdminObjectIds");
  }
  const json& admins = input["initialAdminObjectIds"];
  if (!admins.is_array() || admins.empty() ||
      !std::all_of(admins.begin(), admins.end(),
                   [](const json& v) { return v.is_string() && !v.get<std::string>().empty(); })) {
    return InvalidProperty("properties.initialAdminObjectIds",
                           "It must be a non-empty array of object ids.");
  }
  (*p)["initialAdminObjectIds"] = admins;
  return std::nullopt;
}

// Both switches must be booleans; soft delete is always on for managed HSMs.
std::optional<ArmError> NormalizeHsmSoftDelete(const json& input, json* p) {
  for (const char* flag : {"enableSoftDelete", "enablePurgeProtection"}) {
    if (Present(input, flag) && !input[flag].is_boolean()) {
      return InvalidProperty(std::string("properties.") + flag);
    }
  }
  if (Present(input, "enableSoftDelete") && input["enableSoftDelete"] == false) {
    return ArmError{400, "BadRequest",
                    "The property \"enableSoftDelete\" cannot be set to false. Soft delete is "
                    "always enabled for managed HSMs and is immutable."};
  }
  (*p)["enableSoftDelete"] = true;
  return std::nullopt;
}

// Purge protection: spec default true (unlike vaults); a one-way switch. Always shown.
std::optional<ArmError> NormalizeHsmPurgeProtection(const json& input, const json* existing,
                                                    json* p) {
  bool was_protected = existing && existing->value("enablePurgeProtection", true);
  bool protect = Present(input, "enablePurgeProtection")
                     ? input["enablePurgeProtection"].get<bool>()
                     : (existing ? was_protected : true);
  if (was_protected && !protect) return PurgeProtectionIsIrreversible("a managed HSM");
  (*p)["enablePurgeProtection"] = protect;
  return std::nullopt;
}

}  // namespace

std::string ManagedHsmKey(const std::string& sub, const std::string& rg, const std::string& name) {
  return ToLower("/subscriptions/" + sub + "/resourcegroups/" + rg +
                 "/providers/microsoft.keyvault/managedhsms/" + name);
}

std::optional<ArmError> ValidateManagedHsmName(const std::string& name) {
  if (IsVaultFamilyName(name)) return std::nullopt;
  return ArmError{
      400, "InvalidManagedHsmName",
      "The managed HSM name '" + name + "' is invalid. It must " + kVaultFamilyNameRule};
}

Reply ManagedHsmErrorReply(const ArmError& error, const std::string& inner_code,
                           const std::string& inner_message) {
  json body = error.Body();
  if (!inner_code.empty()) {
    body["error"]["innererror"] = {
        {"code", inner_code}, {"message", inner_message.empty() ? error.message : inner_message}};
  }
  Reply reply = Reply::Json(error.status, body);
  reply.headers = error.headers;
  reply.error_code = error.code;
  return reply;
}

std::optional<ArmError> NormalizeManagedHsmProperties(const json& input, const json* existing,
                                                      const std::string& location, json* out) {
  if (!input.is_object()) return RequiredProperty("properties");
  json p = json::object();
  // The first failing check is the error, in the service's order.
  if (auto error = NormalizeTenantId(input, &p)) return error;
  if (auto error = NormalizeInitialAdmins(input, &p)) return error;
  if (auto error = NormalizeHsmSoftDelete(input, &p)) return error;
  if (auto error = NormalizeRetention(input, existing, "managed HSM", &p)) return error;
  if (auto error = NormalizeHsmPurgeProtection(input, existing, &p)) return error;
  if (auto error = NormalizePublicNetworkAccess(input, &p)) return error;
  json acls = json::object();
  if (auto error = NormalizeNetworkAcls(
          Present(input, "networkAcls") ? input["networkAcls"] : json::object(),
          NullAclValue::kDefault, &acls)) {
    return error;
  }
  p["networkAcls"] = acls;
  if (auto error = ValidateCreateMode(input)) return error;
  json regions;
  if (auto error = NormalizeRegions(input.contains("regions") ? input["regions"] : json(), existing,
                                    location, &regions)) {
    return error;
  }
  p["regions"] = regions;
  // Read-only, owned by the service (or by the PE connection family) - carried over.
  CarryOverReadOnly(existing, {"privateEndpointConnections", "securityDomainProperties", "hsmUri"},
                    &p);
  *out = std::move(p);
  return std::nullopt;
}

namespace {

class ManagedHsms {
 public:
  explicit ManagedHsms(const ServiceContext& context) : ctx_(context) {}

  static json Render(const StoredResource& r) {
    json body = r.body;
    body.erase("_internal");
    return body;
  }

  static json RenderDeleted(const StoredResource& r) {
    json body = r.body;
    body.erase("_internal");
    return body;
  }

  // ---- operation completers (run inside the store transaction at the due time) ----

  FinalResponse CompleteWrite(Store::Tx& tx, const Operation& op, double /*now*/) {
    auto hsm = tx.Get(op.target);
    if (!hsm) {
      return {404,
              {{"error",
                {{"code", "ResourceNotFound"},
                 {"message", "The managed HSM was deleted while the operation ran."}}}}};
    }
    json& p = hsm->body["properties"];
    p["provisioningState"] = "Succeeded";
    p["statusMessage"] = kFunctional;
    p["hsmUri"] = "https://" + ToLower(hsm->body.value("name", "")) + ".managedhsm.azure.net/";
    if (!p.contains("securityDomainProperties")) {
      p["securityDomainProperties"] = {{"activationStatus", "NotActivated"},
                                       {"activationStatusMessage", kNotActivatedMessage}};
    }
    json regions = json::array();
    for (auto region : p.value("regions", json::array())) {
      if (region.value("provisioningState", "") == "Deleting") continue;  // replica removed
      region["provisioningState"] = "Succeeded";
      regions.push_back(region);
    }
    p["regions"] = regions;
    hsm->body["_internal"].erase("operation");
    tx.Put(*hsm);
    return {200, Render(*hsm)};
  }

  void FailWrite(Store::Tx& tx, const Operation& op, double /*now*/) {
    auto hsm = tx.Get(op.target);
    if (!hsm) return;
    hsm->body["properties"]["provisioningState"] = "Failed";
    hsm->body["properties"]["statusMessage"] = kFailedMessage;
    for (auto& region : hsm->body["properties"]["regions"]) {
      if (region.value("provisioningState", "") != "Succeeded")
        region["provisioningState"] = "Failed";
    }
    hsm->body["_internal"].erase("operation");
    tx.Put(*hsm);
  }

  FinalResponse CompleteDelete(Store::Tx& tx, const Operation& op, double now) {
    if (auto hsm = tx.Get(op.target)) SoftDelete(kHsmSoftDelete, tx, *hsm, now);
    return {200, nullptr};
  }

  void FailDelete(Store::Tx& tx, const Operation& op, double now) { FailWrite(tx, op, now); }

  FinalResponse CompletePurge(Store::Tx& tx, const Operation& op, double /*now*/) {
    tx.Delete(op.target);
    return {200, nullptr};
  }

  // A failed purge leaves the deleted HSM in place (purge can be retried).
  void FailPurge(Store::Tx& tx, const Operation& op, double /*now*/) {
    if (auto deleted = tx.Get(op.target)) {
      deleted->body["_internal"].erase("purgeOperation");
      tx.Put(*deleted);
    }
  }

  // ---- handlers ----

  Reply Put(RequestContext& r) {
    const std::string sub = r.Var("subscriptionId"), rg = r.Var("resourceGroupName"),
                      name = r.Var("name");
    if (auto error = ValidateManagedHsmName(name)) return ManagedHsmErrorReply(*error);
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return ManagedHsmErrorReply(InvalidRequestContent(r.body));
    }
    if (auto error = CheckLocation(body)) return ManagedHsmErrorReply(*error);
    if (Present(body, "tags") && !body["tags"].is_object())
      return ManagedHsmErrorReply(InvalidProperty("tags"));
    const std::string location = NormalizeLocation(body["location"].get<std::string>());
    const json input = body.value("properties", json());
    if (!input.is_object()) return ManagedHsmErrorReply(RequiredProperty("properties"));
    const bool recover = Present(input, "createMode") && input["createMode"].is_string() &&
                         EqualsIgnoreCase(input["createMode"].get<std::string>(), "recover");
    const std::string key = ManagedHsmKey(sub, rg, name);

    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto existing = tx.Get(key);
      if (existing) {
        if (auto busy = Busy(*existing)) return *busy;
        if (existing->body.value("location", "") != location) {
          return ManagedHsmErrorReply(
              {409, "InvalidResourceLocation",
               "The resource '" + name + "' already exists in location '" +
                   existing->body.value("location", "") + "' in resource group '" + rg +
                   "'. A resource with the same name cannot be created in location '" + location +
                   "'. Please select a new resource name."});
        }
      }
      if (!existing && recover) return Recover(tx, r, body, location, key);
      if (!existing) {
        if (auto conflict = NameConflict(tx, sub, name)) return *conflict;
        if (auto quota = QuotaExceeded(tx, sub, location)) return *quota;
      }
      json sku;
      if (auto error = NormalizeSku(body, &sku)) return ManagedHsmErrorReply(*error);
      json props;
      const json* existing_props = existing ? &existing->body["properties"] : nullptr;
      if (auto error = NormalizeManagedHsmProperties(input, existing_props, location, &props)) {
        return ManagedHsmErrorReply(*error);
      }
      if (existing &&
          !EqualsIgnoreCase(existing->body["sku"].value("name", ""), sku.value("name", ""))) {
        return ManagedHsmErrorReply(
            {400, "BadRequest", "The sku of a managed HSM cannot be changed after creation."});
      }
      StoredResource hsm = existing ? *existing : NewHsm(sub, rg, name, r);
      hsm.body["location"] = location;
      hsm.body["sku"] = sku;
      hsm.body["tags"] = Present(body, "tags") ? body["tags"] : json::object();
      hsm.body["properties"] = props;
      if (auto error = ApplyIdentity(body, existing ? &existing->body : nullptr, &hsm.body)) {
        return ManagedHsmErrorReply(*error);
      }
      return StartWrite(tx, r, hsm, !existing);
    });
  }

  Reply Patch(RequestContext& r) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return ManagedHsmErrorReply(InvalidRequestContent(r.body));
    }
    if (Present(body, "properties") && !body["properties"].is_object()) {
      return ManagedHsmErrorReply(InvalidProperty("properties"));
    }
    if (Present(body, "tags") && !body["tags"].is_object())
      return ManagedHsmErrorReply(InvalidProperty("tags"));
    const std::string key =
        ManagedHsmKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("name"));
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto hsm = tx.Get(key);
      if (!hsm) return NotFound(r);
      if (auto busy = Busy(*hsm)) return *busy;
      if (Present(body, "location") && body["location"].is_string() &&
          NormalizeLocation(body["location"].get<std::string>()) !=
              hsm->body.value("location", "")) {
        return ManagedHsmErrorReply(
            {400, "BadRequest", "The location of a managed HSM cannot be changed."});
      }
      const json& stored = hsm->body["properties"];
      json merged = stored;
      if (Present(body, "properties")) merged.merge_patch(body["properties"]);
      if (!Present(body, "properties") || !body["properties"].contains("regions")) {
        merged["regions"] = nullptr;  // not sent: keep the stored set
      }
      json props;
      if (auto error = NormalizeManagedHsmProperties(merged, &stored,
                                                     hsm->body.value("location", ""), &props)) {
        return ManagedHsmErrorReply(*error);
      }
      if (Present(body, "sku")) {
        json sku;
        if (auto error = NormalizeSku(body, &sku)) return ManagedHsmErrorReply(*error);
        if (!EqualsIgnoreCase(hsm->body["sku"].value("name", ""), sku.value("name", ""))) {
          return ManagedHsmErrorReply(
              {400, "BadRequest", "The sku of a managed HSM cannot be changed after creation."});
        }
      }
      if (body.contains("tags")) {
        hsm->body["tags"] = body["tags"].is_object() ? body["tags"] : json::object();
      }
      hsm->body["properties"] = props;
      if (Present(body, "identity")) {
        json previous = hsm->body;
        if (auto error = ApplyIdentity(body, &previous, &hsm->body)) {
          return ManagedHsmErrorReply(*error);
        }
      }
      return StartWrite(tx, r, *hsm, false);
    });
  }

  Reply Get(RequestContext& r) {
    const std::string key =
        ManagedHsmKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("name"));
    auto hsm = ctx_.store->Transact([&](Store::Tx& tx) { return tx.Get(key); });
    if (!hsm) return NotFound(r);
    return Reply::Json(200, Render(*hsm));
  }

  Reply Delete(RequestContext& r) {
    const std::string sub = r.Var("subscriptionId");
    const std::string key = ManagedHsmKey(sub, r.Var("resourceGroupName"), r.Var("name"));
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto hsm = tx.Get(key);
      if (!hsm) return Reply::Empty(204);
      if (auto busy = Busy(*hsm)) return *busy;
      for (const auto& region : hsm->body["properties"].value("regions", json::array())) {
        if (!region.value("isPrimary", false)) {
          // multi-region-replication.md: all secondaries must be removed before the primary can
          // be soft-deleted (ARM-NOTES §5.5). 409: the request is fine, the state is not.
          return ManagedHsmErrorReply(
              {409, "Conflict",
               "The managed HSM '" + hsm->body.value("name", "") +
                   "' still has secondary regions. Remove every extended region before deleting "
                   "the primary."},
              "SecondaryRegionsExist",
              "Secondary region '" + region.value("name", "") + "' must be removed first.");
        }
      }
      std::string location = hsm->body.value("location", "");
      hsm->body["properties"]["provisioningState"] = "Deleting";
      hsm->body["properties"]["statusMessage"] = kDeleting;
      Operation op = ctx_.operations->Begin(tx, kMhsmDeleteKind, sub, key, json::object(), r.now);
      hsm->body["_internal"]["operation"] = op.id;
      tx.Put(*hsm);
      return ctx_.operations->Accepted(
          Operations::ManagedHsmLocationUrl(r.base_url, sub, location, op.id));
    });
  }

  Reply ListByResourceGroup(RequestContext& r) {
    return List(r, kManagedHsmType,
                ResourceGroupKey(r.Var("subscriptionId"), r.Var("resourceGroupName")), "", true);
  }

  Reply ListBySubscription(RequestContext& r) {
    return List(r, kManagedHsmType, "", ToLower(r.Var("subscriptionId")), true);
  }

  Reply ListDeleted(RequestContext& r) {
    return List(r, kDeletedManagedHsmType, "", ToLower(r.Var("subscriptionId")), false);
  }

  Reply GetDeleted(RequestContext& r) {
    auto deleted = ctx_.store->Transact([&](Store::Tx& tx) {
      return emulator::GetDeleted(kHsmSoftDelete, tx, r.Var("subscriptionId"), r.Var("location"),
                                  r.Var("name"));
    });
    if (!deleted) return DeletedNotFound(r);
    return Reply::Json(200, RenderDeleted(*deleted));
  }

  Reply Purge(RequestContext& r) {
    const std::string sub = r.Var("subscriptionId"), location = r.Var("location");
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto deleted = emulator::GetDeleted(kHsmSoftDelete, tx, sub, location, r.Var("name"));
      if (!deleted) return DeletedNotFound(r);
      if (auto refusal = PurgeRefusal(kHsmSoftDelete, *deleted)) {
        return ManagedHsmErrorReply(*refusal);
      }
      if (deleted->body["_internal"].contains("purgeOperation")) {
        return ManagedHsmErrorReply({409, "AnotherOperationInProgress",
                                     "A purge of this managed HSM is already in progress."});
      }
      Operation op =
          ctx_.operations->Begin(tx, kMhsmPurgeKind, sub, deleted->key, json::object(), r.now);
      deleted->body["_internal"]["purgeOperation"] = op.id;
      tx.Put(*deleted);
      return ctx_.operations->Accepted(
          Operations::ManagedHsmLocationUrl(r.base_url, sub, location, op.id));
    });
  }

  Reply CheckNameAvailability(RequestContext& r) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return ManagedHsmErrorReply(InvalidRequestContent(r.body));
    }
    if (!Present(body, "name") || !body["name"].is_string()) {
      return ManagedHsmErrorReply(RequiredProperty("name"));
    }
    const std::string name = body["name"];
    return NameAvailability(kHsmSoftDelete, *ctx_.store, name, ValidateManagedHsmName(name));
  }

  Reply ListRegions(RequestContext& r) {
    const std::string key =
        ManagedHsmKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("name"));
    auto hsm = ctx_.store->Transact([&](Store::Tx& tx) { return tx.Get(key); });
    if (!hsm) return NotFound(r);
    // A handful of regions at most: one page, no nextLink.
    return Reply::Json(200, {{"value", hsm->body["properties"].value("regions", json::array())}});
  }

 private:
  StoredResource NewHsm(const std::string& sub, const std::string& rg, const std::string& name,
                        const RequestContext& r) const {
    return NewTopLevel(kHsmSoftDelete, ManagedHsmKey(sub, rg, name), ResourceGroupKey(sub, rg), sub,
                       rg, name, r);
  }

  static std::optional<ArmError> NormalizeSku(const json& body, json* out) {
    if (!Present(body, "sku")) return RequiredProperty("sku");
    const json& sku = body["sku"];
    if (!sku.is_object()) return InvalidProperty("sku");
    if (!Present(sku, "name")) return RequiredProperty("sku.name");
    auto name = CanonicalEnum(
        sku["name"], {"Standard_B1", "Custom_B32", "Custom_B6", "Custom_C42", "Custom_C10"});
    if (!name) {
      return InvalidProperty("sku.name",
                             "Use Standard_B1, Custom_B32, Custom_B6, Custom_C42 or Custom_C10.");
    }
    // The family is the letter after "_" in the name (B or C); the spec's client default is B.
    std::string family(1, (*name)[name->find('_') + 1]);
    if (Present(sku, "family")) {
      auto given = CanonicalEnum(sku["family"], {"B", "C"});
      if (!given) return InvalidProperty("sku.family", "Use 'B' or 'C'.");
      if (*given != family) {
        return InvalidProperty("sku.family",
                               "SKU '" + *name + "' belongs to family '" + family + "'.");
      }
    }
    *out = {{"family", family}, {"name", *name}};
    return std::nullopt;
  }

  // identity (ManagedServiceIdentity) is echoed; system-assigned ids are filled in once.
  static std::optional<ArmError> ApplyIdentity(const json& body, const json* existing, json* out) {
    if (!Present(body, "identity")) {
      if (existing && existing->contains("identity")) (*out)["identity"] = (*existing)["identity"];
      return std::nullopt;
    }
    json identity = body["identity"];
    if (!identity.is_object()) return InvalidProperty("identity");
    auto type =
        CanonicalEnum(identity.value("type", json("None")),
                      {"None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"});
    if (!type) {
      return InvalidProperty(
          "identity.type",
          "Use None, SystemAssigned, UserAssigned or 'SystemAssigned,UserAssigned'.");
    }
    identity["type"] = *type;
    if (type->find("SystemAssigned") != std::string::npos) {
      const json* old =
          existing && existing->contains("identity") ? &(*existing)["identity"] : nullptr;
      identity["principalId"] =
          old && old->contains("principalId") ? (*old)["principalId"] : json(NewGuid());
      identity["tenantId"] = old && old->contains("tenantId")
                                 ? (*old)["tenantId"]
                                 : (*out)["properties"].value("tenantId", json(NewGuid()));
    }
    if (identity.contains("userAssignedIdentities") &&
        identity["userAssignedIdentities"].is_object()) {
      for (auto& [id, value] : identity["userAssignedIdentities"].items()) {
        (void)id;
        if (!value.is_object()) value = json::object();
        if (!value.contains("principalId")) value["principalId"] = NewGuid();
        if (!value.contains("clientId")) value["clientId"] = NewGuid();
      }
    }
    (*out)["identity"] = identity;
    return std::nullopt;
  }

  // Puts the HSM in Provisioning (new) or Updating (existing), stores it and starts the LRO.
  Reply StartWrite(Store::Tx& tx, const RequestContext& r, StoredResource& hsm, bool creating) {
    json& p = hsm.body["properties"];
    p["provisioningState"] = creating ? "Provisioning" : "Updating";
    p["statusMessage"] = creating ? kAllocating : kUpdating;
    if (creating) p["hsmUri"] = nullptr;
    hsm.body["systemData"]["lastModifiedBy"] = r.caller ? r.caller->app_id : "unknown";
    hsm.body["systemData"]["lastModifiedByType"] = "Application";
    hsm.body["systemData"]["lastModifiedAt"] = FormatIso8601(r.now, 7);
    const std::string sub = r.Var("subscriptionId");
    const std::string location = hsm.body.value("location", "");
    Operation op = ctx_.operations->Begin(tx, kMhsmWriteKind, sub, hsm.key, json::object(), r.now);
    hsm.body["_internal"]["operation"] = op.id;
    tx.Put(hsm);
    return ctx_.operations->Accepted(
        Operations::ManagedHsmLocationUrl(r.base_url, sub, location, op.id),
        Reply::Json(202, Render(hsm)));
  }

  static std::optional<Reply> Busy(const StoredResource& hsm) {
    if (!hsm.body["_internal"].contains("operation")) return std::nullopt;
    return ManagedHsmErrorReply(
        {409, "AnotherOperationInProgress",
         "The managed HSM '" + hsm.body.value("name", "") + "' is " +
             ToLower(hsm.body["properties"].value("provisioningState", "busy")) +
             "; wait for the running operation to finish before changing it."});
  }

  std::optional<Reply> NameConflict(Store::Tx& tx, const std::string& sub,
                                    const std::string& name) const {
    switch (HolderOfName(kHsmSoftDelete, tx, sub, name)) {
      case NameHolder::kDeletedHere:
        return ManagedHsmErrorReply(
            {409, "ConflictError",
             "A managed HSM with the same name already exists in deleted state. You need to "
             "either recover or purge the existing managed HSM."},
            "ManagedHsmSoftDeleted");
      case NameHolder::kOther:
        return ManagedHsmErrorReply(
            {409, "ManagedHsmAlreadyExists",
             "The managed HSM name '" + name +
                 "' is already in use. Managed HSM names are globally unique; the name may also "
                 "be held by a deleted managed HSM that has not been purged."});
      case NameHolder::kNone:
        break;
    }
    return std::nullopt;
  }

  std::optional<Reply> QuotaExceeded(Store::Tx& tx, const std::string& sub,
                                     const std::string& location) const {
    int count = 0;
    for (const auto& hsm : tx.List({kManagedHsmType, "", ToLower(sub), "", -1})) {
      if (hsm.body.value("location", "") == location) ++count;
    }
    if (count < kManagedHsmQuotaPerRegion) return std::nullopt;
    return ManagedHsmErrorReply(
        {409, "QuotaExceeded",
         "Operation results in exceeding quota limits of managed HSM. Maximum allowed: " +
             std::to_string(kManagedHsmQuotaPerRegion) +
             " managed HSMs per subscription in region '" + location +
             "', current: " + std::to_string(count) + "."},
        "ManagedHsmQuotaExceeded");
  }

  Reply Recover(Store::Tx& tx, const RequestContext& r, const json& body,
                const std::string& location, const std::string& key) {
    const std::string sub = r.Var("subscriptionId"), rg = r.Var("resourceGroupName"),
                      name = r.Var("name");
    auto found = DeletedToRecover(
        kHsmSoftDelete, tx, sub, name, location,
        {400, "SoftDeletedManagedHsmDoesNotExist",
         "A soft deleted managed HSM with the given name '" + name + "' does not exist."});
    if (auto* error = std::get_if<ArmError>(&found)) return ManagedHsmErrorReply(*error);
    const StoredResource& deleted = std::get<StoredResource>(found);
    if (auto quota = QuotaExceeded(tx, sub, location)) return *quota;
    StoredResource hsm = NewHsm(sub, rg, name, r);
    RestoreKept(deleted, body, kHsmSoftDelete, hsm);
    hsm.key = key;
    tx.Delete(deleted.key);
    return StartWrite(tx, r, hsm, true);
  }

  Reply List(RequestContext& r, const std::string& type, const std::string& parent,
             const std::string& sub, bool top_allowed) {
    // ManagedHsmErrorReply without an inner error is Reply::Error: ListReply's 400 is the same.
    return ListReply(*ctx_.store, r, kDefaultPageSize, top_allowed, {type, parent, sub}, Render);
  }

  static Reply NotFound(const RequestContext& r) {
    return ManagedHsmErrorReply(
        ResourceNotFound(kManagedHsmType, r.Var("name"), r.Var("resourceGroupName")));
  }

  static Reply DeletedNotFound(const RequestContext& r) {
    return ManagedHsmErrorReply(
        emulator::DeletedNotFound(kHsmSoftDelete, r.Var("location"), r.Var("name")));
  }

  ServiceContext ctx_;
};

}  // namespace

void RegisterManagedHsmRoutes(Router& router, const ServiceContext& context) {
  auto hsms = std::make_shared<ManagedHsms>(context);
  context.operations->RegisterKind(kMhsmWriteKind, CompleterOf(hsms, &ManagedHsms::CompleteWrite),
                                   FailerOf(hsms, &ManagedHsms::FailWrite));
  context.operations->RegisterKind(kMhsmDeleteKind, CompleterOf(hsms, &ManagedHsms::CompleteDelete),
                                   FailerOf(hsms, &ManagedHsms::FailDelete));
  context.operations->RegisterKind(kMhsmPurgeKind, CompleterOf(hsms, &ManagedHsms::CompletePurge),
                                   FailerOf(hsms, &ManagedHsms::FailPurge));
  // Deleting a resource group soft-deletes its HSMs (managed-hsm docs, ARM-NOTES §5.5).
  SoftDeleteWithResourceGroup(context, kHsmSoftDelete);
  AddSoftDeleteRoutes(router, kHsmSoftDelete, "ManagedHsms", "name", hsms);
  auto bind = MethodsOf(hsms);
  const std::string sub = "/subscriptions/{subscriptionId}";
  const auto kv = ApiFamily::kKeyVault;
  router.Add({"POST", sub + "/providers/Microsoft.KeyVault/checkMhsmNameAvailability",
              "ManagedHsms_CheckMhsmNameAvailability", kv, true,
              bind(&ManagedHsms::CheckNameAvailability)});
  router.Add({"GET",
              sub + "/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/"
                    "managedHSMs/{name}/regions",
              "MHSMRegions_ListByResource", kv, true, bind(&ManagedHsms::ListRegions)});
}

}  // namespace keyward::emulator
