#include "coordination/shard_coordinator.h"

#include <algorithm>
#include <condition_variable>
#include <set>

#include "engine/leadership.h"

namespace keyward::coordination {
namespace {

using Json = nlohmann::json;

std::string NowIso() { return CurrentHolder("", "", SystemClock::Instance()).since; }

}  // namespace

void DescribeLeadershipMetrics(engine::MetricsRegistry& m) {
  m.Describe("keyward_stack_leader", engine::MetricType::kGauge,
             "1 while this replica leads (heals) the stack, 0 while it stands by and observes.");
  m.Describe("keyward_leadership_transitions_total", engine::MetricType::kCounter,
             "Leadership changes of this replica per stack (to=\"leader\" or \"standby\").");
  m.Describe("keyward_lock_lost_total", engine::MetricType::kCounter,
             "Stack leases that lapsed while this replica led the stack (it stopped writing).");
  m.Describe("keyward_replicas", engine::MetricType::kGauge,
             "Live daemon replicas seen in the lock service (1 without membership).");
  m.Describe("keyward_stacks_led", engine::MetricType::kGauge, "Stacks this replica leads.");
}

void Seat::SetStack(const std::string& stack, const engine::LockConfig& config) {
  std::lock_guard lock(mu_);
  stack_ = stack;
  config_ = config;
  known_ = true;
}

std::optional<std::pair<std::string, engine::LockConfig>> Seat::Stack() const {
  std::lock_guard lock(mu_);
  if (!known_) return std::nullopt;
  return std::make_pair(stack_, config_);
}

std::shared_ptr<HeldLock> Seat::Lease() const {
  std::lock_guard lock(mu_);
  return lease_;
}

Json Seat::StatusJson() const {
  std::lock_guard lock(mu_);
  Json out = {{"role", lease_ ? "leader" : "standby"},
              {"leader", leader_ ? leader_->ToJson() : Json()},
              {"since", role_since_.empty() ? Json() : Json(role_since_)}};
  if (known_) out["lock"] = engine::LockConfigToJson(config_);
  return out;
}

ShardCoordinator::ShardCoordinator(ShardCoordinatorOptions options) : options_(std::move(options)) {
  if (options_.metrics) DescribeLeadershipMetrics(*options_.metrics);
}

ShardCoordinator::~ShardCoordinator() { Stop(); }

void ShardCoordinator::Log(const char* level, const std::string& message,
                           const Json& fields) const {
  if (options_.log) options_.log(level, message, fields);
}

void ShardCoordinator::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      TickOnce(ctx_);
      std::chrono::milliseconds tick = options_.tick;
      if (tick.count() <= 0) {
        // Until a stack's first pass tells its lock settings, look again soon.
        tick = std::chrono::milliseconds(500);
        bool any = false;
        for (Seat* seat : options_.seats)
          if (auto known = seat->Stack();
              known && known->second.backend != engine::LockBackendKind::kLocal) {
            tick = any ? std::min(tick, known->second.ttl / 3) : known->second.ttl / 3;
            any = true;
          }
      }
      std::unique_lock lock(stop_mu_);
      if (stop_cv_.wait_for(lock, tick, [this] { return stopping_; })) return;
    }
  });
}

void ShardCoordinator::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (size_t i = 0; i < options_.seats.size(); ++i) {
    auto pass = options_.seats[i]->LockPass();  // let an apply in flight finish
    BecomeStandby(i, "shutting down");
  }
  for (auto& [key, group] : groups_)
    if (group.membership) group.membership->Release();
}

void ShardCoordinator::BecomeLeader(size_t index, std::shared_ptr<HeldLock> lease) {
  Seat& seat = *options_.seats[index];
  std::string stack;
  {
    std::lock_guard lock(seat.mu_);
    seat.lease_ = std::move(lease);
    seat.leader_ = options_.self;
    seat.role_since_ = NowIso();
    stack = seat.stack_;
  }
  if (options_.metrics) {
    options_.metrics->Set("keyward_stack_leader", {{"stack", stack}}, 1);
    options_.metrics->Add("keyward_leadership_transitions_total",
                          {{"stack", stack}, {"to", "leader"}}, 1);
  }
  Log("info", "leadership: leading stack", {{"stack", stack}, {"replica", options_.self.replica}});
  if (options_.trigger) options_.trigger(index);
}

