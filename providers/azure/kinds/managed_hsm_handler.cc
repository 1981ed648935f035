#include "providers/azure/kinds/managed_hsm_handler.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "engine/parallel.h"
#include "providers/azure/kinds/managed_hsm_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

// At most this many ARM calls of one refresh in flight (DESIGN.md §2: bounded concurrency).
constexpr size_t kRefreshParallelism = 8;

std::string ProviderPath(const std::string& subscription, const std::string& rest) {
  return WithApiVersion(SubscriptionPath(subscription) + "/providers/Microsoft.KeyVault/" + rest,
                        kKeyVaultApiVersion);
}

engine::ObservedResource ObservedHsm(const Json& hsm) {
  engine::ObservedResource observed;
  observed.kind = kManagedHsmKind;
  observed.arm_id = hsm.value("id", "");
  std::string name = hsm.value("name", "");
  if (name.empty()) name = ArmIdSegment(observed.arm_id, "managedHSMs");
  observed.address = std::string(kManagedHsmKind) + "/" + name;
  observed.live = hsm;
  observed.fingerprint = FingerprintOfJson(NormalizeManagedHsm(hsm));
  return observed;
}

}  // namespace

engine::ResolveResponse ManagedHsmHandler::Resolve(const engine::ResolveRequest& request) const {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  out.address = std::string(kManagedHsmKind) + "/" + r.name;
  out.arm_id = ManagedHsmArmId(r.subscription, r.resource_group, r.name);
  if (!r.resource_group.empty()) {
    out.references.push_back({std::string(kResourceGroupKind) + "/" + r.resource_group, false,
                              "metadata.resourceGroup"});
  }
  // Names, scope, required fields and ranges are the schema's (schemas/managedhsm.schema.json)
  // and the loader's.
  return out;
}

Change ManagedHsmHandler::PlanChange(const engine::PlanChangeRequest& request) const {
  return PlanManagedHsmChange(request);
}

Result<engine::RefreshResponse> ManagedHsmHandler::Refresh(const engine::RefreshRequest& request,
                                                           const Context& ctx) {
  std::map<std::string, std::string> subscriptions;  // lower -> as written
  for (const engine::DesiredResource* d : request.desired) {
    if (!d->subscription.empty()) subscriptions.emplace(Lower(d->subscription), d->subscription);
  }
  for (const std::string& scope : request.scopes) {
    const std::string s = ArmIdSegment(scope, "subscriptions");
    if (!s.empty()) subscriptions.emplace(Lower(s), s);
  }

  // Per subscription: the live list, then the deleted list (index 2i and 2i+1).
  std::vector<std::string> names;
  std::vector<std::string> paths;
  for (const auto& [lower, s] : subscriptions) {
    names.push_back(s);
    paths.push_back(ProviderPath(s, "managedHSMs"));
    paths.push_back(ProviderPath(s, "deletedManagedHSMs"));
  }
  std::vector<Result<std::vector<Json>>> lists(paths.size());
  engine::ForEachBounded(paths.size(), kRefreshParallelism,
                         [&](size_t i) { lists[i] = client_->ListAll(paths[i], ctx); });

  engine::RefreshResponse out;
  std::set<std::string> seen_ids;  // lower
  for (size_t i = 0; i < lists.size(); ++i) {
    if (!lists[i]) return tl::unexpected(lists[i].error());
    if (i % 2 == 0) {
      for (const Json& hsm : *lists[i]) {
        engine::ObservedResource observed = ObservedHsm(hsm);
        if (observed.arm_id.empty() || !seen_ids.insert(Lower(observed.arm_id)).second) continue;
        out.resources.push_back(std::move(observed));
      }
    } else {
      for (const Json& hsm : *lists[i])
        out.soft_deleted.push_back(SoftDeletedManagedHsmFromArm(hsm, names[i / 2]));
    }
  }

  // HSM names are global: a desired HSM neither live nor soft-deleted in its subscription may
  // still be taken elsewhere. Only those names are checked (no list form exists).
  std::vector<const engine::DesiredResource*> to_check;
  for (const engine::DesiredResource* d : request.desired) {
    if (d->subscription.empty() || d->name.empty()) continue;
    const std::string id = d->arm_id.empty()
                               ? ManagedHsmArmId(d->subscription, d->resource_group, d->name)
                               : d->arm_id;
    if (seen_ids.count(Lower(id))) continue;
    bool soft_deleted = false;
    for (const engine::SoftDeletedResource& sd : out.soft_deleted) {
      if (IEquals(sd.name, d->name) && IEquals(sd.subscription, d->subscription))
        soft_deleted = true;
    }
    if (!soft_deleted) to_check.push_back(d);
  }
  std::vector<Result<ArmResponse>> checks(to_check.size());
  engine::ForEachBounded(to_check.size(), kRefreshParallelism, [&](size_t i) {
    checks[i] = client_->Post(ProviderPath(to_check[i]->subscription, "checkMhsmNameAvailability"),
                              Json{{"name", to_check[i]->name}}, ctx, kSafeToRepeat);
  });
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i]) return tl::unexpected(checks[i].error());
    auto check = ParseNameAvailability(*checks[i]);
    if (!check) return tl::unexpected(check.error());
    const std::string& name = to_check[i]->name;
    if (!check->available)
      out.unavailable_names[ManagedHsmUnavailableNameKey(name)] =
          check->Explain("managed HSM name '" + name + "'");
  }
  return out;
}

