#include "emulator/secrets.h"

#include <openssl/evp.h>

#include "emulator/paging.h"
#include "emulator/request_checks.h"
#include "emulator/util.h"
#include "emulator/vault_children.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

// The data plane pages secrets by 25; $top (allowed here) overrides it.
constexpr int kDefaultPageSize = 25;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

// The versioned part of a secret: what a change of creates a new version.
struct SecretInput {
  std::optional<std::string> value;  // absent = keep the stored value
  std::optional<json> content_type;  // absent = keep; json null = none
  std::optional<json> attributes;    // {enabled, nbf?, exp?} when given
  std::optional<json> tags;
};

std::optional<ArmError> ParseSecretBody(const json& body, SecretInput* out) {
  if (body.contains("tags") && !body["tags"].is_null()) {
    if (!body["tags"].is_object()) return InvalidProperty("tags");
    out->tags = body["tags"];
  }
  if (!body.contains("properties") || body["properties"].is_null()) return std::nullopt;
  const json& p = body["properties"];
  if (!p.is_object()) return InvalidProperty("properties");
  if (p.contains("value") && !p["value"].is_null()) {
    if (!p["value"].is_string()) return InvalidProperty("value");
    out->value = p["value"].get<std::string>();
  }
  if (p.contains("contentType")) {
    if (!p["contentType"].is_null() && !p["contentType"].is_string()) {
      return InvalidProperty("properties.contentType");
    }
    out->content_type = p["contentType"];
  }
  if (p.contains("attributes") && !p["attributes"].is_null()) {
    const json& a = p["attributes"];
    if (!a.is_object()) return InvalidProperty("properties.attributes");
    json attributes = json::object();
    if (a.contains("enabled") && !a["enabled"].is_null()) {
      if (!a["enabled"].is_boolean()) return InvalidProperty("properties.attributes.enabled");
      attributes["enabled"] = a["enabled"];
    }
    for (const char* t : {"nbf", "exp"}) {
      if (!a.contains(t) || a[t].is_null()) continue;
      if (!a[t].is_number_integer()) {
        return InvalidProperty(
            std::string("properties.attributes.") + t,
            "It must be an integer number of seconds since 1970-01-01T00:00:00Z.");
      }
      attributes[t] = a[t];
    }
    out->attributes = attributes;
  }
  return std::nullopt;
}

bool SameAttributes(const json& a, const json& stored) {
  for (const char* k : {"enabled", "nbf", "exp"}) {
    json x = a.contains(k) ? a[k] : json();
    json y = stored.is_object() && stored.contains(k) ? stored[k] : json();
    if (x != y) return false;
  }
  return true;
}

// A secret after a PUT or PATCH, before it is stored: what changes and whether that makes a new
// version.
struct SecretUpdate {
  std::string salt;  // per secret, kept across versions
  std::string value_hash;
  json attributes;
  json content_type;  // null = none
  json tags;
  bool versioned_change = false;
  bool tags_changed = false;
};

// Merges the request into the stored secret (null on create). PATCH keeps what it does not name;
// so does a PUT without attributes (inference), but a PUT replaces contentType and tags.
SecretUpdate MergeSecret(const SecretInput& input, const StoredResource* existing, bool patch) {
  const json old_props = existing ? existing->body["properties"] : json::object();
  const json old_internal = existing ? existing->body["_internal"] : json::object();
  SecretUpdate u;
  u.salt = existing ? old_internal.value("salt", "") : NewObjectVersion();
  u.value_hash =
      input.value ? Sha256Hex(u.salt + *input.value) : old_internal.value("valueHash", "");
  u.attributes = {{"enabled", true}};
  if (patch || (existing && !input.attributes)) {
    for (const char* a : {"enabled", "nbf", "exp"}) {
      if (old_props["attributes"].contains(a)) u.attributes[a] = old_props["attributes"][a];
    }
  }
  if (input.attributes) {
    for (const auto& [k, v] : input.attributes->items()) u.attributes[k] = v;
  }
  u.content_type = nullptr;
  if (patch || !input.content_type) {
    if (old_props.contains("contentType")) u.content_type = old_props["contentType"];
  }
  if (input.content_type) u.content_type = *input.content_type;
  u.versioned_change =
      !existing || u.value_hash != old_internal.value("valueHash", "") ||
      u.content_type != (old_props.contains("contentType") ? old_props["contentType"] : json()) ||
      !SameAttributes(u.attributes, old_props["attributes"]);
  u.tags = existing ? existing->body.value("tags", json::object()) : json::object();
  if (input.tags) {
    u.tags = *input.tags;
  } else if (!patch && existing) {
    u.tags = json::object();  // PUT replaces the tag set
  }
  u.tags_changed = !existing || u.tags != existing->body.value("tags", json::object());
  return u;
}

// A new secret's row, before its first version is written.
StoredResource NewSecretRow(const ParentVault& vault, const std::string& key,
                            const std::string& name, const std::string& salt) {
  StoredResource row;
  row.key = key;
  row.type = kSecretType;
  row.parent = vault.key;
  row.subscription = vault.stored.subscription;
  row.name = ToLower(name);
  row.body = {{"id", vault.id + "/secrets/" + name},
              {"name", name},
              {"type", kSecretType},
              {"location", vault.location},
              {"_internal", {{"salt", salt}, {"versions", 0}}}};
  return row;
}

