#include "emulator/key_family.h"
#include "emulator/key_properties.h"
#include "emulator/request_checks.h"
#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

class Keys : public KeyFamily {
 public:
  explicit Keys(const ServiceContext& context)
      : KeyFamily(context, {kKeyType, kKeyVersionType}, /*version_needs_key=*/true) {}

  Reply CreateIfNotExist(RequestContext& r) override {
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
      const std::string key = KeyKey(vault.key, r);
      // Create-if-not-exist: an existing key comes back as stored, the body is not applied.
      if (auto existing = tx.Get(key)) return Reply::Json(200, existing->body);

      const std::string version = NewObjectVersion();
      // The examples (Microsoft's, from the service) carry the explicit :443 in key URIs.
      StampNewKey(vault.stored.body["properties"].value("enablePurgeProtection", false),
                  VaultDataPlaneUrl(vault) + ":443/keys/" + name, version, UnixSeconds(r.now),
                  &props);
      json tags = body.contains("tags") && body["tags"].is_object() ? body["tags"] : json::object();
      const json key_body = {
          {"id", vault.id + "/keys/" + name}, {"name", name}, {"type", kKeyType},
          {"location", vault.location},       {"tags", tags}, {"properties", props}};
      PutNewKey(tx, key, vault.key, vault.stored.subscription, name, key_body, version);
      return Reply::Json(200, key_body);
    });
  }

 protected:
  std::optional<Reply> LoadParent(Store::Tx& tx, const RequestContext& r,
                                  std::string* parent_key) const override {
    ParentVault vault;
    if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
    *parent_key = vault.key;
    return std::nullopt;
  }

  ArmError ChildNotFound(const RequestContext& r, const std::string& child_path) const override {
    return VaultChildNotFound(r, child_path);
  }
};

}  // namespace

std::shared_ptr<KeyFamily> NewVaultKeys(const ServiceContext& context) {
  return std::make_shared<Keys>(context);
}

}  // namespace keyward::emulator