Result<ManagedHsmHandler::HsmRef> ManagedHsmHandler::RefOf(const Change& change) const {
  HsmRef ref;
  ref.subscription = ArmIdSegment(change.arm_id, "subscriptions");
  ref.resource_group = ArmIdSegment(change.arm_id, "resourceGroups");
  ref.name = ArmIdSegment(change.arm_id, "managedHSMs");
  if (ref.subscription.empty() || ref.resource_group.empty() || ref.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a managed HSM id: " + change.arm_id);
  }
  ref.path =
      WithApiVersion(ResourceGroupPath(ref.subscription, ref.resource_group) +
                         "/providers/Microsoft.KeyVault/managedHSMs/" + EncodePathSegment(ref.name),
                     kKeyVaultApiVersion);
  return ref;
}

Result<Json> ManagedHsmHandler::Get(const HsmRef& ref, const Context& ctx) {
  auto response = client_->Get(ref.path, ctx);
  if (!response) return tl::unexpected(response.error());
  return std::move(response->body);
}

Status ManagedHsmHandler::WriteAndWait(HttpMethod method, const HsmRef& ref,
                                       const std::optional<Json>& body, const Context& ctx) {
  auto started = client_->Send(method, ref.path, body, ctx);
  if (!started) return tl::unexpected(started.error());
  spdlog::debug("managed HSM {}: waiting for {} ({})", ref.name, started->status,
                started->provisioning_state());
  auto done = client_->PollUntilDone(*started, ref.path, method, ctx);
  if (!done) return tl::unexpected(done.error());
  return {};
}

Result<Json> ManagedHsmHandler::Create(const HsmRef& ref, const Json& desired, const Context& ctx) {
  if (auto put = WriteAndWait(HttpMethod::kPut, ref, BuildManagedHsmCreateBody(desired), ctx);
      !put) {
    return tl::unexpected(put.error());
  }
  return Get(ref, ctx);
}

Result<Json> ManagedHsmHandler::PatchToDesired(const HsmRef& ref, const Json& desired,
                                               const Json& normalized_live, const Context& ctx) {
  const Json patch = BuildManagedHsmPatchBody(desired, normalized_live);
  if (!patch.is_null()) {
    if (auto patched = WriteAndWait(HttpMethod::kPatch, ref, patch, ctx); !patched)
      return tl::unexpected(patched.error());
  }
  return Get(ref, ctx);
}

Result<Json> ManagedHsmHandler::Recover(const HsmRef& ref, const Json& desired,
                                        const Context& ctx) {
  if (auto put = WriteAndWait(HttpMethod::kPut, ref, BuildManagedHsmRecoverBody(desired), ctx);
      !put) {
    return tl::unexpected(put.error());
  }
  // Recover restored the old configuration; converge it to the manifest (azurerm #17375).
  auto recovered = Get(ref, ctx);
  if (!recovered) return recovered;
  return PatchToDesired(ref, desired, NormalizeManagedHsm(*recovered), ctx);
}

