#include "providers/azure/kinds/export_model.h"

#include <algorithm>
#include <cctype>

#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/key_model.h"
#include "providers/azure/kinds/pec_model.h"
#include "providers/azure/kinds/secret_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

constexpr char kApiVersion[] = "keyward.dev/v1alpha1";

}  // namespace

Json UserTags(const Json& live) {
  const Json* tags = FindKey(live, "tags");
  if (!tags || !tags->is_object()) return Json();
  Json out = Json::object();
  for (auto it = tags->begin(); it != tags->end(); ++it) {
    if (IEquals(it.key(), kStackTag) || IEquals(it.key(), kValueHmacTag)) continue;
    out[it.key()] = it.value();
  }
  return out.empty() ? Json() : out;
}

Json Metadata(const std::string& name, const std::string& arm_id,
              const engine::ExportContext& context, bool has_resource_group) {
  Json metadata = {{"name", name}};
  const std::string subscription = ArmIdSegment(arm_id, "subscriptions");
  const std::string group = ArmIdSegment(arm_id, "resourceGroups");
  if (has_resource_group && !group.empty() && !IEquals(group, context.default_resource_group))
    metadata["resourceGroup"] = group;
  if (!subscription.empty() && !IEquals(subscription, context.default_subscription))
    metadata["subscription"] = subscription;
  return metadata;
}

Json Document(const char* kind, Json metadata, Json spec) {
  return {{"apiVersion", kApiVersion},
          {"kind", kind},
          {"metadata", std::move(metadata)},
          {"spec", std::move(spec)}};
}

void CopyProperties(const Json& properties, const std::vector<std::string>& names, Json& spec) {
  for (const std::string& name : names) {
    const Json* value = FindKey(properties, name);
    if (value && !value->is_null()) spec[name] = *value;
  }
}

std::string ExportedSecretEnvName(const std::string& vault, const std::string& secret) {
  std::string out = "KEYWARD_SECRET_" + vault + "_" + secret;
  for (char& c : out) {
    c = std::isalnum(static_cast<unsigned char>(c))
            ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
            : '_';
  }
  return out;
}

std::optional<Json> ExportResourceGroupManifest(const engine::ObservedResource& observed,
                                                const engine::ExportContext& context) {
  const std::string name = ArmIdSegment(observed.arm_id, "resourceGroups");
  if (name.empty()) return std::nullopt;
  Json spec = {{"location", CanonicalLocation(StringAt(observed.live, "location"))}};
  if (Json tags = UserTags(observed.live); !tags.is_null()) spec["tags"] = std::move(tags);
  return Document("ResourceGroup", Metadata(name, observed.arm_id, context, false),
                  std::move(spec));
}

std::optional<Json> ExportVaultManifest(const engine::ObservedResource& observed,
                                        const engine::ExportContext& context) {
  const Json normalized = NormalizeVault(observed.live);
  if (!normalized.is_object()) return std::nullopt;
  const std::string name = ArmIdSegment(observed.arm_id, "vaults");
  Json spec = {{"location", normalized.value("location", "")}};
  if (Json tags = UserTags(observed.live); !tags.is_null()) spec["tags"] = std::move(tags);
  // Raw live properties, not the normalized ones: normalization fills in server defaults the
  // user never wrote, and the diff canonicalizes both sides anyway.
  const Json* properties = FindKey(observed.live, "properties");
  if (properties) CopyProperties(*properties, ManagedVaultProperties(), spec);
  if (spec.contains("tenantId") && spec["tenantId"].is_string())
    spec["tenantId"] = Lower(spec["tenantId"].get<std::string>());
  return Document("Vault", Metadata(name, observed.arm_id, context), std::move(spec));
}

