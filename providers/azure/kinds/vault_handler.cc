#include "providers/azure/kinds/vault_handler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "engine/parallel.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

std::string ListVaultsPath(const std::string& subscription, const std::string& resource_group) {
  const std::string scope = resource_group.empty()
                                ? SubscriptionPath(subscription)
                                : ResourceGroupPath(subscription, resource_group);
  return WithApiVersion(scope + "/providers/Microsoft.KeyVault/vaults", kKeyVaultApiVersion);
}

// The plan found the vault's provisioning Failed (vault_model.cc).
bool ProvisioningFailedIn(const Change& change) {
  for (const engine::FieldChange& fc : change.field_changes)
    if (fc.path == kProvisioningStatePath) return true;
  return false;
}

// At most this many ARM calls of one refresh in flight (DESIGN.md §2: bounded concurrency).
constexpr size_t kRefreshParallelism = 8;

// Runs call(0..count-1) on up to kRefreshParallelism threads; results in index order.
template <class T>
std::vector<Result<T>> RunBounded(size_t count, const std::function<Result<T>(size_t)>& call) {
  std::vector<Result<T>> results(count);
  engine::ForEachBounded(count, kRefreshParallelism, [&](size_t i) { results[i] = call(i); });
  return results;
}

engine::ObservedResource ObservedVault(const Json& vault) {
  engine::ObservedResource observed;
  observed.kind = kVaultKind;
  observed.arm_id = vault.value("id", "");
  std::string name = vault.value("name", "");
  if (name.empty()) name = ArmIdSegment(observed.arm_id, "vaults");
  observed.address = std::string(kVaultKind) + "/" + name;
  observed.live = vault;
  observed.fingerprint = FingerprintOfJson(NormalizeVault(vault));
  return observed;
}

Result<Json> BodyOrError(Result<ArmResponse> response) {
  if (!response) return tl::unexpected(response.error());
  return std::move(response->body);
}

}  // namespace

engine::ResolveResponse VaultHandler::Resolve(const engine::ResolveRequest& request) const {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  out.address = std::string(kVaultKind) + "/" + r.name;
  out.arm_id = VaultArmId(r.subscription, r.resource_group, r.name);
  // The resource group may be managed elsewhere (or by hand): an edge only if it is in the set.
  if (!r.resource_group.empty()) {
    out.references.push_back({std::string(kResourceGroupKind) + "/" + r.resource_group, false,
                              "metadata.resourceGroup"});
  }
  auto where = [&](const std::string& field) {
    auto it = r.field_locations.find(field);
    return it != r.field_locations.end() ? it->second : r.location;
  };
  // Names, scope, required fields and ranges are the schema's (schemas/vault.schema.json) and the
  // loader's; only rules across fields are checked here.
  const Json* protection = FindKey(r.spec, "enablePurgeProtection");
  const Json* soft_delete = FindKey(r.spec, "enableSoftDelete");
  if (protection && protection->is_boolean() && protection->get<bool>() && soft_delete &&
      soft_delete->is_boolean() && !soft_delete->get<bool>()) {
    out.diagnostics.Error(where("spec.enablePurgeProtection"),
                          out.address + ": enablePurgeProtection requires enableSoftDelete");
  }
  return out;
}

Change VaultHandler::PlanChange(const engine::PlanChangeRequest& request) const {
  return PlanVaultChange(request);
}

