#include "engine/leadership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace keyward::engine {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> Stacks(int n) {
  std::vector<std::string> stacks;
  for (int i = 1; i <= n; ++i) stacks.push_back("stack-" + std::to_string(i));
  return stacks;
}

// Runs the replicas' ticks one after another (each sees the others' earlier results, as they
// would through etcd) until nothing changes; an election grants a leaderless stack to the first
// replica that campaigns for it.
std::map<std::string, std::string> Settle(const std::vector<std::string>& replicas,
                                          const std::vector<std::string>& stacks,
                                          std::map<std::string, std::string> leader) {
  for (int round = 0; round < 20; ++round) {
    bool changed = false;
    for (const std::string& self : replicas) {
      const ShardDecision d = DecideShards({self, replicas, stacks, leader});
      for (const std::string& s : d.resign) {
        leader.erase(s);
        changed = true;
      }
      for (const std::string& s : d.campaign)
        if (!leader.count(s)) {
          leader[s] = self;
          changed = true;
        }
    }
    if (!changed) break;
  }
  return leader;
}

std::map<std::string, int> Counts(const std::map<std::string, std::string>& leader) {
  std::map<std::string, int> counts;
  for (const auto& [stack, replica] : leader) ++counts[replica];
  return counts;
}

TEST(LeadershipTest, ThreeReplicasSplitSixStacksTwoEach) {
  const auto stacks = Stacks(6);
  const std::vector<std::string> replicas = {"r1", "r2", "r3"};
  const auto leader = Settle(replicas, stacks, {});
  EXPECT_THAT(leader, SizeIs(6));  // every stack has a leader
  for (const auto& [replica, count] : Counts(leader)) EXPECT_EQ(count, 2) << replica;
}

TEST(LeadershipTest, SurvivorsTakeOverADeadReplicasStacksWithinTheCap) {
  const auto stacks = Stacks(6);
  auto leader = Settle({"r1", "r2", "r3"}, stacks, {});
  // r3 dies: its member key and its stack leases expire.
  for (auto it = leader.begin(); it != leader.end();)
    it = it->second == "r3" ? leader.erase(it) : std::next(it);
  leader = Settle({"r1", "r2"}, stacks, leader);
  EXPECT_THAT(leader, SizeIs(6));
  for (const auto& [replica, count] : Counts(leader)) EXPECT_EQ(count, 3) << replica;
}

TEST(LeadershipTest, AJoiningReplicaGetsItsShareAsOthersResignTheirSurplus) {
  const auto stacks = Stacks(6);
  auto leader = Settle({"r1", "r2"}, stacks, {});
  EXPECT_EQ(Counts(leader), (std::map<std::string, int>{{"r1", 3}, {"r2", 3}}));
  leader = Settle({"r1", "r2", "r3"}, stacks, leader);
  EXPECT_THAT(leader, SizeIs(6));
  EXPECT_EQ(Counts(leader), (std::map<std::string, int>{{"r1", 2}, {"r2", 2}, {"r3", 2}}));
}

TEST(LeadershipTest, NeverMoreThanTargetWithAnAccurateView) {
  for (int s = 1; s <= 9; ++s) {
    for (int r = 1; r <= 4; ++r) {
      std::vector<std::string> replicas;
      for (int i = 1; i <= r; ++i) replicas.push_back("replica-" + std::to_string(i));
      const auto leader = Settle(replicas, Stacks(s), {});
      EXPECT_THAT(leader, SizeIs(s)) << s << " stacks, " << r << " replicas";
      for (const auto& [replica, count] : Counts(leader))
        EXPECT_LE(count, (s + r - 1) / r) << s << " stacks, " << r << " replicas";
    }
  }
}

TEST(LeadershipTest, StaleViewAllowsOneMoreThanTargetForLeaderlessStacks) {
  // r3 is still listed (its member lease has not expired yet) but leads nothing, and is counted
  // as under target: nobody else takes more than target.
  ShardView view{"r1", {"r1", "r2", "r3"}, Stacks(6), {}};
  view.leader = {{"stack-1", "r1"}, {"stack-2", "r1"}, {"stack-3", "r2"}, {"stack-4", "r2"}};
  ShardDecision d = DecideShards(view);
  EXPECT_EQ(d.target, 2);
  EXPECT_THAT(d.campaign, IsEmpty());
  // A listed replica that is at target everywhere and still leaderless stacks: take up to cap.
  view.members = {"r1", "r2"};
  view.leader = {{"stack-1", "r1"}, {"stack-2", "r1"}, {"stack-3", "r1"},
                 {"stack-4", "r2"}, {"stack-5", "r2"}, {"stack-6", "r2"}};
  view.stacks = Stacks(7);
  d = DecideShards(view);
  EXPECT_EQ(d.target, 4);
  EXPECT_THAT(d.campaign, SizeIs(1));
}

TEST(LeadershipTest, ResignsTheStacksItIsLeastPreferredFor) {
  ShardView view{"r1", {"r1", "r2", "r3"}, Stacks(6), {}};
  for (const auto& s : view.stacks) view.leader[s] = "r1";
  const ShardDecision d = DecideShards(view);
  EXPECT_THAT(d.resign, SizeIs(4));
  EXPECT_THAT(d.campaign, IsEmpty());
  std::set<std::string> kept(view.stacks.begin(), view.stacks.end());
  for (const auto& s : d.resign) kept.erase(s);
  // It keeps the stacks that prefer it over the other replicas, where there are such stacks.
  int preferred_total = 0, preferred_kept = 0;
  for (const auto& s : view.stacks) {
    const bool prefers_r1 =
        ShardScore(s, "r1") > ShardScore(s, "r2") && ShardScore(s, "r1") > ShardScore(s, "r3");
    preferred_total += prefers_r1;
    preferred_kept += prefers_r1 && kept.count(s);
  }
  EXPECT_EQ(preferred_kept, std::min(preferred_total, 2));
}

TEST(LeadershipTest, ScoresAreStableAndSpread) {
  EXPECT_EQ(ShardScore("payments", "replica-1"), ShardScore("payments", "replica-1"));
  EXPECT_NE(ShardScore("payments", "replica-1"), ShardScore("payments", "replica-2"));
  EXPECT_NE(ShardScore("a", "bc"), ShardScore("ab", "c"));
}

TEST(LeadershipTest, NoStacksNothingToDo) {
  const ShardDecision d = DecideShards({"r1", {"r1"}, {}, {}});
  EXPECT_EQ(d.target, 0);
  EXPECT_THAT(d.campaign, IsEmpty());
  EXPECT_THAT(d.resign, IsEmpty());
}

}  // namespace
}  // namespace keyward::engine
