#include "emulator/mhsm_keys.h"

#include <optional>

#include "emulator/key_properties.h"
#include "emulator/managed_hsms.h"
#include "emulator/paging.h"
#include "emulator/request_checks.h"
#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

// The data plane's default page size for key lists; there is no $top on these operations.
constexpr int kPageSize = 25;

class ManagedHsmKeys {
 public:
  explicit ManagedHsmKeys(const ServiceContext& context) : ctx_(context) {}

  Reply CreateIfNotExist(RequestContext& r) {
    const std::string name = r.Var("keyName");
    if (auto error = ValidateChildName(name, "key")) return ManagedHsmErrorReply(*error);
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return ManagedHsmErrorReply(InvalidRequestContent(r.body));
    }
    if (Present(body, "tags") && !body["tags"].is_object())
      return ManagedHsmErrorReply(InvalidProperty("tags"));
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      StoredResource hsm;
      if (auto error = LoadHsm(tx, r, &hsm)) return *error;
      const std::string key = KeyKey(r);
      // Create-if-not-exist: an existing key comes back unchanged, whatever the body says.
      if (auto existing = tx.Get(key)) return Reply::Json(200, existing->body);
      if (!Present(body, "properties")) {
        return ManagedHsmErrorReply(
            {400, "BadRequest", "The parameter 'properties' is required but was not provided."});
      }
      json props;
      if (auto error = NormalizeKeyProperties(body["properties"], /*premium=*/true, &props)) {
        return ManagedHsmErrorReply(*error);
      }
      const std::string version = NewObjectVersion();
      // Soft delete is always on for HSMs; purge protection decides whether keys are purgeable.
      // Same URI form as the examples (explicit :443), like vault keys.
      StampNewKey(hsm.body["properties"].value("enablePurgeProtection", true),
                  "https://" + ToLower(hsm.body.value("name", "")) +
                      ".managedhsm.azure.net:443/keys/" + name,
                  version, UnixSeconds(r.now), &props);
      json key_body = {{"id", hsm.body.value("id", "") + "/keys/" + name},
                       {"name", name},
                       {"type", kManagedHsmKeyType}};
      if (Present(body, "tags")) key_body["tags"] = body["tags"];
      key_body["properties"] = props;
      tx.Put({key, kManagedHsmKeyType, hsm.key, hsm.subscription, ToLower(name), key_body});
      tx.Put({key + "/versions/" + version, kManagedHsmKeyVersionType, key, hsm.subscription,
              version, KeyVersionBody(key_body, version, kManagedHsmKeyVersionType)});
      return Reply::Json(200, key_body);
    });
  }

  Reply Get(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      StoredResource hsm;
      if (auto error = LoadHsm(tx, r, &hsm)) return *error;
      auto key = tx.Get(KeyKey(r));
      if (!key) return KeyNotFound(r);
      return Reply::Json(200, key->body);
    });
  }

  Reply GetVersion(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      StoredResource hsm;
      if (auto error = LoadHsm(tx, r, &hsm)) return *error;
      auto version = tx.Get(KeyKey(r) + "/versions/" + ToLower(r.Var("keyVersion")));
      if (!version) {
        return ManagedHsmErrorReply(
            {404, "ResourceNotFound",
             "The Resource 'Microsoft.KeyVault/managedHSMs/" + r.Var("name") + "/keys/" +
                 r.Var("keyName") + "/versions/" + r.Var("keyVersion") +
                 "' under resource group '" + r.Var("resourceGroupName") + "' was not found."});
      }
      return Reply::Json(200, version->body);
    });
  }

  // Like the data plane's KeyItem (and managedHsmListKeys.json): attributes, keyUri, tags.
  Reply List(RequestContext& r) {
    auto page = ParsePageRequest(r, kPageSize, false);
    if (auto* error = std::get_if<ArmError>(&page)) return ManagedHsmErrorReply(*error);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      StoredResource hsm;
      if (auto error = LoadHsm(tx, r, &hsm)) return *error;
      return Reply::Json(200, BuildPage(
                                  r, std::get<PageRequest>(page),
                                  [&](const std::string& after, int limit) {
                                    return tx.List({kManagedHsmKeyType, hsm.key, "", after, limit});
                                  },
                                  [](const StoredResource& k) { return KeyListItem(k.body); }));
    });
  }

  Reply ListVersions(RequestContext& r) {
    auto page = ParsePageRequest(r, kPageSize, false);
    if (auto* error = std::get_if<ArmError>(&page)) return ManagedHsmErrorReply(*error);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      StoredResource hsm;
      if (auto error = LoadHsm(tx, r, &hsm)) return *error;
      const std::string key = KeyKey(r);
      if (!tx.Get(key)) return KeyNotFound(r);
      return Reply::Json(200,
                         BuildPage(
                             r, std::get<PageRequest>(page),
                             [&](const std::string& after, int limit) {
                               return tx.List({kManagedHsmKeyVersionType, key, "", after, limit});
                             },
                             [](const StoredResource& v) { return KeyVersionListItem(v.body); }));
    });
  }

 private:
  static std::string KeyKey(const RequestContext& r) {
    return ManagedHsmKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("name")) +
           "/keys/" + ToLower(r.Var("keyName"));
  }

  // The live, provisioned HSM the request addresses; else 404 (absent) or 409 (not provisioned).
  static std::optional<Reply> LoadHsm(Store::Tx& tx, const RequestContext& r, StoredResource* out) {
    auto hsm =
        tx.Get(ManagedHsmKey(r.Var("subscriptionId"), r.Var("resourceGroupName"), r.Var("name")));
    if (!hsm) {
      return ManagedHsmErrorReply(
          ResourceNotFound(kManagedHsmType, r.Var("name"), r.Var("resourceGroupName")));
    }
    if (hsm->body["properties"].value("hsmUri", json()).is_null()) {
      return ManagedHsmErrorReply({409, "ManagedHsmNotProvisioned",
                                   "The managed HSM '" + hsm->body.value("name", "") +
                                       "' is not provisioned (state " +
                                       hsm->body["properties"].value("provisioningState", "") +
                                       "); keys can be created once provisioning has succeeded."});
    }
    *out = *hsm;
    return std::nullopt;
  }

  static Reply KeyNotFound(const RequestContext& r) {
    return ManagedHsmErrorReply({404, "ResourceNotFound",
                                 "The Resource 'Microsoft.KeyVault/managedHSMs/" + r.Var("name") +
                                     "/keys/" + r.Var("keyName") + "' under resource group '" +
                                     r.Var("resourceGroupName") + "' was not found."});
  }

  ServiceContext ctx_;
};

}  // namespace

void RegisterManagedHsmKeyRoutes(Router& router, const ServiceContext& context) {
  auto keys = std::make_shared<ManagedHsmKeys>(context);
  auto bind = MethodsOf(keys);
  const std::string hsm =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.KeyVault/managedHSMs/{name}";
  const std::string key = hsm + "/keys/{keyName}";
  const auto kv = ApiFamily::kKeyVault;
  router.Add({"PUT", key, "ManagedHsmKeys_CreateIfNotExist", kv, true,
              bind(&ManagedHsmKeys::CreateIfNotExist)});
  router.Add({"GET", key, "ManagedHsmKeys_Get", kv, true, bind(&ManagedHsmKeys::Get)});
  router.Add({"GET", hsm + "/keys", "ManagedHsmKeys_List", kv, true, bind(&ManagedHsmKeys::List)});
  router.Add({"GET", key + "/versions/{keyVersion}", "ManagedHsmKeys_GetVersion", kv, true,
              bind(&ManagedHsmKeys::GetVersion)});
  router.Add({"GET", key + "/versions", "ManagedHsmKeys_ListVersions", kv, true,
              bind(&ManagedHsmKeys::ListVersions)});
}

}  // namespace keyward::emulator