Result<engine::RefreshResponse> VaultHandler::Refresh(const engine::RefreshRequest& request,
                                                      const Context& ctx) {
  // Scopes to list, deduplicated case-insensitively (ARM names and GUIDs are). A subscription-wide
  // scope makes the resource-group lists in that subscription redundant.
  std::map<std::string, std::string> subscriptions;                   // lower -> as written
  std::map<std::string, std::pair<std::string, std::string>> groups;  // lower "s/rg" -> (s, rg)
  std::set<std::string> whole_subscriptions;                          // lower
  for (const engine::DesiredResource* d : request.desired) {
    if (d->subscription.empty()) continue;
    subscriptions.emplace(Lower(d->subscription), d->subscription);
    if (!d->resource_group.empty()) {
      groups.emplace(Lower(d->subscription + "/" + d->resource_group),
                     std::make_pair(d->subscription, d->resource_group));
    }
  }
  for (const std::string& scope : request.scopes) {
    const std::string s = ArmIdSegment(scope, "subscriptions");
    if (s.empty()) continue;
    subscriptions.emplace(Lower(s), s);
    const std::string rg = ArmIdSegment(scope, "resourceGroups");
    if (rg.empty()) {
      whole_subscriptions.insert(Lower(s));
    } else {
      groups.emplace(Lower(s + "/" + rg), std::make_pair(s, rg));
    }
  }

  // Phase 1: every list call, at most kRefreshParallelism in flight (the ArmClient is
  // thread-safe and paces itself per subscription). Results are merged in a fixed order, so the
  // response does not depend on which call finished first.
  std::vector<std::string> list_paths;
  std::vector<bool> missing_ok;  // a resource group that does not exist yet has no vaults
  for (const std::string& s : whole_subscriptions) {
    list_paths.push_back(ListVaultsPath(subscriptions[s], ""));
    missing_ok.push_back(false);
  }
  for (const auto& [key, scope] : groups) {
    if (whole_subscriptions.count(Lower(scope.first))) continue;
    list_paths.push_back(ListVaultsPath(scope.first, scope.second));
    missing_ok.push_back(true);
  }
  const size_t vault_lists = list_paths.size();
  std::vector<std::string> deleted_subscriptions;
  for (const auto& [lower, s] : subscriptions) {
    list_paths.push_back(WithApiVersion(
        SubscriptionPath(s) + "/providers/Microsoft.KeyVault/deletedVaults", kKeyVaultApiVersion));
    missing_ok.push_back(false);
    deleted_subscriptions.push_back(s);
  }
  std::vector<Result<std::vector<Json>>> lists = RunBounded<std::vector<Json>>(
      list_paths.size(), [&](size_t i) { return client_->ListAll(list_paths[i], ctx); });

  engine::RefreshResponse out;
  std::set<std::string> seen_ids;  // lower
  for (size_t i = 0; i < lists.size(); ++i) {
    if (!lists[i]) {
      if (missing_ok[i] && lists[i].error().code == ErrorCode::kNotFound) continue;
      return tl::unexpected(lists[i].error());
    }
    if (i < vault_lists) {
      for (const Json& vault : *lists[i]) {
        engine::ObservedResource observed = ObservedVault(vault);
        if (observed.arm_id.empty() || !seen_ids.insert(Lower(observed.arm_id)).second) continue;
        out.resources.push_back(std::move(observed));
      }
    } else {
      const std::string& s = deleted_subscriptions[i - vault_lists];
      for (const Json& vault : *lists[i])
        out.soft_deleted.push_back(SoftDeletedVaultFromArm(vault, s));
    }
  }

  // Phase 2: vault names are global, so a desired vault that is neither live here nor
  // soft-deleted in its subscription may still be taken by someone else. Only these few names
  // are checked (checkNameAvailability has no list form).
  std::vector<const engine::DesiredResource*> to_check;
  for (const engine::DesiredResource* d : request.desired) {
    if (d->subscription.empty() || d->name.empty()) continue;
    const std::string id =
        d->arm_id.empty() ? VaultArmId(d->subscription, d->resource_group, d->name) : d->arm_id;
    if (seen_ids.count(Lower(id))) continue;
    bool soft_deleted = false;
    for (const engine::SoftDeletedResource& sd : out.soft_deleted) {
      if (IEquals(sd.name, d->name) && IEquals(sd.subscription, d->subscription))
        soft_deleted = true;
    }
    if (!soft_deleted) to_check.push_back(d);
  }
  std::vector<Result<ArmResponse>> checks = RunBounded<ArmResponse>(to_check.size(), [&](size_t i) {
    const engine::DesiredResource* d = to_check[i];
    return client_->Post(WithApiVersion(SubscriptionPath(d->subscription) +
                                            "/providers/Microsoft.KeyVault/checkNameAvailability",
                                        kKeyVaultApiVersion),
                         Json{{"name", d->name}, {"type", "Microsoft.KeyVault/vaults"}}, ctx,
                         kSafeToRepeat);  // a read: a 502 must not fail the refresh
  });
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i]) return tl::unexpected(checks[i].error());
    auto check = ParseNameAvailability(*checks[i]);
    if (!check) return tl::unexpected(check.error());
    const std::string& name = to_check[i]->name;
    if (!check->available)
      out.unavailable_names[UnavailableNameKey(name)] = check->Explain("vault name '" + name + "'");
  }
  return out;
}

