#include "engine/lock_config.h"

#include "engine/duration.h"
#include "engine/split.h"

namespace keyward::engine {
namespace {

using Json = nlohmann::json;

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& item : SplitNonEmpty(text, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

// One setting's layers, highest first: flag, then environment variable.
struct Layer {
  const std::string& flag;
  const char* flag_name;
  const char* env_name;
};

// Returns (value, where it came from) for a string setting; yaml_value may be null.
std::pair<std::string, std::string> Pick(const Layer& layer, const Json& yaml_value,
                                         const std::string& yaml_name, const EnvLookup& env) {
  if (!layer.flag.empty()) return {layer.flag, layer.flag_name};
  if (std::string v = env(layer.env_name); !v.empty()) return {v, layer.env_name};
  if (yaml_value.is_string()) return {yaml_value.get<std::string>(), "keyward.yaml " + yaml_name};
  if (yaml_value.is_number_integer())
    return {std::to_string(yaml_value.get<long long>()), "keyward.yaml " + yaml_name};
  return {"", ""};
}

tl::unexpected<Error> Bad(const std::string& where, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

// Endpoints (a comma-separated flag or variable, else the YAML list), prefix and client TLS.
Status ReadEtcdSettings(const Json& etcd, const LockOverrides& flags, const EnvLookup& env,
                        LockConfig* config) {
  const auto [endpoints, endpoints_from] =
      Pick({flags.etcd_endpoints, "--lock-etcd-endpoints", "KEYWARD_LOCK_ETCD_ENDPOINTS"}, Json(),
           "", env);
  if (!endpoints.empty()) {
    config->etcd_endpoints = SplitList(endpoints);
  } else if (etcd.contains("endpoints") && etcd["endpoints"].is_array()) {
    for (const Json& e : etcd["endpoints"])
      if (e.is_string()) config->etcd_endpoints.push_back(e.get<std::string>());
  }
  for (const std::string& e : config->etcd_endpoints)
    if (e.rfind("http://", 0) != 0 && e.rfind("https://", 0) != 0)
      return Bad(endpoints_from.empty() ? "keyward.yaml lock.etcd.endpoints" : endpoints_from,
                 "etcd endpoint '" + e + "' must start with http:// or https://");
  const std::string none;
  if (auto [v, from] = Pick({flags.etcd_prefix, "--lock-etcd-prefix", "KEYWARD_LOCK_ETCD_PREFIX"},
                            etcd.value("prefix", Json()), "lock.etcd.prefix", env);
      !v.empty())
    config->etcd_prefix = v;
  config->etcd_ca_file =
      Pick({none, "", "KEYWARD_LOCK_ETCD_CA_FILE"}, etcd.value("caFile", Json()), "", env).first;
  config->etcd_cert_file =
      Pick({none, "", "KEYWARD_LOCK_ETCD_CERT_FILE"}, etcd.value("certFile", Json()), "", env)
          .first;
  config->etcd_key_file =
      Pick({none, "", "KEYWARD_LOCK_ETCD_KEY_FILE"}, etcd.value("keyFile", Json()), "", env).first;
  return {};
}

void ReadBlobSettings(const Json& blob, const LockOverrides& flags, const EnvLookup& env,
                      LockConfig* config) {
  config->blob_account_url = Pick({flags.blob_account_url, "", "KEYWARD_LOCK_AZUREBLOB_URL"},
                                  blob.value("accountUrl", Json()), "", env)
                                 .first;
  while (!config->blob_account_url.empty() && config->blob_account_url.back() == '/')
    config->blob_account_url.pop_back();
  config->blob_container = Pick({flags.blob_container, "", "KEYWARD_LOCK_AZUREBLOB_CONTAINER"},
                                blob.value("container", Json()), "", env)
                               .first;
  config->blob_name = Pick({flags.blob_name, "", "KEYWARD_LOCK_AZUREBLOB_BLOB"},
                           blob.value("blob", Json()), "", env)
                          .first;
}

// What the chosen backend cannot do without; `from` names where the backend was chosen.
Status CheckBackendSettings(const LockConfig& config, const std::string& from) {
  if (config.backend == LockBackendKind::kEtcd && config.etcd_endpoints.empty())
    return Bad(from,
               "the etcd lock backend needs endpoints: keyward.yaml lock.etcd.endpoints, "
               "--lock-etcd-endpoints or KEYWARD_LOCK_ETCD_ENDPOINTS");
  if (config.backend == LockBackendKind::kEtcd &&
      config.etcd_cert_file.empty() != config.etcd_key_file.empty())
    return Bad(from, "an etcd client certificate needs both certFile and keyFile");
  if (config.backend == LockBackendKind::kAzureBlob &&
      (config.blob_account_url.empty() || config.blob_container.empty()))
    return Bad(from,
               "the azureblob lock backend needs the storage account URL and the container: "
               "keyward.yaml lock.azureblob.accountUrl / container, --lock-azureblob-url / "
               "--lock-azureblob-container or KEYWARD_LOCK_AZUREBLOB_URL / _CONTAINER");
  if (config.backend == LockBackendKind::kAzureBlob &&
      config.blob_account_url.rfind("http://", 0) != 0 &&
      config.blob_account_url.rfind("https://", 0) != 0)
    return Bad(from, "the storage account URL '" + config.blob_account_url +
                         "' must start with https:// (or http:// for Azurite)");
  return {};
}

}  // namespace

const char* LockBackendName(LockBackendKind kind) {
  switch (kind) {
    case LockBackendKind::kLocal:
      return "local";
    case LockBackendKind::kEtcd:
      return "etcd";
    case LockBackendKind::kAzureBlob:
      return "azureblob";
  }
  return "local";
}

std::optional<LockBackendKind> ParseLockBackend(const std::string& name) {
  for (auto kind : {LockBackendKind::kLocal, LockBackendKind::kEtcd, LockBackendKind::kAzureBlob})
    if (name == LockBackendName(kind)) return kind;
  return std::nullopt;
}

std::string LockConfig::Key() const { return LockConfigToJson(*this).dump(); }

Result<LockConfig> ResolveLockConfig(const Json& yaml_lock, const LockOverrides& flags,
                                     const EnvLookup& env) {
  LockConfig config;
  const Json yaml = yaml_lock.is_object() ? yaml_lock : Json::object();
  const auto [backend, backend_from] =
      Pick({flags.backend, "--lock-backend", "KEYWARD_LOCK_BACKEND"}, yaml.value("backend", Json()),
           "lock.backend", env);
  if (!backend.empty()) {
    auto kind = ParseLockBackend(backend);
    if (!kind)
      return Bad(backend_from, "unknown lock backend '" + backend + "' (local, etcd, azureblob)");
    config.backend = *kind;
  }
  const auto [ttl, ttl_from] = Pick({flags.ttl, "--lock-ttl", "KEYWARD_LOCK_TTL"},
                                    yaml.value("ttl", Json()), "lock.ttl", env);
  if (!ttl.empty()) {
    auto parsed = ParseDuration(ttl);
    if (!parsed || *parsed < std::chrono::seconds(1))
      return Bad(ttl_from, "lock TTL '" + ttl + "' must be a duration of at least 1s, e.g. 15s");
    config.ttl = *parsed;
  }
  KEYWARD_RETURN_IF_ERROR(
      ReadEtcdSettings(yaml.value("etcd", Json::object()), flags, env, &config));
  ReadBlobSettings(yaml.value("azureblob", Json::object()), flags, env, &config);
  KEYWARD_RETURN_IF_ERROR(
      CheckBackendSettings(config, backend_from.empty() ? "keyward.yaml lock" : backend_from));
  return config;
}

Status CheckLockOverrides(const LockOverrides& flags, const EnvLookup& env) {
  // With a complete etcd / azureblob section, only these values can still be wrong.
  const Json complete = {
      {"etcd", {{"endpoints", {"http://checked:2379"}}}},
      {"azureblob", {{"accountUrl", "https://checked"}, {"container", "checked"}}}};
  KEYWARD_RETURN_IF_ERROR(ResolveLockConfig(complete, flags, env));
  return {};
}

Json LockConfigToJson(const LockConfig& config) {
  Json out = {{"backend", LockBackendName(config.backend)}, {"ttl", FormatDuration(config.ttl)}};
  if (config.backend == LockBackendKind::kEtcd) {
    out["etcd"] = {{"endpoints", config.etcd_endpoints}, {"prefix", config.etcd_prefix}};
    if (!config.etcd_ca_file.empty()) out["etcd"]["caFile"] = config.etcd_ca_file;
    if (!config.etcd_cert_file.empty()) out["etcd"]["certFile"] = config.etcd_cert_file;
  } else if (config.backend == LockBackendKind::kAzureBlob) {
    out["azureblob"] = {{"accountUrl", config.blob_account_url},
                        {"container", config.blob_container},
                        {"blob", config.blob_name}};
  }
  return out;
}

}  // namespace keyward::engine
