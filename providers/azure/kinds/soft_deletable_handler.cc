#include "providers/azure/kinds/soft_deletable_handler.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "engine/parallel.h"
#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/soft_delete_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

engine::ObservedResource Observed(const SoftDeletableKind& kind, const Json& live) {
  engine::ObservedResource observed;
  observed.kind = kind.kind;
  observed.arm_id = live.value("id", "");
  std::string name = live.value("name", "");
  if (name.empty()) name = ArmIdSegment(observed.arm_id, kind.collection);
  observed.address = std::string(kind.kind) + "/" + name;
  observed.live = live;
  observed.fingerprint = FingerprintOfJson(kind.normalize(live));
  return observed;
}

std::string ProviderPathOf(const std::string& subscription, const std::string& rest) {
  return WithApiVersion(SubscriptionPath(subscription) + "/providers/Microsoft.KeyVault/" + rest,
                        kKeyVaultApiVersion);
}

// The scopes one refresh lists, deduplicated case-insensitively (ARM names and GUIDs are). A
// subscription-wide scope makes the resource-group lists in that subscription redundant.
struct Scopes {
  std::map<std::string, std::string> subscriptions;                   // lower -> as written
  std::map<std::string, std::pair<std::string, std::string>> groups;  // lower "s/rg" -> (s, rg)
  std::set<std::string> whole_subscriptions;                          // lower
};

Scopes ScopesToList(const engine::RefreshRequest& request, bool per_subscription) {
  Scopes out;
  for (const engine::DesiredResource* d : request.desired) {
    if (d->subscription.empty()) continue;
    out.subscriptions.emplace(Lower(d->subscription), d->subscription);
    if (per_subscription) {
      out.whole_subscriptions.insert(Lower(d->subscription));
    } else if (!d->resource_group.empty()) {
      out.groups.emplace(Lower(d->subscription + "/" + d->resource_group),
                         std::make_pair(d->subscription, d->resource_group));
    }
  }
  for (const std::string& scope : request.scopes) {
    const std::string s = ArmIdSegment(scope, "subscriptions");
    if (s.empty()) continue;
    out.subscriptions.emplace(Lower(s), s);
    const std::string rg = ArmIdSegment(scope, "resourceGroups");
    if (rg.empty() || per_subscription) {
      out.whole_subscriptions.insert(Lower(s));
    } else {
      out.groups.emplace(Lower(s + "/" + rg), std::make_pair(s, rg));
    }
  }
  return out;
}

// Phase 1: every live and deleted list call. Results are merged in a fixed order, so the response
// does not depend on which call finished first. `seen_ids` receives the live ids (lowercase).
Result<engine::RefreshResponse> ListScopes(ArmClient& client, const SoftDeletableKind& kind,
                                           const Scopes& scopes, size_t parallelism,
                                           const Context& ctx, std::set<std::string>* seen_ids) {
  std::vector<std::string> list_paths;
  std::vector<bool> missing_ok;  // a resource group that does not exist yet has no resources
  for (const std::string& s : scopes.whole_subscriptions) {
    list_paths.push_back(ProviderPathOf(scopes.subscriptions.at(s), kind.collection));
    missing_ok.push_back(false);
  }
  for (const auto& [key, scope] : scopes.groups) {
    if (scopes.whole_subscriptions.count(Lower(scope.first))) continue;
    list_paths.push_back(WithApiVersion(ResourceGroupPath(scope.first, scope.second) +
                                            "/providers/Microsoft.KeyVault/" + kind.collection,
                                        kKeyVaultApiVersion));
    missing_ok.push_back(true);
  }
  const size_t live_lists = list_paths.size();
  std::vector<std::string> deleted_subscriptions;
  for (const auto& [lower, s] : scopes.subscriptions) {
    list_paths.push_back(ProviderPathOf(s, kind.deleted_collection));
    missing_ok.push_back(false);
    deleted_subscriptions.push_back(s);
  }
  std::vector<Result<std::vector<Json>>> lists(list_paths.size());
  engine::ForEachBounded(list_paths.size(), parallelism,
                         [&](size_t i) { lists[i] = client.ListAll(list_paths[i], ctx); });

  engine::RefreshResponse out;
  for (size_t i = 0; i < lists.size(); ++i) {
    if (!lists[i]) {
      if (missing_ok[i] && lists[i].error().code == ErrorCode::kNotFound) continue;
      return tl::unexpected(lists[i].error());
    }
    if (i < live_lists) {
      for (const Json& live : *lists[i]) {
        engine::ObservedResource observed = Observed(kind, live);
        if (observed.arm_id.empty() || !seen_ids->insert(Lower(observed.arm_id)).second) continue;
        out.resources.push_back(std::move(observed));
      }
    } else {
      const std::string& s = deleted_subscriptions[i - live_lists];
      for (const Json& deleted : *lists[i])
        out.soft_deleted.push_back(SoftDeletedFromArm(kind, deleted, s));
    }
  }
  return out;
}