Result<VaultHandler::VaultRef> VaultHandler::RefOf(const Change& change) const {
  VaultRef ref;
  ref.subscription = ArmIdSegment(change.arm_id, "subscriptions");
  ref.resource_group = ArmIdSegment(change.arm_id, "resourceGroups");
  ref.name = ArmIdSegment(change.arm_id, "vaults");
  if (ref.subscription.empty() || ref.resource_group.empty() || ref.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a vault id: " + change.arm_id);
  }
  ref.path = WithApiVersion(VaultPath(ref.subscription, ref.resource_group, ref.name),
                            kKeyVaultApiVersion);
  return ref;
}

Result<Json> VaultHandler::Get(const VaultRef& ref, const Context& ctx) {
  return BodyOrError(client_->Get(ref.path, ctx));
}

Result<Json> VaultHandler::Create(const VaultRef& ref, const Json& desired, const Context& ctx) {
  // Body polling: RegisteringDns -> Succeeded. Safe to repeat: nothing else writes to the vault
  // before it is provisioned (its children wait for it), so a second PUT of the same body is the
  // same vault; a provisioning that failed on the service's side is tried once more (arm_client.h).
  auto done = client_->SendAndWait(HttpMethod::kPut, ref.path, BuildVaultCreateBody(desired), ctx,
                                   kSafeToRepeat);
  if (!done) return tl::unexpected(done.error());
  return Get(ref, ctx);
}

Result<Json> VaultHandler::PatchToDesired(const VaultRef& ref, const Json& desired,
                                          const Json& normalized_live, const Context& ctx) {
  const Json patch = BuildVaultPatchBody(desired, normalized_live);
  if (!patch.is_null()) {
    auto patched = client_->Patch(ref.path, patch, ctx, kSafeToRepeat);  // absolute values
    if (!patched) return tl::unexpected(patched.error());
  }
  return Get(ref, ctx);
}

Result<Json> VaultHandler::Reprovision(const VaultRef& ref, const Json& desired,
                                       const Context& ctx) {
  // Every managed property (a PATCH, so the access policies stay; absolute values, so safe to
  // repeat), then body polling: RegisteringDns -> Succeeded, or Failed again, which is tried once
  // more (arm_client.h) before it is an error and the next apply tries again.
  auto done = client_->SendAndWait(HttpMethod::kPatch, ref.path,
                                   BuildVaultPatchBody(desired, Json()), ctx, kSafeToRepeat);
  if (!done) return tl::unexpected(done.error());
  return Get(ref, ctx);
}

Result<Json> VaultHandler::Recover(const VaultRef& ref, const Json& desired, const Context& ctx) {
  auto put = client_->Put(ref.path, BuildVaultRecoverBody(desired), ctx);
  if (!put) return tl::unexpected(put.error());
  spdlog::debug("vault {}: waiting for recovery ({})", ref.name, put->provisioning_state());
  auto done = client_->PollUntilDone(*put, ref.path, HttpMethod::kPut, ctx);
  if (!done) return tl::unexpected(done.error());
  // Recover restored the old configuration; converge it to the manifest (azurerm #17375).
  auto recovered = Get(ref, ctx);
  if (!recovered) return recovered;
  return PatchToDesired(ref, desired, NormalizeVault(*recovered), ctx);
}