std::optional<Json> ExportAccessPolicyManifest(const engine::ObservedResource& observed,
                                               const engine::ExportContext& context) {
  // Address "AccessPolicy/<vault>/<entry>": the vault as ARM spells it, the entry's own name.
  const size_t first = observed.address.find('/');
  const size_t second = observed.address.find('/', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  const std::string vault = observed.address.substr(first + 1, second - first - 1);
  // Names may not hold '/': a compound identity's "<objectId>/<applicationId>" becomes
  // "<objectId>_<applicationId>".
  std::string name = observed.address.substr(second + 1);
  std::replace(name.begin(), name.end(), '/', '_');
  Json spec = NormalizeAccessPolicy(observed.live);
  if (!spec.is_object()) return std::nullopt;
  spec["vault"] = vault;
  // Empty permission lists are the canonical "none": leave them out of the manifest.
  if (Json* permissions = &spec["permissions"]; permissions->is_object()) {
    for (auto it = permissions->begin(); it != permissions->end();) {
      it = it.value().is_array() && it.value().empty() ? permissions->erase(it) : std::next(it);
    }
  }
  return Document("AccessPolicy", Metadata(name, observed.arm_id, context), std::move(spec));
}

std::optional<Json> ExportKeyManifest(const engine::ObservedResource& observed,
                                      const engine::ExportContext& context) {
  const bool hsm = observed.kind == ManagedHsmKeyKind().kind;
  const KeyKind& kind = hsm ? ManagedHsmKeyKind() : VaultKeyKind();
  const std::string parent = ArmIdSegment(observed.arm_id, kind.parent_segment);
  const std::string name = ArmIdSegment(observed.arm_id, "keys");
  const Json* properties = FindKey(observed.live, "properties");
  if (parent.empty() || name.empty() || !properties) return std::nullopt;
  Json spec = CanonicalKeyProperties(*properties, /*live=*/true);
  if (spec.contains("release_policy")) {
    spec["releasePolicy"] = std::move(spec["release_policy"]);
    spec.erase("release_policy");
  }
  // Not exportable is the default, and the only choice without a release policy.
  if (spec.contains("attributes") && spec["attributes"].value("exportable", false) == false)
    spec["attributes"].erase("exportable");
  spec[kind.parent_field] = parent;
  if (Json tags = UserTags(observed.live); !tags.is_null()) spec["tags"] = std::move(tags);
  return Document(kind.kind, Metadata(name, observed.arm_id, context), std::move(spec));
}

std::optional<Json> ExportSecretManifest(const engine::ObservedResource& observed,
                                         const engine::ExportContext& context) {
  const std::string vault = ArmIdSegment(observed.arm_id, "vaults");
  const std::string name = ArmIdSegment(observed.arm_id, "secrets");
  const Json normalized = NormalizeSecret(observed.live);
  if (vault.empty() || name.empty() || !normalized.is_object()) return std::nullopt;
  Json spec = {{"vault", vault},
               {"valueFrom", {{"env", ExportedSecretEnvName(vault, name)}, {"placeholder", true}}}};
  const Json& properties = normalized["properties"];
  if (properties.contains("contentType")) spec["contentType"] = properties["contentType"];
  spec["attributes"] = properties["attributes"];
  if (Json tags = UserTags(observed.live); !tags.is_null()) spec["tags"] = std::move(tags);
  return Document(kSecretKind, Metadata(name, observed.arm_id, context), std::move(spec));
}

std::optional<Json> ExportPecManifest(const engine::ObservedResource& observed,
                                      const engine::ExportContext& context) {
  const PecKind& kind = observed.kind == kHsmPecKind.kind ? kHsmPecKind : kVaultPecKind;
  const std::string parent = ArmIdSegment(observed.arm_id, kind.parent_collection);
  const std::string name = ArmIdSegment(observed.arm_id, "privateEndpointConnections");
  const Json normalized = NormalizePec(observed.live);
  const std::string endpoint = PrivateEndpointIdOf(normalized);
  if (parent.empty() || name.empty() || endpoint.empty()) return std::nullopt;
  const Json& state =
      normalized["properties"].value("privateLinkServiceConnectionState", Json::object());
  const std::string status = state.value("status", "");
  if (status != "Approved" && status != "Rejected") return std::nullopt;
  Json spec = {{kind.parent_field, parent}, {"privateEndpointId", endpoint}, {"status", status}};
  if (state.contains("description")) spec["description"] = state["description"];
  return Document(kind.kind, Metadata(name, observed.arm_id, context), std::move(spec));
}

std::optional<Json> ExportManagedHsmManifest(const engine::ObservedResource& observed,
                                             const engine::ExportContext& context) {
  const std::string name = ArmIdSegment(observed.arm_id, "managedHSMs");
  if (name.empty() || !observed.live.is_object()) return std::nullopt;
  Json spec = {{"location", CanonicalLocation(StringAt(observed.live, "location"))}};
  if (const Json* sku = FindKey(observed.live, "sku"); sku && sku->is_object()) spec["sku"] = *sku;
  if (Json tags = UserTags(observed.live); !tags.is_null()) spec["tags"] = std::move(tags);
  if (const Json* properties = FindKey(observed.live, "properties")) {
    CopyProperties(*properties,
                   {"tenantId", "initialAdminObjectIds", "softDeleteRetentionInDays",
                    "enablePurgeProtection", "publicNetworkAccess", "networkAcls"},
                   spec);
    // ARM lists every region as {name, isPrimary, provisioningState}; a manifest lists the
    // secondary regions by name (the primary is `location`). None: left out (primary only).
    if (const Json* regions = FindKey(*properties, "regions"); regions && regions->is_array()) {
      Json names = Json::array();
      for (const Json& region : *regions) {
        const std::string name = CanonicalLocation(StringAt(region, "name"));
        const Json* state = FindKey(region, "provisioningState");
        if (name.empty() || Json(name) == spec["location"] ||
            (state && state->is_string() && IEquals(state->get<std::string>(), "Deleting")))
          continue;
        names.push_back(name);
      }
      if (!names.empty()) spec["regions"] = std::move(names);
    }
  }
  if (spec.contains("tenantId") && spec["tenantId"].is_string())
    spec["tenantId"] = Lower(spec["tenantId"].get<std::string>());
  return Document("ManagedHsm", Metadata(name, observed.arm_id, context), std::move(spec));
}

}  // namespace keyward::azure
