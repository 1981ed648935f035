#include "emulator/vaults.h"

#include <cctype>
#include <cmath>

#include "emulator/access_policies.h"
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

constexpr char kPurgeKind[] = "VaultPurge";
constexpr int kDefaultPageSize = 200;

const SoftDeleteKind kVaultSoftDelete = {
    .type = kVaultType,
    .deleted_type = kDeletedVaultType,
    .collection = "vaults",
    .deleted_collection = "deletedVaults",
    .original_id_field = "vaultId",
    .kept_body_field = "vault",
    .purge_protection_default = false,
    .lists_purge_protection_off = false,
    .keeps_children = true,
    .noun = "vault",
    .auto_purger = "Key Vault",
};

constexpr char kSoftDeletedConflictMessage[] =
    "A vault with the same name already exists in deleted state. You need to either recover or "
    "purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 "
    "for more information on soft delete.";

ArmError VaultAlreadyExists(const std::string& name) {
  return {409, "VaultAlreadyExists",
          "The vault name '" + name +
              "' is already in use. Vault names are globaly unique so it is possible that the "
              "name is already taken. If you are sure that the vault name was not taken then it "
              "is possible that a vault with the same name was recently deleted but not purged "
              "after being placed in a recoverable state. If the vault is in a recoverable state "
              "then the vault will need to be purged before reusing the name. For more "
              "information on soft delete and purging a vault follow this link "
              "https://go.microsoft.com/fwlink/?linkid=2147740."};
}

std::string VaultKey(const std::string& sub, const std::string& rg, const std::string& name) {
  return ToLower("/subscriptions/" + sub + "/resourcegroups/" + rg +
                 "/providers/microsoft.keyvault/vaults/" + name);
}

// accessPolicies: optional (default []), at most 1024 entries, each entry checked.
std::optional<ArmError> NormalizeAccessPolicies(const json& input, json* p) {
  if (!Present(input, "accessPolicies")) {
    (*p)["accessPolicies"] = json::array();
    return std::nullopt;
  }
  const json& policies = input["accessPolicies"];
  if (policies.is_array() && policies.size() > 1024) {
    return InvalidProperty("properties.accessPolicies",
                           "A vault supports at most 1024 access policy entries.");
  }
  if (auto error = ValidateAccessPolicyEntries(policies, "properties.accessPolicies")) return error;
  (*p)["accessPolicies"] = policies;
  return std::nullopt;
}

// sku: required; family A, name standard or premium (any case).
std::optional<ArmError> NormalizeSku(const json& input, json* p) {
  if (!Present(input, "sku")) return RequiredProperty("properties.sku");
  const json& sku = input["sku"];
  if (!sku.is_object()) return InvalidProperty("properties.sku");
  auto family = CanonicalEnum(sku.value("family", json("A")), {"A"});
  auto sku_name = CanonicalEnum(sku.value("name", json()), {"standard", "premium"});
  if (!sku.contains("family")) return RequiredProperty("properties.sku.family");
  if (!family) return InvalidProperty("properties.sku.family", "The only supported family is 'A'.");
  if (!sku_name) return InvalidProperty("properties.sku.name", "Use 'standard' or 'premium'.");
  (*p)["sku"] = {{"family", *family}, {"name", *sku_name}};
  return std::nullopt;
}

// The boolean switches; soft delete is forced on because the service removed the opt-out
// (Feb 2025): once on it stays on.
std::optional<ArmError> NormalizeSwitches(const json& input, json* p) {
  for (const char* flag :
       {"enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment",
        "enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"}) {
    if (Present(input, flag)) {
      if (!input[flag].is_boolean()) return InvalidProperty(std::string("properties.") + flag);
      (*p)[flag] = input[flag];
    }
  }
  if (!p->contains("enableRbacAuthorization")) (*p)["enableRbacAuthorization"] = false;
  if (p->value("enableSoftDelete", true) == false) {
    return ArmError{400, "BadRequest",
                    "The property \"enableSoftDelete\" cannot be set to false. Soft delete is "
                    "always enabled for key vaults and cannot be turned off once enabled."};
  }
  (*p)["enableSoftDelete"] = true;
  return std::nullopt;
}