Status VaultHandler::Purge(const VaultRef& ref, const Context& ctx) {
  // The purge URL needs the deleted vault's location; read it from the deleted list rather than
  // trusting the plan, which may be older than the deletion.
  auto deleted = client_->ListAll(WithApiVersion(SubscriptionPath(ref.subscription) +
                                                     "/providers/Microsoft.KeyVault/deletedVaults",
                                                 kKeyVaultApiVersion),
                                  ctx);
  if (!deleted) return tl::unexpected(deleted.error());
  for (const Json& vault : *deleted) {
    const engine::SoftDeletedResource sd = SoftDeletedVaultFromArm(vault, ref.subscription);
    if (!IEquals(sd.name, ref.name)) continue;
    if (sd.purge_protection) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "vault " + ref.name +
                           " is soft-deleted with purge protection: the name is reserved until " +
                           sd.scheduled_purge_date);
    }
    const std::string path = WithApiVersion(
        JoinPath(DeletedVaultPath(ref.subscription, sd.location, ref.name), {"purge"}),
        kKeyVaultApiVersion);
    auto purge = client_->Post(path, std::nullopt, ctx, kSafeToRepeat);
    // 404: the deleted resource is gone, i.e. purged. An earlier try of this POST was lost after
    // ARM had accepted it and the pipeline retried (retry.h): the purge is done, not failed.
    if (!purge && purge.error().code == ErrorCode::kNotFound) return {};
    if (!purge) return tl::unexpected(purge.error());
    spdlog::debug("vault {}: waiting for purge", ref.name);
    auto done = client_->PollUntilDone(*purge, path, HttpMethod::kPost, ctx);
    if (!done) return tl::unexpected(done.error());
    return {};
  }
  return {};  // nothing to purge (already gone)
}

Result<engine::ApplyResponse> VaultHandler::Apply(const engine::ApplyRequest& request,
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
      // Never a full PUT: it would replace the access policy list.
      live = ProvisioningFailedIn(change)
                 ? Reprovision(*ref, change.after, ctx)
                 : PatchToDesired(*ref, change.after,
                                  change.before.is_null() ? Json() : NormalizeVault(change.before),
                                  ctx);
      break;
    case Action::kRecover:
      live = Recover(*ref, change.after, ctx);
      break;
    case Action::kPurgeThenCreate: {
      if (auto purged = Purge(*ref, ctx); !purged) return tl::unexpected(purged.error());
      live = Create(*ref, change.after, ctx);
      break;
    }
    case Action::kDelete: {
      // Synchronous 200/204; the vault becomes a soft-deleted proxy.
      auto deleted = client_->Delete(ref->path, ctx);
      if (!deleted && deleted.error().code != ErrorCode::kNotFound)
        return tl::unexpected(deleted.error());
      return engine::ApplyResponse{};
    }
    case Action::kReplace: {
      // Delete soft-deletes and the deleted vault keeps holding the name (a create would fail
      // with ConflictError), so replace = delete, purge, create.
      auto deleted = client_->Delete(ref->path, ctx);
      if (!deleted && deleted.error().code != ErrorCode::kNotFound)
        return tl::unexpected(deleted.error());
      if (auto purged = Purge(*ref, ctx); !purged) return tl::unexpected(purged.error());
      live = Create(*ref, change.after, ctx);
      break;
    }
    default:
      return MakeError(
          ErrorCode::kFailedPrecondition,
          std::string("vault: action ") + engine::ActionName(change.action) + " cannot be applied");
  }
  if (!live) return tl::unexpected(live.error());
  engine::ApplyResponse out;
  out.live = std::move(*live);
  out.fingerprint = FingerprintOfJson(NormalizeVault(out.live));
  return out;
}

}  // namespace keyward::azure
