#include "emulator/key_family.h"

#include "emulator/key_properties.h"
#include "emulator/paging.h"
#include "emulator/util.h"

namespace keyward::emulator {

namespace {
// Data-plane list pages hold 25 items; ARM's key lists have no $top, so this is the page size.
constexpr int kPageSize = 25;
}  // namespace

Reply KeyFamily::Get(RequestContext& r) {
  return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
    std::string parent_key;
    if (auto refusal = LoadParent(tx, r, &parent_key)) return *refusal;
    auto key = tx.Get(KeyKey(parent_key, r));
    if (!key) return Reply::Error(KeyNotFound(r));
    return Reply::Json(200, key->body);
  });
}

Reply KeyFamily::GetVersion(RequestContext& r) {
  return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
    std::string parent_key;
    if (auto refusal = LoadParent(tx, r, &parent_key)) return *refusal;
    const std::string key = KeyKey(parent_key, r);
    if (version_needs_key_ && !tx.Get(key)) return Reply::Error(KeyNotFound(r));
    auto version = tx.Get(key + "/versions/" + ToLower(r.Var("keyVersion")));
    if (!version) {
      return Reply::Error(
          ChildNotFound(r, "keys/" + r.Var("keyName") + "/versions/" + r.Var("keyVersion")));
    }
    return Reply::Json(200, version->body);
  });
}

Reply KeyFamily::List(RequestContext& r) { return ListPage(r, /*versions=*/false); }

Reply KeyFamily::ListVersions(RequestContext& r) { return ListPage(r, /*versions=*/true); }

Reply KeyFamily::ListPage(RequestContext& r, bool versions) {
  auto page = ParsePageRequest(r, kPageSize, false);
  if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
  return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
    std::string parent_key;
    if (auto refusal = LoadParent(tx, r, &parent_key)) return *refusal;
    if (!versions) {
      return Reply::Json(200,
                         BuildPage(tx, r, std::get<PageRequest>(page), {types_.key, parent_key, ""},
                                   [](const StoredResource& k) { return KeyListItem(k.body); }));
    }
    const std::string key = KeyKey(parent_key, r);
    if (!tx.Get(key)) return Reply::Error(KeyNotFound(r));
    return Reply::Json(
        200, BuildPage(tx, r, std::get<PageRequest>(page), {types_.version, key, ""},
                       [](const StoredResource& v) { return KeyVersionListItem(v.body); }));
  });
}

std::string KeyFamily::KeyKey(const std::string& parent_key, const RequestContext& r) {
  return parent_key + "/keys/" + ToLower(r.Var("keyName"));
}

void KeyFamily::PutNewKey(Store::Tx& tx, const std::string& key, const std::string& parent_key,
                          const std::string& subscription, const std::string& name,
                          const nlohmann::json& body, const std::string& version) const {
  tx.Put({key, types_.key, parent_key, subscription, ToLower(name), body});
  tx.Put({key + "/versions/" + version, types_.version, key, subscription, version,
          KeyVersionBody(body, version, types_.version)});
}

ArmError KeyFamily::KeyNotFound(const RequestContext& r) const {
  return ChildNotFound(r, "keys/" + r.Var("keyName"));
}

namespace {

// A family's routes under `parent_pattern`, named "<operation_prefix>_<operation>".
void AddKeyRoutes(Router& router, const std::string& parent_pattern,
                  const std::string& operation_prefix, std::shared_ptr<KeyFamily> keys) {
  auto bind = MethodsOf(std::move(keys));
  const std::string list = parent_pattern + "/keys";
  const std::string key = list + "/{keyName}";
  const std::string prefix = operation_prefix + "_";
  const auto kv = ApiFamily::kKeyVault;
  router.Add(
      {"PUT", key, prefix + "CreateIfNotExist", kv, true, bind(&KeyFamily::CreateIfNotExist)});
  router.Add({"GET", key, prefix + "Get", kv, true, bind(&KeyFamily::Get)});
  router.Add({"GET", list, prefix + "List", kv, true, bind(&KeyFamily::List)});
  router.Add({"GET", key + "/versions/{keyVersion}", prefix + "GetVersion", kv, true,
              bind(&KeyFamily::GetVersion)});
  router.Add({"GET", key + "/versions", prefix + "ListVersions", kv, true,
              bind(&KeyFamily::ListVersions)});
}

}  // namespace

void RegisterKeyRoutes(Router& router, const ServiceContext& context) {
  const std::string providers =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.KeyVault/";
  AddKeyRoutes(router, providers + "vaults/{vaultName}", "Keys", NewVaultKeys(context));
  AddKeyRoutes(router, providers + "managedHSMs/{name}", "ManagedHsmKeys",
               NewManagedHsmKeys(context));
}

}  // namespace keyward::emulator
