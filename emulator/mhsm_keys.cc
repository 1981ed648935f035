#include <optional>

#include "emulator/key_family.h"
#include "emulator/key_properties.h"
#include "emulator/managed_hsms.h"
#include "emulator/request_checks.h"
#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

class ManagedHsmKeys : public KeyFamily {
 public:
  explicit ManagedHsmKeys(const ServiceContext& context)
      : KeyFamily(context, {kManagedHsmKeyType, kManagedHsmKeyVersionType},
                  /*version_needs_key=*/false) {}

  Reply CreateIfNotExist(RequestContext& r) override {
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
      const std::string key = KeyKey(hsm.key, r);
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
      PutNewKey(tx, key, hsm.key, hsm.subscription, name, key_body, version);
      return Reply::Json(200, key_body);
    });
  }

 protected:
  std::optional<Reply> LoadParent(Store::Tx& tx, const RequestContext& r,
                                  std::string* parent_key) const override {
    StoredResource hsm;
    if (auto refusal = LoadHsm(tx, r, &hsm)) return refusal;
    *parent_key = hsm.key;
    return std::nullopt;
  }

  // ManagedHsmErrorReply without an inner error is Reply::Error, so the base class's replies
  // are this family's.
  ArmError ChildNotFound(const RequestContext& r, const std::string& child_path) const override {
    return {404, "ResourceNotFound",
            "The Resource 'Microsoft.KeyVault/managedHSMs/" + r.Var("name") + "/" + child_path +
                "' under resource group '" + r.Var("resourceGroupName") + "' was not found."};
  }

 private:
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
};

}  // namespace

std::shared_ptr<KeyFamily> NewManagedHsmKeys(const ServiceContext& context) {
  return std::make_shared<ManagedHsmKeys>(context);
}

}  // namespace keyward::emulator
