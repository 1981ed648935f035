#include "emulator/keys.h"

#include "emulator/key_properties.h"
#include "emulator/paging.h"
#include "emulator/request_checks.h"
#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

// Data-plane list pages hold 25 items; ARM's key lists have no $top, so this is the page size.
constexpr int kPageSize = 25;

class Keys {
 public:
  explicit Keys(const ServiceContext& context) : ctx_(context) {}

  Reply CreateIfNotExist(RequestContext& r) {
    const std::string name = r.Var("keyName");
    if (auto error = ValidateChildName(name, "key")) return Reply::Error(*error);
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (body.contains("tags") && !body["tags"].is_null() && !body["tags"].is_object()) {
      return Reply::Error(InvalidProperty("tags"));
    }
    if (!body.contains("properties") || body["properties"].is_null()) {
      return Reply::Error(
          {400, "BadRequest", "The parameter 'properties' is required but was not provided."});
    }
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      const bool premium =
          EqualsIgnoreCase(vault.stored.body["properties"]["sku"].value("name", ""), "premium");
      json props;
      if (auto error = NormalizeKeyProperties(body["properties"], premium, &props)) {
        return Reply::Error(*error);
      }
      const std::string key = vault.key + "/keys/" + ToLower(name);
      // Create-if-not-exist: an existing key comes back as stored, the body is not applied.
      if (auto existing = tx.Get(key)) return Reply::Json(200, existing->body);

      const std::string version = NewObjectVersion();
      // The examples (Microsoft's, from the service) carry the explicit :443 in key URIs.
      StampNewKey(vault.stored.body["properties"].value("enablePurgeProtection", false),
                  VaultDataPlaneUrl(vault) + ":443/keys/" + name, version, UnixSeconds(r.now),
                  &props);
      json tags = body.contains("tags") && body["tags"].is_object() ? body["tags"] : json::object();

      StoredResource row;
      row.key = key;
      row.type = kKeyType;
      row.parent = vault.key;
      row.subscription = vault.stored.subscription;
      row.name = ToLower(name);
      row.body = {{"id", vault.id + "/keys/" + name}, {"name", name}, {"type", kKeyType},
                  {"location", vault.location},       {"tags", tags}, {"properties", props}};
      tx.Put(row);
      tx.Put({key + "/versions/" + version, kKeyVersionType, key, row.subscription, version,
              KeyVersionBody(row.body, version, kKeyVersionType)});
      return Reply::Json(200, row.body);
    });
  }

  Reply Get(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      auto key = tx.Get(KeyKey(vault, r));
      if (!key) return Reply::Error(KeyNotFound(r));
      return Reply::Json(200, key->body);
    });
  }

  Reply GetVersion(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      if (!tx.Get(KeyKey(vault, r))) return Reply::Error(KeyNotFound(r));
      auto version = tx.Get(KeyKey(vault, r) + "/versions/" + ToLower(r.Var("keyVersion")));
      if (!version) {
        return Reply::Error(
            VaultChildNotFound(r, "keys/" + r.Var("keyName") + "/versions/" + r.Var("keyVersion")));
      }
      return Reply::Json(200, version->body);
    });
  }

  // Like the data plane's KeyItem, list items carry attributes, keyUri and tags only.
  Reply List(RequestContext& r) {
    auto page = ParsePageRequest(r, kPageSize, false);
    if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      return Reply::Json(200, BuildPage(
                                  r, std::get<PageRequest>(page),
                                  [&](const std::string& after, int limit) {
                                    return tx.List({kKeyType, vault.key, "", after, limit});
                                  },
                                  [](const StoredResource& k) { return KeyListItem(k.body); }));
    });
  }

  Reply ListVersions(RequestContext& r) {
    auto page = ParsePageRequest(r, kPageSize, false);
    if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      const std::string key = KeyKey(vault, r);
      if (!tx.Get(key)) return Reply::Error(KeyNotFound(r));
      return Reply::Json(200,
                         BuildPage(
                             r, std::get<PageRequest>(page),
                             [&](const std::string& after, int limit) {
                               return tx.List({kKeyVersionType, key, "", after, limit});
                             },
                             [](const StoredResource& v) { return KeyVersionListItem(v.body); }));
    });
  }

 private:
  static std::string KeyKey(const ParentVault& vault, const RequestContext& r) {
    return vault.key + "/keys/" + ToLower(r.Var("keyName"));
  }

  static ArmError KeyNotFound(const RequestContext& r) {
    return VaultChildNotFound(r, "keys/" + r.Var("keyName"));
  }

  ServiceContext ctx_;
};

}  // namespace

void RegisterKeyRoutes(Router& router, const ServiceContext& context) {
  auto keys = std::make_shared<Keys>(context);
  auto bind = MethodsOf(keys);
  const std::string list =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.KeyVault/vaults/{vaultName}/keys";
  const std::string key = list + "/{keyName}";
  const auto kv = ApiFamily::kKeyVault;
  router.Add({"PUT", key, "Keys_CreateIfNotExist", kv, true, bind(&Keys::CreateIfNotExist)});
  router.Add({"GET", key, "Keys_Get", kv, true, bind(&Keys::Get)});
  router.Add({"GET", list, "Keys_List", kv, true, bind(&Keys::List)});
  router.Add({"GET", key + "/versions/{keyVersion}", "Keys_GetVersion", kv, true,
              bind(&Keys::GetVersion)});
  router.Add({"GET", key + "/versions", "Keys_ListVersions", kv, true, bind(&Keys::ListVersions)});
}

}  // namespace keyward::emulator