// Purge protection is a one-way switch; omitting it on an update keeps it on. Like the recorded
// service, the flag is only shown when on.
std::optional<ArmError> NormalizePurgeProtection(const json* existing, json* p) {
  bool was_protected = existing && existing->value("enablePurgeProtection", false);
  if (was_protected && p->contains("enablePurgeProtection") &&
      (*p)["enablePurgeProtection"] == false) {
    return PurgeProtectionIsIrreversible("a vault");
  }
  if (was_protected) (*p)["enablePurgeProtection"] = true;
  if (p->value("enablePurgeProtection", false) == false) p->erase("enablePurgeProtection");
  return std::nullopt;
}

// networkAcls: optional; stored only when given.
std::optional<ArmError> NormalizeVaultNetworkAcls(const json& input, json* p) {
  if (!Present(input, "networkAcls")) return std::nullopt;
  json acls;
  if (auto error = NormalizeNetworkAcls(input["networkAcls"], NullAclValue::kInvalid, &acls)) {
    return error;
  }
  (*p)["networkAcls"] = acls;
  return std::nullopt;
}

}  // namespace

std::optional<ArmError> ValidateVaultName(const std::string& name) {
  if (IsVaultFamilyName(name)) return std::nullopt;
  return ArmError{
      400, "VaultNameNotValid",
      "The vault name '" + name + "' is invalid. Vault name must " + kVaultFamilyNameRule};
}

std::optional<ArmError> NormalizeVaultProperties(const json& input, const json* existing,
                                                 json* out) {
  if (!input.is_object()) return RequiredProperty("properties");
  json p = json::object();
  // tenantId + sku are required on every PUT (and survive any PATCH via the merge). The first
  // failing check is the error, in the service's order.
  if (auto error = NormalizeTenantId(input, &p)) return error;
  if (auto error = NormalizeSku(input, &p)) return error;
  if (auto error = NormalizeAccessPolicies(input, &p)) return error;
  if (auto error = NormalizeSwitches(input, &p)) return error;
  if (auto error = NormalizeRetention(input, existing, "vault", &p)) return error;
  if (auto error = NormalizePurgeProtection(existing, &p)) return error;
  if (auto error = NormalizePublicNetworkAccess(input, &p)) return error;
  if (auto error = NormalizeVaultNetworkAcls(input, &p)) return error;
  if (auto error = ValidateCreateMode(input)) return error;
  // Read-only properties the service owns are carried over from the stored vault.
  CarryOverReadOnly(existing, {"privateEndpointConnections"}, &p);
  *out = std::move(p);
  return std::nullopt;
}

namespace {

class Vaults {
 public:
  explicit Vaults(const ServiceContext& context) : ctx_(context) {}

  json Render(const StoredResource& r, double now) const {
    json body = r.body;
    double ready_at = body["_internal"].value("readyAt", 0.0);
    // Fault injection (lroFail): body pollers see the create end in provisioningState Failed.
    bool failed = body["_internal"].value("provisioningFailed", false);
    body.erase("_internal");
    body["properties"]["provisioningState"] =
        now >= ready_at ? (failed ? "Failed" : "Succeeded") : "RegisteringDns";
    body["properties"]["vaultUri"] =
        "https://" + ToLower(body.value("name", "")) + ".vault.azure.net/";
    return body;
  }

  // Like ARM, a PUT or PATCH of a vault whose provisioning failed provisions it again (and the
  // new attempt may fail too under lroFail). Without this a failed vault could never recover.
  void ProvisionAgainIfFailed(StoredResource& vault, double now) const {
    json& internal = vault.body["_internal"];
    if (!internal.value("provisioningFailed", false) || now < internal.value("readyAt", 0.0)) {
      return;
    }
    internal["readyAt"] = now + ctx_.options->lro_seconds;
    internal["provisioningFailed"] =
        ctx_.operations->InjectedFailure("VaultDnsRegistration").has_value();
  }

  static json RenderDeleted(const StoredResource& r) {
    json body = r.body;
    body.erase("_internal");
    return body;
  }