// Phase 2: names are global, so a desired resource that is neither live here nor soft-deleted
// in its subscription may still be taken by someone else. Only these few names are checked
// (the check has no list form); taken ones go to out->unavailable_names.
Status CheckUnseenNames(ArmClient& client, const SoftDeletableKind& kind,
                        const engine::RefreshRequest& request,
                        const std::set<std::string>& seen_ids, const Context& ctx,
                        engine::RefreshResponse* out) {
  std::vector<const engine::DesiredResource*> to_check;
  for (const engine::DesiredResource* d : request.desired) {
    if (d->subscription.empty() || d->name.empty()) continue;
    const std::string id =
        d->arm_id.empty() ? SoftDeletableArmId(kind, d->subscription, d->resource_group, d->name)
                          : d->arm_id;
    if (seen_ids.count(Lower(id))) continue;
    bool soft_deleted = false;
    for (const engine::SoftDeletedResource& sd : out->soft_deleted) {
      if (IEquals(sd.name, d->name) && IEquals(sd.subscription, d->subscription))
        soft_deleted = true;
    }
    if (!soft_deleted) to_check.push_back(d);
  }
  std::vector<Result<ArmResponse>> checks(to_check.size());
  engine::ForEachBounded(to_check.size(), request.parallelism, [&](size_t i) {
    Json body = {{"name", to_check[i]->name}};
    if (kind.check_name_sends_type)
      body["type"] = std::string("Microsoft.KeyVault/") + kind.collection;
    // A read: a 502 must not fail the refresh.
    checks[i] = client.Post(ProviderPathOf(to_check[i]->subscription, kind.check_name_action), body,
                            ctx, kSafeToRepeat);
  });
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i]) return tl::unexpected(checks[i].error());
    KEYWARD_ASSIGN_OR_RETURN(auto check, ParseNameAvailability(*checks[i]));
    const std::string& name = to_check[i]->name;
    if (!check.available) {
      out->unavailable_names[std::string(kind.kind) + "/" + Lower(name)] =
          check.Explain(std::string(kind.noun) + " name '" + name + "'");
    }
  }
  return {};
}

}  // namespace

std::string SoftDeletableHandler::ProviderPath(const std::string& subscription,
                                               const std::string& rest) const {
  return ProviderPathOf(subscription, rest);
}

Result<engine::RefreshResponse> SoftDeletableHandler::Refresh(const engine::RefreshRequest& request,
                                                              const Context& ctx) {
  std::set<std::string> seen_ids;  // lower
  auto out = ListScopes(*client_, kind_, ScopesToList(request, kind_.list_per_subscription),
                        request.parallelism, ctx, &seen_ids);
  if (!out) return out;
  KEYWARD_RETURN_IF_ERROR(CheckUnseenNames(*client_, kind_, request, seen_ids, ctx, &*out));
  return out;
}

