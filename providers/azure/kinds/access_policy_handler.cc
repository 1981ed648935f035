#include "providers/azure/kinds/access_policy_handler.h"

#include <map>
#include <set>

#include "engine/diff.h"
#include "engine/parallel.h"
#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

struct VaultRef {
  std::string subscription, resource_group, name;
  std::string path;  // with api-version
};

Result<VaultRef> VaultRefOf(const std::string& vault_id) {
  VaultRef ref;
  ref.subscription = ArmIdSegment(vault_id, "subscriptions");
  ref.resource_group = ArmIdSegment(vault_id, "resourceGroups");
  ref.name = ArmIdSegment(vault_id, "vaults");
  if (ref.subscription.empty() || ref.resource_group.empty() || ref.name.empty())
    return MakeError(ErrorCode::kInvalidArgument, "not a vault id: " + vault_id);
  ref.path = WithApiVersion(VaultPath(ref.subscription, ref.resource_group, ref.name),
                            kKeyVaultApiVersion);
  return ref;
}

// The entry with `identity` in a vault's live list; null when absent.
Json FindEntry(const Json& vault, const Json& identity) {
  const Json* props = FindKey(vault, "properties");
  const Json* entries = props ? FindKey(*props, "accessPolicies") : nullptr;
  if (!entries || !entries->is_array()) return Json();
  for (const Json& entry : *entries)
    if (SameAccessPolicyIdentity(entry, identity)) return entry;
  return Json();
}

}  // namespace

AccessPolicyHandler::AccessPolicyHandler(std::shared_ptr<ArmClient> client)
    : KindHandler(std::move(client), AccessPolicyDescriptor()) {}

Result<engine::RefreshResponse> AccessPolicyHandler::Refresh(const engine::RefreshRequest& request,
                                                             const Context& ctx) {
  // Vaults whose entries matter, by lowercase id: named by a desired entry, or exclusive.
  struct Interest {
    std::string vault_id;
    bool exclusive = false;
    bool managed = false;       // declared as a Vault in the manifests (and not skipped)
    std::string first_address;  // a desired entry naming it, for error messages
  };
  std::map<std::string, Interest> vaults;
  for (const engine::DesiredResource* d : request.desired) {
    const std::string vault_id = VaultIdOfAccessPolicy(d->arm_id);
    if (vault_id.empty()) continue;
    Interest& interest = vaults[Lower(vault_id)];
    interest.vault_id = vault_id;
    if (interest.first_address.empty()) interest.first_address = d->address;
  }
  if (request.desired_set) {
    for (const engine::DesiredResource& d : request.desired_set->resources) {
      if (d.kind != kVaultKind || d.arm_id.empty()) continue;
      // A skipped vault is ignored entirely, exclusive or not.
      const bool exclusive =
          d.policy != engine::ReconcilePolicy::kSkip && DeclaresExclusiveAccessPolicies(d.spec);
      auto it = vaults.find(Lower(d.arm_id));
      if (it == vaults.end() && !exclusive) continue;
      Interest& interest = vaults[Lower(d.arm_id)];
      interest.vault_id = d.arm_id;
      // A skipped vault is not refreshed by the Vault kind: read it like an unmanaged one.
      interest.managed = d.policy != engine::ReconcilePolicy::kSkip;
      interest.exclusive = exclusive;
    }
  }

  // Export reads the entries of every observed vault; they came with the vault list.
  if (request.all_in_scope && request.parents) {
    for (const engine::ObservedResource& o : request.parents->resources) {
      if (o.kind != kVaultKind) continue;
      Interest& interest = vaults[Lower(o.arm_id)];
      interest.vault_id = o.arm_id;
      interest.managed = true;
    }
  }

  engine::RefreshResponse out;
  std::vector<std::string> to_get;  // unmanaged vaults the Vault refresh did not list
  for (const auto& [key, interest] : vaults) {
    const engine::ObservedResource* vault =
        request.parents ? request.parents->FindById(interest.vault_id) : nullptr;
    if (vault && vault->kind == kVaultKind) {
      for (auto& o : ObservedAccessPolicies(vault->live, interest.exclusive))
        out.resources.push_back(std::move(o));
    } else if (!interest.managed) {
      to_get.push_back(key);
    }
    // A managed vault that is not live yet has no entries (it is created by this plan).
  }

  std::vector<Result<ArmResponse>> gets(to_get.size(), MakeError(ErrorCode::kInternal, "not run"));
  engine::ForEachBounded(to_get.size(), request.parallelism, [&](size_t i) {
    auto ref = VaultRefOf(vaults.at(to_get[i]).vault_id);
    gets[i] = ref ? client_->Get(ref->path, ctx) : Result<ArmResponse>(tl::unexpected(ref.error()));
  });
  for (size_t i = 0; i < to_get.size(); ++i) {
    const Interest& interest = vaults.at(to_get[i]);
    if (!gets[i]) {
      Error error = gets[i].error();
      if (error.code == ErrorCode::kNotFound) {
        error.message = "vault " + interest.vault_id + " named by " + interest.first_address +
                        " (spec.vault) does not exist: " + error.message;
      }
      return tl::unexpected(std::move(error));
    }
    for (auto& o : ObservedAccessPolicies(gets[i]->body, interest.exclusive))
      out.resources.push_back(std::move(o));
  }
  return out;
}