  Reply Put(RequestContext& r) {
    const std::string sub = r.Var("subscriptionId"), rg = r.Var("resourceGroupName"),
                      name = r.Var("vaultName");
    if (auto error = ValidateVaultName(name)) return Reply::Error(*error);
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (auto error = CheckLocation(body)) return Reply::Error(*error);
    if (body.contains("tags") && !body["tags"].is_null() && !body["tags"].is_object()) {
      return Reply::Error(InvalidProperty("tags"));
    }
    const std::string location = NormalizeLocation(body["location"].get<std::string>());
    const json input = body.value("properties", json());
    if (!input.is_object()) return Reply::Error(RequiredProperty("properties"));
    const bool recover =
        input.contains("createMode") &&
        EqualsIgnoreCase(
            input["createMode"].is_string() ? input["createMode"].get<std::string>() : "",
            "recover");
    const std::string key = VaultKey(sub, rg, name);

    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto existing = tx.Get(key);
      if (!existing && recover) return Recover(tx, r, body, location, key);
      if (!existing) {
        if (auto conflict = NameConflict(tx, sub, name)) return Reply::Error(*conflict);
      }
      if (existing && existing->body.value("location", "") != location) {
        return Reply::Error({409, "InvalidResourceLocation",
                             "The resource '" + name + "' already exists in location '" +
                                 existing->body.value("location", "") + "' in resource group '" +
                                 rg +
                                 "'. A resource with the same name cannot be created in "
                                 "location '" +
                                 location +
                                 "'. Please select a new resource "
                                 "name."});
      }
      json props;
      const json* existing_props = existing ? &existing->body["properties"] : nullptr;
      if (auto error = NormalizeVaultProperties(input, existing_props, &props)) {
        return Reply::Error(*error);
      }
      StoredResource vault;
      if (existing) {
        vault = *existing;
        ProvisionAgainIfFailed(vault, r.now);
      } else {
        vault = NewVault(sub, rg, name, r);
        vault.body["location"] = location;
        vault.body["_internal"]["readyAt"] = r.now + ctx_.options->lro_seconds;
        if (ctx_.operations->InjectedFailure("VaultDnsRegistration")) {
          vault.body["_internal"]["provisioningFailed"] = true;
        }
      }
      vault.body["properties"] = props;
      vault.body["tags"] =
          body.contains("tags") && body["tags"].is_object() ? body["tags"] : json::object();
      Touch(vault, r);
      tx.Put(vault);
      // The recorded service answers 200 for creates as well as updates (ARM-NOTES §1.8).
      return Reply::Json(200, Render(vault, r.now));
    });
  }

  Reply Patch(RequestContext& r) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (body.contains("properties") && !body["properties"].is_null() &&
        !body["properties"].is_object()) {
      return Reply::Error(InvalidProperty("properties"));
    }
    if (body.contains("tags") && !body["tags"].is_null() && !body["tags"].is_object()) {
      return Reply::Error(InvalidProperty("tags"));
    }
    const std::string key =
        VaultKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("vaultName"));
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto vault = tx.Get(key);
      if (!vault) return Reply::Error(NotFound(r));
      const json& stored = vault->body["properties"];
      // JSON merge patch (RFC 7396) inside properties: arrays such as accessPolicies are replaced.
      json merged = stored;
      if (body.contains("properties") && body["properties"].is_object()) {
        // merge_patch keeps an explicit false (only null removes), so one-way switches still see
        // it.
        merged.merge_patch(body["properties"]);
      }
      json props;
      if (auto error = NormalizeVaultProperties(merged, &stored, &props)) {
        return Reply::Error(*error);
      }
      vault->body["properties"] = props;
      if (body.contains("tags")) {
        vault->body["tags"] = body["tags"].is_object() ? body["tags"] : json::object();
      }
      ProvisionAgainIfFailed(*vault, r.now);
      Touch(*vault, r);
      tx.Put(*vault);
      return Reply::Json(200, Render(*vault, r.now));
    });
  }

  Reply Get(RequestContext& r) {
    const std::string key =
        VaultKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("vaultName"));
    auto vault = ctx_.store->Transact([&](Store::Tx& tx) { return tx.Get(key); });
    if (!vault) return Reply::Error(NotFound(r));
    return Reply::Json(200, Render(*vault, r.now));
  }

  Reply Delete(RequestContext& r) {
    const std::string key =
        VaultKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("vaultName"));
    return ctx_.store->Transact([&](Store::Tx& tx) {
      auto vault = tx.Get(key);
      if (!vault) return Reply::Empty(204);
      SoftDelete(kVaultSoftDelete, tx, *vault, r.now);
      return Reply::Empty(200);  // synchronous, empty body (ARM-NOTES §1.8)
    });
  }

  Reply ListByResourceGroup(RequestContext& r) {
    std::string parent = ResourceGroupKey(r.Var("subscriptionId"), r.Var("resourceGroupName"));
    return ListVaults(r, parent, "");
  }

  Reply ListBySubscription(RequestContext& r) {
    return ListVaults(r, "", ToLower(r.Var("subscriptionId")));
  }

  // Vaults_List goes through the generic resources API (api-version 2015-11-01, ARM-NOTES §0).
  Reply ListGenericResources(RequestContext& r) {
    auto page = ParsePageRequest(r, kDefaultPageSize, true);
    if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
    std::string filter = ToLower(r.Query("$filter"));
    if (!filter.empty() && filter.find("microsoft.keyvault/vaults") == std::string::npos) {
      return Reply::Json(200, {{"value", json::array()}});
    }
    std::string sub = ToLower(r.Var("subscriptionId"));
    return ctx_.store->Transact([&](Store::Tx& tx) {
      return Reply::Json(200, BuildPage(tx, r, std::get<PageRequest>(page), {kVaultType, "", sub},
                                        [](const StoredResource& v) {
                                          return json{
                                              {"id", v.body["id"]},
                                              {"name", v.body["name"]},
                                              {"type", kVaultType},
                                              {"location", v.body["location"]},
                                              {"tags", v.body.value("tags", json::object())}};
                                        }));
    });
  }

  Reply ListDeleted(RequestContext& r) {
    return ListReply(*ctx_.store, r, kDefaultPageSize, true,
                     {kDeletedVaultType, "", ToLower(r.Var("subscriptionId"))}, RenderDeleted);
  }

  Reply GetDeleted(RequestContext& r) {
    auto deleted = ctx_.store->Transact([&](Store::Tx& tx) {
      return emulator::GetDeleted(kVaultSoftDelete, tx, r.Var("subscriptionId"), r.Var("location"),
                                  r.Var("vaultName"));
    });
    if (!deleted) return Reply::Error(DeletedNotFound(r));
    return Reply::Json(200, RenderDeleted(*deleted));
  }

  Reply Purge(RequestContext& r) {
    const std::string sub = r.Var("subscriptionId"), location = r.Var("location");
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto deleted = emulator::GetDeleted(kVaultSoftDelete, tx, sub, location, r.Var("vaultName"));
      if (!deleted) return Reply::Error(DeletedNotFound(r));
      if (auto refusal = PurgeRefusal(kVaultSoftDelete, *deleted)) return Reply::Error(*refusal);
      Operation op =
          ctx_.operations->Begin(tx, kPurgeKind, sub, deleted->key, json::object(), r.now);
      return ctx_.operations->Accepted(
          Operations::KeyVaultLocationUrl(r.base_url, sub, location, op.id));
    });
  }

  FinalResponse CompletePurge(Store::Tx& tx, const Operation& op, double now) {
    tx.Delete(op.target);
    return {200,
            {{"createdDateTime", FormatSpaceSeparated(op.created)},
             {"lastActionDateTime", FormatSpaceSeparated(now)},
             {"status", "Succeeded"}}};
  }

  Reply CheckNameAvailability(RequestContext& r) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (!body.contains("name") || !body["name"].is_string())
      return Reply::Error(RequiredProperty("name"));
    if (!body.contains("type") || !body["type"].is_string())
      return Reply::Error(RequiredProperty("type"));
    if (!EqualsIgnoreCase(body["type"].get<std::string>(), kVaultType)) {
      return Reply::Error(
          InvalidProperty("type", "The only supported type is 'Microsoft.KeyVault/vaults'."));
    }
    const std::string name = body["name"];
    return NameAvailability(kVaultSoftDelete, *ctx_.store, name, ValidateVaultName(name));
  }

 private:
  StoredResource NewVault(const std::string& sub, const std::string& rg, const std::string& name,
                          const RequestContext& r) const {
    return NewTopLevel(kVaultSoftDelete, VaultKey(sub, rg, name), ResourceGroupKey(sub, rg), sub,
                       rg, name, r);
  }

  static void Touch(StoredResource& vault, const RequestContext& r) {
    vault.body["systemData"]["lastModifiedBy"] = r.caller ? r.caller->app_id : "unknown";
    vault.body["systemData"]["lastModifiedByType"] = "Application";
    vault.body["systemData"]["lastModifiedAt"] = FormatIso8601(r.now, 7);
  }

  // Global name uniqueness for a create (no live vault at this id).
  std::optional<ArmError> NameConflict(Store::Tx& tx, const std::string& sub,
                                       const std::string& name) const {
    switch (HolderOfName(kVaultSoftDelete, tx, sub, name)) {
      case NameHolder::kDeletedHere:
        return ArmError{409, "ConflictError", kSoftDeletedConflictMessage};
      case NameHolder::kOther:
        return VaultAlreadyExists(name);
      case NameHolder::kNone:
        break;
    }
    return std::nullopt;
  }

  Reply Recover(Store::Tx& tx, const RequestContext& r, const json& body,
                const std::string& location, const std::string& key) {
    const std::string sub = r.Var("subscriptionId"), rg = r.Var("resourceGroupName"),
                      name = r.Var("vaultName");
    // Status not captured from the real service (ARM-NOTES §2.3); 400 like other bad PUTs.
    const ArmError not_found = {
        400, "SoftDeletedVaultDoesNotExist",
        "A soft deleted vault with the given name '" + name +
            "' does not exist. Ensure that the name for the vault that is being attempted to "
            "recover is in a recoverable state. For more information on soft delete please "
            "follow this link https://go.microsoft.com/fwlink/?linkid=2149745"};
    auto found = DeletedToRecover(kVaultSoftDelete, tx, sub, name, location, not_found);
    if (auto* error = std::get_if<ArmError>(&found)) return Reply::Error(*error);
    const StoredResource& deleted = std::get<StoredResource>(found);
    // Restore the old configuration under the id the caller used; DNS registration starts again.
    StoredResource vault = NewVault(sub, rg, name, r);
    RestoreKept(deleted, body, kVaultSoftDelete, vault);
    const std::string old_id = deleted.body["_internal"]["vault"].value("id", "");
    vault.body["_internal"]["readyAt"] = r.now + ctx_.options->lro_seconds;
    vault.key = key;
    tx.Delete(deleted.key);
    tx.Put(vault);
    RestoreChildren(tx, deleted.body["_internal"], old_id, vault);
    return Reply::Json(200, Render(vault, r.now));
  }

  // Puts back the children a soft delete kept, re-homed under the recovered vault's id (recover
  // may name another resource group of the subscription).
  static void RestoreChildren(Store::Tx& tx, const json& internal, const std::string& old_id,
                              const StoredResource& vault) {
    const std::string old_key = ToLower(old_id);
    const std::string new_id = vault.body.value("id", "");
    for (const json& c : internal.value("children", json::array())) {
      StoredResource child;
      const std::string key = c.value("key", "");
      if (key.rfind(old_key, 0) != 0) continue;  // not under the old vault: nothing to re-home
      child.key = vault.key + key.substr(old_key.size());
      child.type = c.value("type", "");
      child.parent = c.value("parent", "");
      if (child.parent.rfind(old_key, 0) == 0)
        child.parent = vault.key + child.parent.substr(old_key.size());
      child.subscription = c.value("subscription", "");
      child.name = c.value("name", "");
      child.body = c.value("body", json::object());
      const std::string id = child.body.value("id", "");
      if (id.size() >= old_id.size()) child.body["id"] = new_id + id.substr(old_id.size());
      tx.Put(child);
    }
  }

  Reply ListVaults(RequestContext& r, const std::string& parent, const std::string& sub) {
    return ListReply(*ctx_.store, r, kDefaultPageSize, true, {kVaultType, parent, sub},
                     [&](const StoredResource& v) { return Render(v, r.now); });
  }

  static ArmError NotFound(const RequestContext& r) {
    return ResourceNotFound(kVaultType, r.Var("vaultName"), r.Var("resourceGroupName"));
  }

  static ArmError DeletedNotFound(const RequestContext& r) {
    return emulator::DeletedNotFound(kVaultSoftDelete, r.Var("location"), r.Var("vaultName"));
  }

  ServiceContext ctx_;
};

}  // namespace

void RegisterVaultRoutes(Router& router, const ServiceContext& context) {
  auto vaults = std::make_shared<Vaults>(context);
  context.operations->RegisterKind(kPurgeKind, CompleterOf(vaults, &Vaults::CompletePurge));
  SoftDeleteWithResourceGroup(context, kVaultSoftDelete);
  AddSoftDeleteRoutes(router, kVaultSoftDelete, "Vaults", "vaultName", vaults);
  auto bind = MethodsOf(vaults);
  const std::string sub = "/subscriptions/{subscriptionId}";
  const auto kv = ApiFamily::kKeyVault;
  router.Add({"GET", sub + "/resources", "Vaults_List", ApiFamily::kGenericResources, true,
              bind(&Vaults::ListGenericResources)});
  router.Add({"POST", sub + "/providers/Microsoft.KeyVault/checkNameAvailability",
              "Vaults_CheckNameAvailability", kv, true, bind(&Vaults::CheckNameAvailability)});
}

}  // namespace keyward::emulator
