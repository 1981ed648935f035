#include "providers/azure/kinds/key_handler.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "engine/hmac.h"
#include "engine/parallel.h"
#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/child_refresh.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

std::string KeyPath(const std::string& key_id) {
  return WithApiVersion(key_id, kKeyVaultApiVersion);
}

}  // namespace

Result<engine::RefreshResponse> KeyHandler::Refresh(const engine::RefreshRequest& request,
                                                    const Context& ctx) {
  if (!request.read_cache_prefix.empty()) {
    // One file per ARM endpoint too: a test emulator, a sovereign cloud and Azure's public cloud
    // can hold keys with the same id.
    cache_->UseFile(request.read_cache_prefix + "." + Lower(kind_.kind) + "." +
                    engine::KeyId("keyward-read-cache:", client_->endpoint()) + ".json");
  }

  // Phase 1: one keys list per parent.
  const std::vector<ParentToList> parents =
      ParentsToList(request, kind_.parent_kind,
                    [&](const engine::DesiredResource& d) { return KeyParentOf(kind_, d).arm_id; });
  KEYWARD_ASSIGN_OR_RETURN(std::vector<Json> items,
                           ListUnderParents(*client_, parents, "keys", request.parallelism, ctx));
  std::map<std::string, const engine::DesiredResource*> desired_by_id;  // by lowercase key id
  for (const engine::DesiredResource* d : request.desired) {
    const KeyParent parent = KeyParentOf(kind_, *d);
    if (!parent.arm_id.empty()) desired_by_id[Lower(parent.arm_id + "/keys/" + d->name)] = d;
  }

  std::set<std::string> listed_parents, listed_keys;
  for (const ParentToList& p : parents) listed_parents.insert(Lower(p.id));
  for (const Json& item : items) listed_keys.insert(Lower(item.value("id", "")));
  cache_->ForgetUnlisted(listed_parents, listed_keys);

  // Phase 2: full properties of the declared keys (list items lack kty, keyOps, ...). Only a read
  // that compares the rotation policy (which the list cannot vouch for) needs a young cache entry.
  std::vector<KeyToRead> declared;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto d = desired_by_id.find(Lower(items[i].value("id", "")));
    const bool is_declared = d != desired_by_id.end();
    if (!request.all_in_scope && !is_declared) continue;  // a prune candidate: the list is enough
    const bool compares_rotation =
        request.all_in_scope || FindKey(d->second->spec, "rotationPolicy") != nullptr;
    declared.push_back(
        {i, compares_rotation ? KeyReadCache::AgeBound::kMaxAge : KeyReadCache::AgeBound::kNone});
  }
  KEYWARD_RETURN_IF_ERROR(ReadDeclared(items, declared, request.parallelism, ctx));
  if (auto saved = cache_->Save(); !saved)
    spdlog::warn("the key read cache was not saved (the next plan reads more): {}",
                 saved.error().message);

  engine::RefreshResponse out;
  std::set<std::string> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].is_null()) continue;  // vanished between the list and the GET
    engine::ObservedResource observed;
    observed.kind = kind_.kind;
    observed.arm_id = items[i].value("id", "");
    observed.address = KeyAddressFromId(kind_, observed.arm_id);
    if (observed.address.empty() || !seen.insert(Lower(observed.arm_id)).second) continue;
    observed.fingerprint = FingerprintOfJson(NormalizeKey(kind_, items[i]));
    observed.live = std::move(items[i]);
    out.resources.push_back(std::move(observed));
  }
  return out;
}

Status KeyHandler::ReadDeclared(std::vector<Json>& items, const std::vector<KeyToRead>& declared,
                                size_t parallelism, const Context& ctx) {
  std::vector<size_t> to_get;
  for (const KeyToRead& k : declared) {
    if (auto cached = cache_->Find(items[k.item], k.bound))
      items[k.item] = std::move(*cached);
    else
      to_get.push_back(k.item);
  }
  std::vector<Result<ArmResponse>> gets(to_get.size());
  engine::ForEachBounded(to_get.size(), parallelism, [&](size_t i) {
    gets[i] = client_->Get(KeyPath(items[to_get[i]].value("id", "")), ctx);
  });
  for (size_t i = 0; i < gets.size(); ++i) {
    Json& item = items[to_get[i]];
    if (!gets[i]) {
      if (gets[i].error().code != ErrorCode::kNotFound) return tl::unexpected(gets[i].error());
      item = nullptr;  // deleted in the data plane between the two calls
      continue;
    }
    cache_->Remember(item, gets[i]->body);
    item = std::move(gets[i]->body);
  }
  return {};
}

Result<engine::ApplyResponse> KeyHandler::Apply(const engine::ApplyRequest& request,
                                                const Context& ctx) {
  const Change& change = *request.change;
  if (KeyAddressFromId(kind_, change.arm_id).empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("not an ARM id of a ") + kind_.kind + ": " + change.arm_id);
  }
  const std::string path = KeyPath(change.arm_id);
  if (change.action == Action::kCreate) {
    // Create-if-not-exist: if someone created the key since the plan, ARM returns it unchanged;
    // the engine's re-plan of the re-read key then reports the difference.
    KEYWARD_RETURN_IF_ERROR(client_->Put(path, change.after, ctx));
  } else if (change.action != Action::kNoOp) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     std::string(kind_.kind) + ": " + engine::ActionName(change.action) +
                         " cannot be applied: ARM can only create keys (" + change.reason_code +
                         ")");
  }
  KEYWARD_ASSIGN_OR_RETURN(auto live, client_->Get(path, ctx));
  engine::ApplyResponse out;
  out.live = std::move(live.body);
  out.fingerprint = FingerprintOfJson(NormalizeKey(kind_, out.live));
  return out;
}

}  // namespace keyward::azure