void ShardCoordinator::BecomeStandby(size_t index, const char* why) {
  Seat& seat = *options_.seats[index];
  std::shared_ptr<HeldLock> lease;
  std::string stack;
  {
    std::lock_guard lock(seat.mu_);
    lease = std::move(seat.lease_);
    seat.lease_.reset();
    stack = seat.stack_;
    if (lease) seat.role_since_ = NowIso();
  }
  if (!lease) return;
  lease->Release();
  if (options_.metrics) {
    options_.metrics->Set("keyward_stack_leader", {{"stack", stack}}, 0);
    options_.metrics->Add("keyward_leadership_transitions_total",
                          {{"stack", stack}, {"to", "standby"}}, 1);
  }
  Log("info", "leadership: standing by", {{"stack", stack}, {"why", why}});
}

void ShardCoordinator::TickOnce(const Context& ctx) {
  // Seats join their group once their stack (and so their lock settings) is known.
  for (size_t i = 0; i < options_.seats.size(); ++i) {
    auto known = options_.seats[i]->Stack();
    if (!known || known->second.backend == engine::LockBackendKind::kLocal) continue;
    const std::string key = known->second.Key();
    Group& group = groups_[key];
    if (!group.backend) {
      auto backend = options_.backend_for(known->second);
      if (!backend) {
        Log("error", "leadership: cannot use the lock service",
            {{"stack", known->first}, {"error", backend.error().ToString()}});
        groups_.erase(key);
        continue;
      }
      group.backend = *backend;
    }
    if (std::find(group.seats.begin(), group.seats.end(), i) == group.seats.end()) {
      // A seat whose settings changed leaves its old group.
      for (auto& [other_key, other] : groups_)
        if (other_key != key)
          other.seats.erase(std::remove(other.seats.begin(), other.seats.end(), i),
                            other.seats.end());
      group.seats.push_back(i);
    }
  }
  Json groups = Json::array();
  for (auto& [key, group] : groups_) groups.push_back(TickGroup(group, ctx));
  int led = 0;
  for (Seat* seat : options_.seats) led += seat->Lease() ? 1 : 0;
  if (options_.metrics) options_.metrics->Set("keyward_stacks_led", {}, led);
  std::lock_guard lock(status_mu_);
  status_ = {{"replica", options_.self.replica}, {"groups", groups}};
}

Json ShardCoordinator::TickGroup(Group& group, const Context& ctx) {
  LockBackend& backend = *group.backend;
  DropLapsedLeases(group);
  bool just_joined = false;
  const std::vector<std::string> members = LiveMembers(group, ctx, &just_joined);
  if (options_.metrics) options_.metrics->Set("keyward_replicas", {}, members.size());

  // Who leads what.
  std::vector<std::string> stacks;
  std::map<std::string, size_t> seat_of;
  for (size_t i : group.seats) {
    auto known = options_.seats[i]->Stack();
    if (!known) continue;
    stacks.push_back(known->first);
    seat_of[known->first] = i;
  }
  auto leaders = backend.Leaders(stacks, ctx);
  if (!leaders) {
    // The lock service is unreachable: leases run on their own keep-alives; try next tick.
    Log("warn", "leadership: cannot read the elections", {{"error", leaders.error().ToString()}});
    return {{"backend", engine::LockBackendName(backend.kind())},
            {"error", leaders.error().ToString()}};
  }
  engine::ShardView view;
  view.self = options_.self.replica;
  view.members = members;
  view.stacks = stacks;
  for (const auto& [stack, holder] : *leaders) view.leader[stack] = holder.replica;
  for (const auto& [stack, i] : seat_of) {
    Seat& seat = *options_.seats[i];
    std::lock_guard lock(seat.mu_);
    if (seat.lease_) {
      view.leader[stack] = options_.self.replica;  // our own view of our own leases wins
    }
    auto it = leaders->find(stack);
    seat.leader_ =
        seat.lease_ ? std::optional<LockHolder>(options_.self)
                    : (it == leaders->end() ? std::nullopt : std::optional<LockHolder>(it->second));
  }

  const engine::ShardDecision decision = engine::DecideShards(view);
  Rebalance(group, decision, seat_of, just_joined, ctx);
  Json leading = Json::array();
  for (const auto& [stack, i] : seat_of)
    if (options_.seats[i]->Lease()) leading.push_back(stack);
  return {{"backend", engine::LockBackendName(backend.kind())},
          {"replicas", members},
          {"target", decision.target},
          {"cap", decision.cap},
          {"leading", leading}};
}