Result<SoftDeletableHandler::Ref> SoftDeletableHandler::RefOf(const Change& change) const {
  Ref ref;
  ref.subscription = ArmIdSegment(change.arm_id, "subscriptions");
  ref.resource_group = ArmIdSegment(change.arm_id, "resourceGroups");
  ref.name = ArmIdSegment(change.arm_id, kind_.collection);
  if (ref.subscription.empty() || ref.resource_group.empty() || ref.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("not a ") + kind_.noun + " id: " + change.arm_id);
  }
  ref.path =
      WithApiVersion(JoinPath(ResourceGroupPath(ref.subscription, ref.resource_group),
                              {"providers", "Microsoft.KeyVault", kind_.collection, ref.name}),
                     kKeyVaultApiVersion);
  return ref;
}

Result<Json> SoftDeletableHandler::Get(const Ref& ref, const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto response, client_->Get(ref.path, ctx));
  return std::move(response.body);
}

Status SoftDeletableHandler::Write(HttpMethod method, const Ref& ref,
                                   const std::optional<Json>& body, bool wait, const Context& ctx,
                                   const RequestOptions& options) {
  if (!wait) {
    KEYWARD_RETURN_IF_ERROR(client_->Send(method, ref.path, body, ctx, options));
    return {};
  }
  spdlog::debug("{} {}: {} and wait for its operation", kind_.noun, ref.name,
                HttpMethodName(method));
  KEYWARD_RETURN_IF_ERROR(client_->SendAndWait(method, ref.path, body, ctx, options));
  return {};
}

Result<Json> SoftDeletableHandler::Create(const Ref& ref, const Json& desired, const Context& ctx) {
  KEYWARD_RETURN_IF_ERROR(
      Write(HttpMethod::kPut, ref, kind_.create_body(desired), true, ctx, AbsoluteWrite()));
  return Get(ref, ctx);
}

Result<Json> SoftDeletableHandler::PatchToDesired(const Ref& ref, const Json& desired,
                                                  const Json& normalized_live, const Context& ctx) {
  const Json patch = kind_.patch_body(desired, normalized_live);
  if (!patch.is_null()) {
    KEYWARD_RETURN_IF_ERROR(
        Write(HttpMethod::kPatch, ref, patch, kind_.patch_waits, ctx, AbsoluteWrite()));
  }
  return Get(ref, ctx);
}

Result<Json> SoftDeletableHandler::Reprovision(const Ref& ref, const Json& desired,
                                               const Context& ctx) {
  // Every managed property (a PATCH: what keyward does not manage stays), then wait: Succeeded,
  // or Failed again, which AbsoluteWrite() kinds send once more (arm_client.h) before it is an
  // error and the next apply tries again.
  Json patch = kind_.patch_body(desired, Json());
  if (patch.is_null()) patch = Json::object();
  KEYWARD_RETURN_IF_ERROR(Write(HttpMethod::kPatch, ref, patch, true, ctx, AbsoluteWrite()));
  return Get(ref, ctx);
}

Result<Json> SoftDeletableHandler::Recover(const Ref& ref, const Json& desired,
                                           const Context& ctx) {
  KEYWARD_RETURN_IF_ERROR(Write(HttpMethod::kPut, ref, kind_.recover_body(desired), true, ctx));
  // Recover restored the old configuration; converge it to the manifest (azurerm #17375).
  auto recovered = Get(ref, ctx);
  if (!recovered) return recovered;
  return PatchToDesired(ref, desired, kind_.normalize(*recovered), ctx);
}

Status SoftDeletableHandler::Delete(const Ref& ref, const Context& ctx) {
  if (auto ready = BeforeDelete(ref, ctx); !ready) return ready;
  // The resource becomes a soft-deleted proxy in the deleted list; 404: already gone.
  auto deleted = Write(HttpMethod::kDelete, ref, std::nullopt, kind_.delete_waits, ctx);
  if (!deleted && deleted.error().code != ErrorCode::kNotFound) return deleted;
  return {};
}

