#include "providers/azure/kinds/secret_handler.h"

#include <openssl/crypto.h>

#include "providers/azure/kinds/child_refresh.h"
#include "providers/azure/kinds/secret_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

engine::ObservedResource ObservedSecret(const Json& secret) {
  engine::ObservedResource observed;
  observed.kind = kSecretKind;
  observed.arm_id = secret.value("id", "");
  std::string name = secret.value("name", "");
  // List items name the secret "vault/secret" in some API versions; the id is authoritative.
  const std::string from_id = ArmIdSegment(observed.arm_id, "secrets");
  if (!from_id.empty()) name = from_id;
  observed.address =
      std::string(kSecretKind) + "/" + ArmIdSegment(observed.arm_id, "vaults") + "/" + name;
  observed.live = secret;
  observed.fingerprint = FingerprintOfJson(NormalizeSecret(secret));
  return observed;
}

Result<Json> BodyOrError(Result<ArmResponse> response) {
  if (!response) return tl::unexpected(response.error());
  return std::move(response->body);
}

// The vault id in a secret id ("" when it is not one).
std::string VaultIdOf(const std::string& secret_id) {
  const size_t pos = Lower(secret_id).rfind("/secrets/");
  return pos == std::string::npos ? std::string() : secret_id.substr(0, pos);
}

}  // namespace

SecretHandler::SecretHandler(std::shared_ptr<ArmClient> client,
                             std::shared_ptr<engine::FileReader> files,
                             std::shared_ptr<const engine::Environment> env)
    : KindHandler(std::move(client), SecretDescriptor()),
      files_(files ? std::move(files) : std::make_shared<engine::RealFileReader>()),
      env_(env ? std::move(env) : std::make_shared<engine::RealEnvironment>()) {}

Result<engine::RefreshResponse> SecretHandler::Refresh(const engine::RefreshRequest& request,
                                                       const Context& ctx) {
  const std::vector<ParentToList> vaults = ParentsToList(
      request, kVaultKind, [](const engine::DesiredResource& d) { return VaultIdOf(d.arm_id); });
  KEYWARD_ASSIGN_OR_RETURN(auto listed,
                           ListUnderParents(*client_, vaults, "secrets", request.parallelism, ctx));
  engine::RefreshResponse out;
  for (const Json& secret : listed) {
    engine::ObservedResource observed = ObservedSecret(secret);
    if (!observed.arm_id.empty()) out.resources.push_back(std::move(observed));
  }
  return out;
}

Result<Json> SecretHandler::PutValue(const engine::ApplyRequest& request, const std::string& path,
                                     const Context& ctx) {
  const Change& change = *request.change;
  if (!request.desired) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     change.address + ": writing a secret value needs its manifest (valueFrom)");
  }
  engine::StackConfig defaults;
  const engine::StackConfig& config = request.config ? *request.config : defaults;
  KEYWARD_ASSIGN_OR_RETURN(auto key, engine::ReadFingerprintKey(config, *env_));
  auto value = engine::ReadSecretValueOf(*request.desired, config, *files_, *env_);
  if (!value) {
    return MakeError(value.error().code,
                     change.address + ": cannot read the secret value: " + value.error().message);
  }
  const std::string planned = ValueFingerprintOf(change.after);
  const std::string now = engine::ValueFingerprint(key.reveal(), value->reveal());
  if (now != planned) {
    const bool rotated = engine::KeyIdOf(now) != engine::KeyIdOf(planned);
    return MakeError(
        ErrorCode::kAborted,
        change.address +
            (rotated ? ": the fingerprint key changed" : ": the source value changed") +
            " since the plan was made; nothing was written. Plan again and review "
            "the new plan");
  }
  Json body = BuildSecretPutBody(change.after, change.before, value->reveal());
  RequestOptions options;
  options.sensitive = true;
  auto put = client_->Put(path, body, ctx, options);
  std::string& sent = body["properties"]["value"].get_ref<std::string&>();
  OPENSSL_cleanse(sent.data(), sent.size());
  if (!put) return tl::unexpected(put.error());
  return BodyOrError(client_->Get(path, ctx));
}

Result<engine::ApplyResponse> SecretHandler::Apply(const engine::ApplyRequest& request,
                                                   const Context& ctx) {
  const Change& change = *request.change;
  if (VaultIdOf(change.arm_id).empty())
    return MakeError(ErrorCode::kInvalidArgument, "not a secret id: " + change.arm_id);
  const std::string path = WithApiVersion(change.arm_id, kKeyVaultApiVersion);

  Result<Json> live = Json();
  switch (change.action) {
    case Action::kNoOp:
      live = BodyOrError(client_->Get(path, ctx));
      break;
    case Action::kCreate:
    case Action::kUpdate:
    case Action::kAdopt:
      if (WritesValue(change)) {
        live = PutValue(request, path, ctx);
      } else {
        const Json patch = BuildSecretPatchBody(change.after, change.before);
        if (!patch.is_null()) {
          KEYWARD_RETURN_IF_ERROR(client_->Patch(path, patch, ctx));
        }
        live = BodyOrError(client_->Get(path, ctx));
      }
      break;
    default:
      return MakeError(ErrorCode::kFailedPrecondition,
                       change.address + ": action " + engine::ActionName(change.action) +
                           " cannot be applied to a secret (ARM has no delete for secrets)");
  }
  if (!live) return tl::unexpected(live.error());
  engine::ApplyResponse out;
  out.live = std::move(*live);
  out.fingerprint = FingerprintOfJson(NormalizeSecret(out.live));
  return out;
}

}  // namespace keyward::azure