// Leases that lapsed for good: this replica no longer leads those stacks.
void ShardCoordinator::DropLapsedLeases(const Group& group) {
  for (size_t i : group.seats) {
    auto lease = options_.seats[i]->Lease();
    if (lease && !lease->Alive()) {
      const std::string stack = lease->stack();
      if (options_.metrics) options_.metrics->Add("keyward_lock_lost_total", {{"stack", stack}}, 1);
      const auto why = lease->CheckWrite();
      Log("warn", "leadership: lock lost", {{"stack", stack}, {"error", why ? why->message : ""}});
      // No need to wait for a pass in flight: its writes are already refused by the lease.
      BecomeStandby(i, "lock lost");
    }
  }
}

// Membership (etcd): announces this replica and lists the live ones, this one first.
std::vector<std::string> ShardCoordinator::LiveMembers(Group& group, const Context& ctx,
                                                       bool* just_joined) {
  LockBackend& backend = *group.backend;
  std::vector<std::string> members = {options_.self.replica};
  if (!backend.HasMembership()) return members;
  if (!group.membership || !group.membership->Alive()) {
    if (group.membership) group.membership->Release();
    group.membership.reset();
    auto joined = backend.Join(options_.self, ctx);
    if (joined) {
      group.membership = *joined;
      *just_joined = true;
    } else {
      Log("warn", "leadership: cannot announce this replica",
          {{"error", joined.error().ToString()}});
    }
  }
  if (auto listed = backend.Members(ctx)) {
    for (const LockHolder& m : *listed)
      if (m.replica != options_.self.replica) members.push_back(m.replica);
  }
  return members;
}

// Resigns the surplus (between passes) and campaigns for leaderless stacks.
void ShardCoordinator::Rebalance(Group& group, engine::ShardDecision decision,
                                 const std::map<std::string, size_t>& seat_of, bool just_joined,
                                 const Context& ctx) {
  for (const std::string& stack : decision.resign) {
    const size_t i = seat_of.at(stack);
    std::unique_lock pass(options_.seats[i]->pass_mu_, std::try_to_lock);
    if (!pass.owns_lock()) continue;  // mid-pass: next tick
    BecomeStandby(i, "rebalancing: another replica takes it");
  }
  // Replicas started together would each see only themselves at their first tick and grab
  // everything, then rebalance: announce first, campaign from the next tick on.
  if (just_joined) decision.campaign.clear();
  for (const std::string& stack : decision.campaign) {
    const size_t i = seat_of.at(stack);
    if (options_.seats[i]->Lease()) continue;
    AcquireRequest request;
    request.stack = stack;
    request.holder = options_.self;
    request.holder.since = NowIso();
    auto lease = group.backend->Acquire(request, ctx);
    if (lease) {
      BecomeLeader(i, *lease);
    } else if (lease.error().code != ErrorCode::kFailedPrecondition) {
      Log("warn", "leadership: campaign failed",
          {{"stack", stack}, {"error", lease.error().ToString()}});
    }
  }
}

Json ShardCoordinator::Status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

}  // namespace keyward::coordination