Status ManagedHsmHandler::Delete(const HsmRef& ref, const Context& ctx) {
  auto live = Get(ref, ctx);
  if (!live) {
    if (live.error().code == ErrorCode::kNotFound) return {};
    return tl::unexpected(live.error());
  }
  const Json normalized = NormalizeManagedHsm(*live);
  if (!SecondaryRegions(normalized).empty()) {
    // ARM refuses to delete a primary that still has replicas: shrink to the primary first.
    const Json patch = {
        {"properties", {{"regions", Json::array({{{"name", normalized.value("location", "")}}})}}}};
    if (auto shrunk = WriteAndWait(HttpMethod::kPatch, ref, patch, ctx); !shrunk) return shrunk;
  }
  auto deleted = WriteAndWait(HttpMethod::kDelete, ref, std::nullopt, ctx);
  if (!deleted && deleted.error().code != ErrorCode::kNotFound) return deleted;
  return {};
}

Status ManagedHsmHandler::Purge(const HsmRef& ref, const Context& ctx) {
  // The purge URL needs the deleted HSM's location: read it from the deleted list rather than
  // trusting the plan, which may be older than the deletion.
  auto deleted = client_->ListAll(ProviderPath(ref.subscription, "deletedManagedHSMs"), ctx);
  if (!deleted) return tl::unexpected(deleted.error());
  for (const Json& hsm : *deleted) {
    const engine::SoftDeletedResource sd = SoftDeletedManagedHsmFromArm(hsm, ref.subscription);
    if (!IEquals(sd.name, ref.name)) continue;
    if (sd.purge_protection) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "managed HSM " + ref.name +
                           " is soft-deleted with purge protection: the name is reserved until " +
                           sd.scheduled_purge_date);
    }
    const std::string path = WithApiVersion(
        SubscriptionPath(ref.subscription) + "/providers/Microsoft.KeyVault/locations/" +
            EncodePathSegment(sd.location) + "/deletedManagedHSMs/" + EncodePathSegment(ref.name) +
            "/purge",
        kKeyVaultApiVersion);
    auto purge = client_->Post(path, std::nullopt, ctx, kSafeToRepeat);
    // 404: the deleted resource is gone, i.e. purged. An earlier try of this POST was lost after
    // ARM had accepted it and the pipeline retried (retry.h): the purge is done, not failed.
    if (!purge && purge.error().code == ErrorCode::kNotFound) return {};
    if (!purge) return tl::unexpected(purge.error());
    spdlog::debug("managed HSM {}: waiting for purge", ref.name);
    auto done = client_->PollUntilDone(*purge, path, HttpMethod::kPost, ctx);
    if (!done) return tl::unexpected(done.error());
    return {};
  }
  return {};  // nothing to purge (already gone)
}

Result<engine::ApplyResponse> ManagedHsmHandler::Apply(const engine::ApplyRequest& request,
                                                       const Context& ctx) {
  const Change& change = *request.change;
  auto ref = RefOf(change);
  if (!ref) return tl::unexpected(ref.error());

  Result<Json> live = Json();
  switch (change.action) {
    case Action::kNoOp:
      live = Get(*ref, ctx);
      break;
    case Action::kCreate:
      live = Create(*ref, change.after, ctx);
      break;
    case Action::kUpdate:
    case Action::kAdopt:
      live = PatchToDesired(*ref, change.after,
                            change.before.is_null() ? Json() : NormalizeManagedHsm(change.before),
                            ctx);
      break;
    case Action::kRecover:
      live = Recover(*ref, change.after, ctx);
      break;
    case Action::kPurgeThenCreate:
      if (auto purged = Purge(*ref, ctx); !purged) return tl::unexpected(purged.error());
      live = Create(*ref, change.after, ctx);
      break;
    case Action::kDelete:
      // The HSM becomes a soft-deleted proxy (deletedManagedHSMs).
      if (auto deleted = Delete(*ref, ctx); !deleted) return tl::unexpected(deleted.error());
      return engine::ApplyResponse{};
    case Action::kReplace:
      // The soft-deleted HSM keeps holding the name, so replace = delete, purge, create.
      if (auto deleted = Delete(*ref, ctx); !deleted) return tl::unexpected(deleted.error());
      if (auto purged = Purge(*ref, ctx); !purged) return tl::unexpected(purged.error());
      live = Create(*ref, change.after, ctx);
      break;
    default:
      return MakeError(ErrorCode::kFailedPrecondition, std::string("managed HSM: action ") +
                                                           engine::ActionName(change.action) +
                                                           " cannot be applied");
  }
  if (!live) return tl::unexpected(live.error());
  engine::ApplyResponse out;
  out.live = std::move(*live);
  out.fingerprint = FingerprintOfJson(NormalizeManagedHsm(out.live));
  return out;
}

}  // namespace keyward::azure