Status SoftDeletableHandler::Purge(const Ref& ref, const Context& ctx) {
  // The purge URL needs the deleted resource's location; read it from the deleted list rather
  // than trusting the plan, which may be older than the deletion.
  KEYWARD_ASSIGN_OR_RETURN(
      auto deleted,
      client_->ListAll(ProviderPath(ref.subscription, kind_.deleted_collection), ctx));
  for (const Json& entry : deleted) {
    const engine::SoftDeletedResource sd = SoftDeletedFromArm(kind_, entry, ref.subscription);
    if (!IEquals(sd.name, ref.name)) continue;
    if (sd.purge_protection) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       std::string(kind_.noun) + " " + ref.name +
                           " is soft-deleted with purge protection: the name is reserved until " +
                           sd.scheduled_purge_date);
    }
    const std::string path =
        WithApiVersion(JoinPath(SubscriptionPath(ref.subscription),
                                {"providers", "Microsoft.KeyVault", "locations", sd.location,
                                 kind_.deleted_collection, ref.name, "purge"}),
                       kKeyVaultApiVersion);
    auto purge = client_->Post(path, std::nullopt, ctx, kSafeToRepeat);
    // 404: the deleted resource is gone, i.e. purged. An earlier try of this POST was lost after
    // ARM had accepted it and the pipeline retried (retry.h): the purge is done, not failed.
    if (!purge && purge.error().code == ErrorCode::kNotFound) return {};
    if (!purge) return tl::unexpected(purge.error());
    spdlog::debug("{} {}: waiting for purge", kind_.noun, ref.name);
    KEYWARD_RETURN_IF_ERROR(client_->PollUntilDone(*purge, path, HttpMethod::kPost, ctx));
    return {};
  }
  return {};  // nothing to purge (already gone)
}

Result<engine::ApplyResponse> SoftDeletableHandler::Apply(const engine::ApplyRequest& request,
                                                          const Context& ctx) {
  const Change& change = *request.change;
  KEYWARD_ASSIGN_OR_RETURN(auto ref, RefOf(change));

  Result<Json> live = Json();
  switch (change.action) {
    case Action::kNoOp:
      live = Get(ref, ctx);
      break;
    case Action::kCreate:
      live = Create(ref, change.after, ctx);
      break;
    case Action::kUpdate:
    case Action::kAdopt:
      // Never a full PUT over an existing resource (see the header).
      live = ReprovisionsFailed(change)
                 ? Reprovision(ref, change.after, ctx)
                 : PatchToDesired(ref, change.after,
                                  change.before.is_null() ? Json() : kind_.normalize(change.before),
                                  ctx);
      break;
    case Action::kRecover:
      live = Recover(ref, change.after, ctx);
      break;
    case Action::kPurgeThenCreate:
      KEYWARD_RETURN_IF_ERROR(Purge(ref, ctx));
      live = Create(ref, change.after, ctx);
      break;
    case Action::kDelete:
      KEYWARD_RETURN_IF_ERROR(Delete(ref, ctx));
      return engine::ApplyResponse{};
    case Action::kReplace:
      // The deleted resource keeps holding the name (a create would fail with ConflictError),
      // so replace = delete, purge, create.
      KEYWARD_RETURN_IF_ERROR(Delete(ref, ctx));
      KEYWARD_RETURN_IF_ERROR(Purge(ref, ctx));
      live = Create(ref, change.after, ctx);
      break;
    default:
      return MakeError(ErrorCode::kFailedPrecondition, std::string(kind_.noun) + ": action " +
                                                           engine::ActionName(change.action) +
                                                           " cannot be applied");
  }
  if (!live) return tl::unexpected(live.error());
  engine::ApplyResponse out;
  out.live = std::move(*live);
  out.fingerprint = FingerprintOfJson(kind_.normalize(out.live));
  return out;
}

}  // namespace keyward::azure
