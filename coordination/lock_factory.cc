#include "coordination/lock_factory.h"

#include "coordination/blob_lock.h"
#include "coordination/codec.h"
#include "coordination/etcd_lock.h"
#include "coordination/local_lock.h"

namespace keyward::coordination {

Result<std::shared_ptr<LockBackend>> MakeLockBackend(const engine::LockConfig& config,
                                                     const LockBackendDeps& deps) {
  auto env = [&](const char* name) { return deps.env ? deps.env(name) : std::string(); };
  switch (config.backend) {
    case engine::LockBackendKind::kLocal:
      return std::shared_ptr<LockBackend>(std::make_shared<LocalLockBackend>(deps.state_dir));
    case engine::LockBackendKind::kEtcd: {
      EtcdOptions options;
      options.endpoints = config.etcd_endpoints;
      options.tls = {config.etcd_ca_file, config.etcd_cert_file, config.etcd_key_file};
      options.user = env("KEYWARD_LOCK_ETCD_USER");
      options.password = env("KEYWARD_LOCK_ETCD_PASSWORD");
      KEYWARD_ASSIGN_OR_RETURN(auto client, EtcdClient::Make(std::move(options)));
      return std::shared_ptr<LockBackend>(
          std::make_shared<EtcdLockBackend>(client, config.etcd_prefix, config.ttl, deps.clock));
    }
    case engine::LockBackendKind::kAzureBlob: {
      BlobAuth auth;
      if (std::string sas = env("AZURE_STORAGE_SAS_TOKEN"); !sas.empty()) {
        auth.kind = BlobAuth::Kind::kSas;
        auth.sas = sas.front() == '?' ? sas.substr(1) : sas;
      } else if (std::string key = env("AZURE_STORAGE_KEY"); !key.empty()) {
        auto decoded = Base64Decode(key);
        if (!decoded || decoded->empty())
          return MakeError(ErrorCode::kInvalidArgument,
                           "AZURE_STORAGE_KEY is not a base64 storage account key");
        auth.kind = BlobAuth::Kind::kSharedKey;
        auth.key = *decoded;
        auth.account = env("AZURE_STORAGE_ACCOUNT");
      } else {
        auth.kind = BlobAuth::Kind::kBearer;
        auth.bearer = deps.storage_token;
      }
      auto backend =
          BlobLockBackend::Make(config.blob_account_url, config.blob_container, config.blob_name,
                                std::move(auth), config.ttl, {}, deps.clock);
      if (!backend) return tl::unexpected(backend.error());
      return std::shared_ptr<LockBackend>(*backend);
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown lock backend");
}

}  // namespace keyward::coordination
