#include "engine/leadership.h"

#include <algorithm>
#include <set>

namespace keyward::engine {

uint64_t ShardScore(const std::string& stack, const std::string& replica) {
  uint64_t hash = 14695981039346656037ULL;
  auto mix = [&](unsigned char c) {
    hash ^= c;
    hash *= 1099511628211ULL;
  };
  for (unsigned char c : stack) mix(c);
  mix('\n');
  for (unsigned char c : replica) mix(c);
  // FNV-1a alone clusters for inputs that differ only at the end; finish with a 64-bit mixer.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  return hash;
}

ShardDecision DecideShards(const ShardView& view) {
  std::set<std::string> members(view.members.begin(), view.members.end());
  members.insert(view.self);
  const int stacks = static_cast<int>(view.stacks.size());
  const int replicas = static_cast<int>(members.size());
  ShardDecision decision;
  decision.target = stacks == 0 ? 0 : (stacks + replicas - 1) / replicas;
  decision.cap = decision.target + 1;

  std::map<std::string, int> led;  // live replica -> stacks it leads
  for (const std::string& m : members) led[m] = 0;
  std::vector<std::string> mine, leaderless;
  for (const std::string& stack : view.stacks) {
    auto it = view.leader.find(stack);
    if (it == view.leader.end() || it->second.empty()) {
      leaderless.push_back(stack);
      continue;
    }
    if (it->second == view.self) mine.push_back(stack);
    if (led.count(it->second)) ++led[it->second];
  }

  // Is `replica` the live member this stack prefers most?
  auto preferred_by = [&](const std::string& stack) {
    std::string best;
    uint64_t best_score = 0;
    for (const std::string& m : members) {
      const uint64_t score = ShardScore(stack, m);
      if (best.empty() || score > best_score || (score == best_score && m < best)) {
        best = m;
        best_score = score;
      }
    }
    return best;
  };
  // Most wanted first: stacks that prefer this replica, then by this replica's score.
  auto by_preference = [&](std::vector<std::string>& list) {
    std::stable_sort(list.begin(), list.end(), [&](const std::string& a, const std::string& b) {
      const bool pa = preferred_by(a) == view.self, pb = preferred_by(b) == view.self;
      if (pa != pb) return pa;
      return ShardScore(a, view.self) > ShardScore(b, view.self);
    });
  };

  const int have = static_cast<int>(mine.size());
  if (have > decision.target) {
    by_preference(mine);
    decision.resign.assign(mine.begin() + decision.target, mine.end());
    return decision;
  }
  by_preference(leaderless);
  int room = decision.target - have;
  // Stale view: every live replica already at target, yet stacks are leaderless.
  bool anyone_under_target = false;
  for (const auto& [replica, count] : led)
    if (replica != view.self && count < decision.target) anyone_under_target = true;
  if (room == 0 && !leaderless.empty() && !anyone_under_target) room = decision.cap - have;
  for (const std::string& stack : leaderless) {
    if (room <= 0) break;
    decision.campaign.push_back(stack);
    --room;
  }
  return decision;
}

}  // namespace keyward::engine
