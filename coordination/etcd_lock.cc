#include "coordination/etcd_lock.h"

#include <cstdio>

#include "coordination/kept_held_lock.h"

namespace keyward::coordination {
namespace {

using Json = nlohmann::json;

std::string Hex(int64_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%llx", static_cast<unsigned long long>(value));
  return buffer;
}

LockHolder HolderOf(const EtcdKv& kv) {
  return LockHolder::FromJson(Json::parse(kv.value, nullptr, /*allow_exceptions=*/false));
}

// The lock (or the membership) held on `lease`. Releasing it revokes the lease: best effort, if
// etcd cannot be reached the lease simply expires.
std::shared_ptr<HeldLock> HeldOnLease(std::shared_ptr<EtcdClient> client,
                                      std::shared_ptr<LeaseKeeper> keeper, int64_t lease,
                                      std::string stack, std::string where) {
  return std::make_shared<KeptHeldLock>(
      std::move(keeper), std::move(stack), std::move(where),
      [client = std::move(client), lease] { (void)client->LeaseRevoke(lease); });
}

}  // namespace

EtcdLockBackend::EtcdLockBackend(std::shared_ptr<EtcdClient> client, std::string prefix,
                                 std::chrono::milliseconds ttl, MonotonicClock clock)
    : client_(std::move(client)),
      prefix_(std::move(prefix)),
      ttl_(ttl),
      clock_(clock ? std::move(clock) : RealMonotonicClock()) {
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

std::string EtcdLockBackend::Where(const std::string& stack) const {
  return "etcd election " + ElectionName(stack);
}

Result<std::pair<int64_t, std::shared_ptr<LeaseKeeper>>> EtcdLockBackend::GrantKept(
    const std::string& what) {
  const SteadyTime sent = clock_();
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(ttl_);
  KEYWARD_ASSIGN_OR_RETURN(auto granted, client_->LeaseGrant(seconds));
  const int64_t lease = granted.first;
  // Fencing uses the TTL asked for; etcd only ever grants as much or more.
  const LeaseTiming timing = LeaseTiming::ForTtl(ttl_);
  std::shared_ptr<EtcdClient> client = client_;
  auto keeper = std::make_shared<LeaseKeeper>(
      "etcd lease " + Hex(lease) + " " + what, timing,
      [client, lease, deadline = timing.renew_every]() -> ::keyward::Status {
        KEYWARD_RETURN_IF_ERROR(client->LeaseKeepAlive(lease, deadline));
        return {};
      },
      clock_, sent);
  keeper->Start();
  return std::make_pair(lease, keeper);
}

Result<std::shared_ptr<HeldLock>> EtcdLockBackend::Acquire(const AcquireRequest& request,
                                                           const Context& ctx) {
  const std::string name = ElectionName(request.stack);
  if (!request.wait) {
    // Cheap first look: most tries by standby replicas end here, without a lease.
    KEYWARD_ASSIGN_OR_RETURN(auto leader, client_->ElectionLeader(name));
    if (leader)
      return tl::unexpected(LockedBy(request.stack, HolderOf(*leader), Where(request.stack)));
  }
  KEYWARD_ASSIGN_OR_RETURN(auto kept, GrantKept("for stack '" + request.stack + "'"));
  auto [lease, keeper] = kept;
  auto give_up = [&, lease = lease,
                  keeper = keeper](Error error) -> Result<std::shared_ptr<HeldLock>> {
    keeper->Stop();
    (void)client_->LeaseRevoke(lease);
    return tl::unexpected(std::move(error));
  };
  const std::string value = request.holder.ToJson().dump();
  const std::string key = name + "/" + Hex(lease);
  auto created = client_->PutIfAbsent(key, value, lease);
  if (!created) return give_up(created.error());

  bool told = false;
  for (;;) {
    auto leader = client_->ElectionLeader(name);
    if (!leader) return give_up(leader.error());
    if (*leader && (*leader)->lease == lease) break;  // ours
    const LockHolder holder = *leader ? HolderOf(**leader) : LockHolder{};
    if (!request.wait) return give_up(LockedBy(request.stack, holder, Where(request.stack)));
    if (!told && request.on_wait && *leader) request.on_wait(holder);
    told = true;
    auto campaign = client_->ElectionCampaign(name, lease, value, ctx.cancelled.get());
    if (campaign) break;
    if (ctx.IsCancelled())
      return give_up(
          Error{ErrorCode::kCancelled, "cancelled while waiting for the stack lock", {}});
    if (keeper->LostForGood()) return give_up(*keeper->CheckWrite());
    // The member serving the campaign went away: look again after a pause.
    if (!ctx.clock->SleepFor(std::chrono::seconds(1), ctx.cancelled.get()))
      return give_up(
          Error{ErrorCode::kCancelled, "cancelled while waiting for the stack lock", {}});
  }
  // A keep-alive round that just failed is not a reason to give up what we won: writes wait for
  // the next successful renewal. A lease gone for good is.
  if (keeper->LostForGood()) return give_up(*keeper->CheckWrite());
  return HeldOnLease(client_, keeper, lease, request.stack, Where(request.stack) + " key " + key);
}

Result<LockStatus> EtcdLockBackend::Status(const std::string& stack, const Context& ctx) {
  LockStatus status;
  status.stack = stack;
  status.backend = "etcd";
  status.where = Where(stack);
  KEYWARD_ASSIGN_OR_RETURN(auto candidates, client_->RangePrefix(ElectionName(stack) + "/"));
  for (const EtcdKv& kv : candidates) {
    if (!status.holder) {
      status.holder = HolderOf(kv);
      if (auto ttl = client_->LeaseTimeToLive(kv.lease)) status.ttl_left = *ttl;
    } else {
      status.waiting.push_back(HolderOf(kv));
    }
  }
  return status;
}

Result<std::optional<LockHolder>> EtcdLockBackend::Break(const std::string& stack,
                                                         const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto leader, client_->ElectionLeader(ElectionName(stack)));
  if (!leader) return std::optional<LockHolder>();
  KEYWARD_RETURN_IF_ERROR(client_->LeaseRevoke(leader->lease));
  return std::optional<LockHolder>(HolderOf(*leader));
}

Result<std::map<std::string, LockHolder>> EtcdLockBackend::Leaders(
    const std::vector<std::string>& stacks, const Context& ctx) {
  const std::string root = prefix_ + "/stacks/";
  KEYWARD_ASSIGN_OR_RETURN(auto kvs, client_->RangePrefix(root));
  std::map<std::string, LockHolder> leaders;
  // Oldest first: the first candidate seen for an election is its leader.
  for (const EtcdKv& kv : kvs) {
    const auto slash = kv.key.rfind('/');
    if (slash == std::string::npos || slash < root.size()) continue;
    const std::string stack = kv.key.substr(root.size(), slash - root.size());
    leaders.emplace(stack, HolderOf(kv));
  }
  for (auto it = leaders.begin(); it != leaders.end();)
    it = std::find(stacks.begin(), stacks.end(), it->first) == stacks.end() ? leaders.erase(it)
                                                                            : std::next(it);
  return leaders;
}

Result<std::vector<LockHolder>> EtcdLockBackend::Members(const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto kvs, client_->RangePrefix(prefix_ + "/members/"));
  std::vector<LockHolder> members;
  for (const EtcdKv& kv : kvs) members.push_back(HolderOf(kv));
  return members;
}

Result<std::shared_ptr<HeldLock>> EtcdLockBackend::Join(const LockHolder& self,
                                                        const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto kept, GrantKept("for replica '" + self.replica + "'"));
  auto [lease, keeper] = kept;
  const std::string key = prefix_ + "/members/" + self.replica;
  auto created = client_->PutIfAbsent(key, self.ToJson().dump(), lease);
  if (created && !*created) {
    // A previous incarnation with this replica id, whose lease has not expired yet.
    if (auto deleted = client_->Delete(key); deleted)
      created = client_->PutIfAbsent(key, self.ToJson().dump(), lease);
  }
  if (!created || !*created) {
    keeper->Stop();
    (void)client_->LeaseRevoke(lease);
    if (!created) return tl::unexpected(created.error());
    return MakeError(ErrorCode::kAborted, "replica key " + key + " is taken");
  }
  return HeldOnLease(client_, keeper, lease, self.replica, "etcd key " + key);
}

}  // namespace keyward::coordination
