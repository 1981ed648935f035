#include "engine/graph.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace keyward::engine {

Graph::NodeId Graph::AddNode(const std::string& address) {
  auto it = index_.find(address);
  if (it != index_.end()) return it->second;
  const NodeId id = nodes_.size();
  nodes_.push_back(Node{address, {}, {}});
  index_.emplace(address, id);
  return id;
}

void Graph::AddEdge(const std::string& dependency, const std::string& dependent) {
  const NodeId from = AddNode(dependency);
  const NodeId to = AddNode(dependent);
  auto& deps = nodes_[to].dependencies;
  if (std::find(deps.begin(), deps.end(), from) != deps.end()) return;
  deps.push_back(from);
  nodes_[from].dependents.push_back(to);
}

Graph Graph::FromDesiredSet(const DesiredSet& set) {
  Graph graph;
  for (const auto& r : set.resources) graph.AddNode(r.address);
  for (const auto& r : set.resources) {
    for (const auto& dependency : r.depends_on) graph.AddEdge(dependency, r.address);
  }
  return graph;
}

Graph Graph::FromDependencies(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& nodes) {
  Graph graph;
  for (const auto& [address, deps] : nodes) graph.AddNode(address);
  for (const auto& [address, deps] : nodes) {
    for (const auto& dependency : deps) {
      if (graph.Find(dependency)) graph.AddEdge(dependency, address);
    }
  }
  return graph;
}

std::optional<Graph::NodeId> Graph::Find(const std::string& address) const {
  auto it = index_.find(address);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Graph::FindCycle() const {
  // Iterative DFS along "depends on" (no recursion: a long chain of resources must not blow the
  // stack). Colors: 0 unvisited, 1 on the current path, 2 done.
  std::vector<int> color(nodes_.size(), 0);
  for (NodeId start = 0; start < nodes_.size(); ++start) {
    if (color[start] != 0) continue;
    std::vector<std::pair<NodeId, size_t>> stack = {{start, 0}};  // (node, next dependency index)
    color[start] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == nodes_[node].dependencies.size()) {
        color[node] = 2;
        stack.pop_back();
        continue;
      }
      const NodeId dep = nodes_[node].dependencies[next++];
      if (color[dep] == 1) {
        std::vector<std::string> cycle;
        auto from = std::find_if(stack.begin(), stack.end(),
                                 [dep](const auto& e) { return e.first == dep; });
        for (auto it = from; it != stack.end(); ++it) cycle.push_back(nodes_[it->first].address);
        cycle.push_back(nodes_[dep].address);
        return cycle;
      }
      if (color[dep] == 0) {
        color[dep] = 1;
        stack.emplace_back(dep, 0);
      }
    }
  }
  return {};
}

std::string Graph::DescribeCycle(const std::vector<std::string>& cycle) {
  std::string out = "dependency cycle: ";
  for (size_t i = 0; i < cycle.size(); ++i) out += (i ? " -> " : "") + cycle[i];
  return out;
}

std::vector<std::string> Graph::Order(bool dependencies_first) const {
  // Kahn's algorithm with a min-heap on node id: among ready nodes the earliest added goes first.
  std::vector<size_t> waiting(nodes_.size());
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    waiting[id] =
        dependencies_first ? nodes_[id].dependencies.size() : nodes_[id].dependents.size();
    if (waiting[id] == 0) ready.push(id);
  }
  std::vector<std::string> order;
  order.reserve(nodes_.size());
  while (!ready.empty()) {
    const NodeId id = ready.top();
    ready.pop();
    order.push_back(nodes_[id].address);
    for (NodeId next : dependencies_first ? nodes_[id].dependents : nodes_[id].dependencies) {
      if (--waiting[next] == 0) ready.push(next);
    }
  }
  return order;
}

Result<std::vector<std::string>> Graph::TopologicalOrder() const {
  auto order = Order(true);
  if (order.size() != nodes_.size())
    return MakeError(ErrorCode::kFailedPrecondition, DescribeCycle(FindCycle()));
  return order;
}

Result<std::vector<std::string>> Graph::ReverseTopologicalOrder() const {
  auto order = Order(false);
  if (order.size() != nodes_.size())
    return MakeError(ErrorCode::kFailedPrecondition, DescribeCycle(FindCycle()));
  return order;
}

std::string Graph::Dump() const {
  std::string out;
  for (const auto& node : nodes_) {
    out += node.address;
    if (!node.dependencies.empty()) {
      out += " <-";
      for (size_t i = 0; i < node.dependencies.size(); ++i) {
        out += (i ? ", " : " ") + nodes_[node.dependencies[i]].address;
      }
    }
    out += "\n";
  }
  return out;
}

namespace {

std::string DotQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string Graph::ToDot() const {
  std::string out = "digraph keyward {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const auto& node : nodes_) out += "  " + DotQuote(node.address) + ";\n";
  for (const auto& node : nodes_) {
    for (NodeId dep : node.dependencies) {
      out += "  " + DotQuote(nodes_[dep].address) + " -> " + DotQuote(node.address) + ";\n";
    }
  }
  return out + "}\n";
}

// ---------------------------------------------------------------------------------------------
// GraphWalk

GraphWalk::GraphWalk(const Graph& graph, Direction direction)
    : graph_(graph),
      direction_(direction),
      state_(graph.size(), State::kWaiting),
      pending_(graph.size()),
      remaining_(graph.size()) {
  for (Graph::NodeId id = 0; id < graph.size(); ++id) {
    pending_[id] = Prerequisites(id).size();
    if (pending_[id] == 0) {
      state_[id] = State::kReady;
      ready_.insert(id);
    }
  }
}

const std::vector<Graph::NodeId>& GraphWalk::Prerequisites(Graph::NodeId id) const {
  return direction_ == Direction::kDependenciesFirst ? graph_.dependencies(id)
                                                     : graph_.dependents(id);
}

const std::vector<Graph::NodeId>& GraphWalk::Followers(Graph::NodeId id) const {
  return direction_ == Direction::kDependenciesFirst ? graph_.dependents(id)
                                                     : graph_.dependencies(id);
}

std::optional<std::string> GraphWalk::NextReady() {
  if (ready_.empty()) return std::nullopt;
  const Graph::NodeId id = *ready_.begin();
  ready_.erase(ready_.begin());
  state_[id] = State::kRunning;
  ++running_;
  return graph_.address(id);
}

void GraphWalk::Finished(const std::string& address, bool succeeded) {
  auto id = graph_.Find(address);
  if (!id || state_[*id] != State::kRunning) return;  // not handed out: ignore rather than corrupt
  --running_;
  --remaining_;
  if (!succeeded) {
    state_[*id] = State::kFailed;
    for (Graph::NodeId follower : Followers(*id)) Skip(follower);
    return;
  }
  state_[*id] = State::kSucceeded;
  for (Graph::NodeId follower : Followers(*id)) {
    if (state_[follower] == State::kWaiting && --pending_[follower] == 0) {
      state_[follower] = State::kReady;
      ready_.insert(follower);
    }
  }
}

void GraphWalk::Skip(Graph::NodeId start) {
  std::vector<Graph::NodeId> todo = {start};
  while (!todo.empty()) {
    Graph::NodeId id = todo.back();
    todo.pop_back();
    if (state_[id] != State::kWaiting && state_[id] != State::kReady) continue;
    ready_.erase(id);
    state_[id] = State::kSkipped;
    --remaining_;
    skipped_.push_back(graph_.address(id));
    for (Graph::NodeId follower : Followers(id)) todo.push_back(follower);
  }
}

}  // namespace keyward::engine