// Writes `u` into `row`: a versioned change gets a new version URI and `created`; a tags-only
// change keeps the version and only moves `updated`.
void ApplySecretUpdate(SecretUpdate u, const ParentVault& vault, const std::string& name,
                       long long now, StoredResource* row) {
  json props = row->body.contains("properties") ? row->body["properties"] : json::object();
  if (u.versioned_change) {
    const std::string version = NewObjectVersion();
    u.attributes["created"] = now;
    u.attributes["updated"] = now;
    props["secretUri"] = VaultDataPlaneUrl(vault) + "/secrets/" + name;
    props["secretUriWithVersion"] = VaultDataPlaneUrl(vault) + "/secrets/" + name + "/" + version;
    row->body["_internal"]["valueHash"] = u.value_hash;
    row->body["_internal"]["versions"] = row->body["_internal"].value("versions", 0) + 1;
  } else {
    u.attributes["created"] = props["attributes"]["created"];
    u.attributes["updated"] = now;
  }
  props["attributes"] = u.attributes;
  if (u.content_type.is_null()) {
    props.erase("contentType");
  } else {
    props["contentType"] = u.content_type;
  }
  row->body["properties"] = props;
  row->body["tags"] = u.tags;
}

class Secrets {
 public:
  explicit Secrets(const ServiceContext& context) : ctx_(context) {}

  // PUT: the body's attributes/contentType replace the stored ones (defaults when absent); the
  // value is required on create and kept when omitted on update (inference, see NOTES).
  Reply Put(RequestContext& r) { return Write(r, /*patch=*/false); }
  // PATCH: only what the body names changes.
  Reply Patch(RequestContext& r) { return Write(r, /*patch=*/true); }

  Reply Get(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      auto secret = tx.Get(SecretKey(vault, r));
      if (!secret) return Reply::Error(NotFound(r));
      return Reply::Json(200, Render(*secret));
    });
  }

  Reply List(RequestContext& r) {
    auto page = ParsePageRequest(r, kDefaultPageSize, true);
    if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      return Reply::Json(
          200, BuildPage(tx, r, std::get<PageRequest>(page), {kSecretType, vault.key, ""}, Render));
    });
  }

 private:
  Reply Write(RequestContext& r, bool patch) {
    const std::string name = r.Var("secretName");
    if (auto error = ValidateChildName(name, "secret")) return Reply::Error(*error);
    json body = json::parse(r.body, nullptr, false);
    // The body carries a secret value: never echo it (other routes quote the bad content).
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent("(secret request body withheld)"));
    SecretInput input;
    if (auto error = ParseSecretBody(body, &input)) return Reply::Error(*error);
    if (!patch && (!body.contains("properties") || !body["properties"].is_object())) {
      return Reply::Error(
          {400, "BadRequest", "The parameter 'properties' is required but was not provided."});
    }
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      ParentVault vault;
      if (auto error = LoadParentVault(tx, r, &vault)) return Reply::Error(*error);
      const std::string key = SecretKey(vault, r);
      auto existing = tx.Get(key);
      if (!existing && patch) return Reply::Error(NotFound(r));
      // Recorded service text (ARM-NOTES §2.2).
      if (!existing && !input.value) return Reply::Error(InvalidProperty("value"));
      SecretUpdate update = MergeSecret(input, existing ? &*existing : nullptr, patch);
      if (existing && !update.versioned_change && !update.tags_changed) {
        return Reply::Json(200, Render(*existing));  // identical: nothing written
      }
      StoredResource row = existing ? *existing : NewSecretRow(vault, key, name, update.salt);
      ApplySecretUpdate(std::move(update), vault, name, UnixSeconds(r.now), &row);
      tx.Put(row);
      // Recorded: the service answers 200 for creates as well as updates (ARM-NOTES §1.8).
      return Reply::Json(200, Render(row));
    });
  }

  // Never the value: stored rows have none, and _internal (the hash) is dropped.
  static json Render(const StoredResource& r) {
    json body = r.body;
    body.erase("_internal");
    body["properties"].erase("value");
    return body;
  }

  static std::string SecretKey(const ParentVault& vault, const RequestContext& r) {
    return vault.key + "/secrets/" + ToLower(r.Var("secretName"));
  }

  static ArmError NotFound(const RequestContext& r) {
    return VaultChildNotFound(r, "secrets/" + r.Var("secretName"));
  }

  ServiceContext ctx_;
};

}  // namespace

void RegisterSecretRoutes(Router& router, const ServiceContext& context) {
  auto secrets = std::make_shared<Secrets>(context);
  auto bind = MethodsOf(secrets);
  const std::string list =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.KeyVault/vaults/{vaultName}/secrets";
  const std::string secret = list + "/{secretName}";
  const auto kv = ApiFamily::kKeyVault;
  router.Add({"PUT", secret, "Secrets_CreateOrUpdate", kv, true, bind(&Secrets::Put)});
  router.Add({"PATCH", secret, "Secrets_Update", kv, true, bind(&Secrets::Patch)});
  router.Add({"GET", secret, "Secrets_Get", kv, true, bind(&Secrets::Get)});
  router.Add({"GET", list, "Secrets_List", kv, true, bind(&Secrets::List)});
}

}  // namespace keyward::emulator
