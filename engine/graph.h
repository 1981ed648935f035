// The dependency graph of a manifest set or a plan: nodes are addresses ("Vault/payments-kv"),
// an edge runs from a dependency to its dependent (the dependency is created first and deleted
// last). Built from a DesiredSet by validation, and from (address, depends_on) pairs by the
// planner and the apply executor (which need it for deletes too).
//
// Invariants: node ids are dense and in insertion order; every ordering the graph produces
// breaks ties by that order, so the same input always yields the same order (plans and logs
// are stable across runs). Edges are unique; a self edge is a cycle.
//
// GraphWalk is the ready-set bookkeeping of a parallel walk (ninja's Plan: FindWork /
// EdgeFinished): pure, single-threaded, the executor owns the threads.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/resource.h"
#include "engine/result.h"

namespace keyward::engine {

class Graph {
 public:
  using NodeId = size_t;

  // Adds a node if absent; returns its id.
  NodeId AddNode(const std::string& address);
  // `dependent` depends on `dependency`. Adds missing nodes; duplicate edges are ignored.
  void AddEdge(const std::string& dependency, const std::string& dependent);

  // Nodes in resource order, edges from each resource's depends_on.
  static Graph FromDesiredSet(const DesiredSet& set);
  // Nodes in the order given. Dependencies naming an address that is not listed are ignored:
  // a plan only orders the changes it contains.
  static Graph FromDependencies(
      const std::vector<std::pair<std::string, std::vector<std::string>>>& nodes);

  size_t size() const { return nodes_.size(); }
  const std::string& address(NodeId id) const { return nodes_[id].address; }
  std::optional<NodeId> Find(const std::string& address) const;
  // What `id` depends on / what depends on `id`, in edge insertion order.
  const std::vector<NodeId>& dependencies(NodeId id) const { return nodes_[id].dependencies; }
  const std::vector<NodeId>& dependents(NodeId id) const { return nodes_[id].dependents; }

  // A dependency cycle, following "depends on" from the earliest node that is on one:
  // {"Vault/a", "Secret/a/s", "Vault/a"} (first repeated at the end). Empty when acyclic.
  std::vector<std::string> FindCycle() const;
  // "dependency cycle: Vault/a -> Secret/a/s -> Vault/a"
  static std::string DescribeCycle(const std::vector<std::string>& cycle);

  // Dependencies before dependents (creates). kFailedPrecondition naming the cycle if cyclic.
  Result<std::vector<std::string>> TopologicalOrder() const;
  // Dependents before dependencies (deletes: items, then the vault, then the resource group).
  Result<std::vector<std::string>> ReverseTopologicalOrder() const;

  // One line per node: "Vault/a <- ResourceGroup/rg, ...". For debugging and tests.
  std::string Dump() const;
  // Graphviz, for `keyward graph --dot`; edges point from dependency to dependent.
  std::string ToDot() const;

 private:
  struct Node {
    std::string address;
    std::vector<NodeId> dependencies;
    std::vector<NodeId> dependents;
  };
  std::vector<std::string> Order(bool dependencies_first) const;

  std::vector<Node> nodes_;
  std::unordered_map<std::string, NodeId> index_;
};

// Which nodes may run now, given what finished or failed. Direction kDependenciesFirst is for
// creates and updates; kDependentsFirst for deletes. The graph must be acyclic and outlive the
// walk. A failed node makes everything that waits on it (transitively) "skipped: dependency
// failed"; independent branches go on.
class GraphWalk {
 public:
  enum class Direction { kDependenciesFirst, kDependentsFirst };

  explicit GraphWalk(const Graph& graph, Direction direction = Direction::kDependenciesFirst);

  // The earliest node (by id) whose prerequisites all succeeded and that has not been handed
  // out yet; marks it running. nullopt when nothing is ready right now.
  std::optional<std::string> NextReady();
  // Reports a node handed out by NextReady as done.
  void Finished(const std::string& address, bool succeeded);

  bool Done() const { return remaining_ == 0; }
  size_t running() const { return running_; }
  const std::vector<std::string>& skipped() const { return skipped_; }  // in the order skipped

 private:
  enum class State { kWaiting, kReady, kRunning, kSucceeded, kFailed, kSkipped };
  const std::vector<Graph::NodeId>& Prerequisites(Graph::NodeId id) const;
  const std::vector<Graph::NodeId>& Followers(Graph::NodeId id) const;
  void Skip(Graph::NodeId id);

  const Graph& graph_;
  Direction direction_;
  std::vector<State> state_;
  std::vector<size_t> pending_;    // prerequisites not yet succeeded
  std::set<Graph::NodeId> ready_;  // ordered: NextReady hands out the earliest id
  size_t remaining_ = 0;           // nodes not yet succeeded, failed or skipped
  size_t running_ = 0;
  std::vector<std::string> skipped_;
};

}  // namespace keyward::engine