Status AccessPolicyHandler::Write(const std::string& vault_path, const char* operation,
                                  const Json& body, const Context& ctx) {
  // Path without the api-version query: rebuild it with the operation segment.
  const std::string base = vault_path.substr(0, vault_path.find('?'));
  KEYWARD_RETURN_IF_ERROR(client_->Put(
      WithApiVersion(JoinPath(base, {"accessPolicies", operation}), kKeyVaultApiVersion), body,
      ctx));
  return {};
}

Result<engine::ApplyResponse> AccessPolicyHandler::Apply(const engine::ApplyRequest& request,
                                                         const Context& ctx) {
  const Change& change = *request.change;
  KEYWARD_ASSIGN_OR_RETURN(auto ref, VaultRefOf(VaultIdOfAccessPolicy(change.arm_id)));
  const Json& identity = change.after.is_null() ? change.before : change.after;
  if (!identity.is_object())
    return MakeError(ErrorCode::kInvalidArgument, change.address + ": the plan has no entry");

  switch (change.action) {
    case Action::kNoOp:
      break;
    case Action::kCreate:
    case Action::kUpdate: {
      // add merges: it grants what is missing and keeps the rest; remove then takes away what
      // the manifest no longer grants. Granting first never leaves the principal without access.
      KEYWARD_RETURN_IF_ERROR(Write(ref.path, "add", BuildAddBody(change.after), ctx));
      const Json drop = PermissionsToRemove(change.after, change.before);
      if (!drop.is_null()) {
        KEYWARD_RETURN_IF_ERROR(
            Write(ref.path, "remove", BuildRemoveBody(change.after, drop), ctx));
      }
      break;
    }
    case Action::kDelete: {
      const Json all = PermissionsToRemove(Json(), change.before);
      auto removed =
          Write(ref.path, "remove",
                BuildRemoveBody(change.before, all.is_null() ? Json::object() : all), ctx);
      // The vault being gone means the entry is gone too.
      if (!removed && removed.error().code != ErrorCode::kNotFound)
        return tl::unexpected(removed.error());
      break;
    }
    default:
      return MakeError(ErrorCode::kFailedPrecondition, std::string("access policy: action ") +
                                                           engine::ActionName(change.action) +
                                                           " cannot be applied");
  }

  auto vault = client_->Get(ref.path, ctx);
  if (!vault) {
    if (change.action == Action::kDelete && vault.error().code == ErrorCode::kNotFound)
      return engine::ApplyResponse{};
    return tl::unexpected(vault.error());
  }
  engine::ApplyResponse out;
  out.live = FindEntry(vault->body, identity);
  out.fingerprint = FingerprintOfJson(NormalizeAccessPolicy(out.live));
  return out;
}

}  // namespace keyward::azure
