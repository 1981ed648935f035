// Sharding stacks among daemon replicas (docs/ha.md): which stacks this replica should campaign
// for and which it should give up, given who is alive and who leads what. Pure: the coordinator
// (coordination/shard_coordinator.h) reads the membership and the elections from etcd, asks
// DecideShards, and campaigns / resigns accordingly.
//
// Rules, with S stacks and R live replicas (at least 1: this one):
//  - target = ceil(S / R). A replica leading fewer than target stacks campaigns for leaderless
//    ones, most preferred first; one leading more than target resigns the surplus, keeping the
//    ones it is most preferred for. The election itself guarantees one leader per stack; these
//    rules only spread the load.
//  - Preference is rendezvous hashing (highest score of hash(stack, replica)), so each replica
//    prefers different stacks and contention stays low without any extra coordination.
//  - cap = target + 1 bounds what a replica may take when its view is stale (a dead replica is
//    still listed until its member lease expires): it then also campaigns, up to cap, for
//    leaderless stacks that no live replica under target could take.
//  - A replica that joins lowers target; the others resign their surplus at their next tick, and
//    the newcomer (below target) picks those stacks up. A replica that leaves raises target; its
//    stacks become leaderless when its leases expire and the others pick them up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keyward::engine {

struct ShardView {
  std::string self;                           // this replica's id
  std::vector<std::string> members;           // live replicas (self is added if missing)
  std::vector<std::string> stacks;            // every stack the replicas serve
  std::map<std::string, std::string> leader;  // stack -> replica leading it; absent: none
};

struct ShardDecision {
  int target = 0;                     // ceil(S / R)
  int cap = 0;                        // target + 1
  std::vector<std::string> campaign;  // leaderless stacks to try now, in order
  std::vector<std::string> resign;    // stacks this replica leads and should give up
};

ShardDecision DecideShards(const ShardView& view);

// Rendezvous score of (stack, replica): FNV-1a 64 of "stack\nreplica". Stable across processes
// and builds, unlike std::hash.
uint64_t ShardScore(const std::string& stack, const std::string& replica);

}  // namespace keyward::engine
