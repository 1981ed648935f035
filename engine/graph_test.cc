#include "engine/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

using ::testing::ElementsAre;

TEST(GraphTest, TopologicalOrderIsDeterministicWithTiesByInputOrder) {
  Graph g = Graph::FromDependencies({
      {"Secret/kv/b", {"Vault/kv"}},
      {"Vault/other", {}},
      {"Secret/kv/a", {"Vault/kv"}},
      {"Vault/kv", {"ResourceGroup/rg"}},
      {"ResourceGroup/rg", {}},
  });
  auto order = g.TopologicalOrder();
  ASSERT_TRUE(order) << order.error().message;
  EXPECT_THAT(*order, ElementsAre("Vault/other", "ResourceGroup/rg", "Vault/kv", "Secret/kv/b",
                                  "Secret/kv/a"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*g.TopologicalOrder(), *order);
}

TEST(GraphTest, ReverseOrderDeletesDependentsFirst) {
  Graph g = Graph::FromDependencies({
      {"ResourceGroup/rg", {}},
      {"Vault/kv", {"ResourceGroup/rg"}},
      {"Secret/kv/a", {"Vault/kv"}},
      {"Vault/other", {}},
  });
  auto order = g.ReverseTopologicalOrder();
  ASSERT_TRUE(order);
  EXPECT_THAT(*order, ElementsAre("Secret/kv/a", "Vault/kv", "ResourceGroup/rg", "Vault/other"));
}

TEST(GraphTest, CycleErrorNamesThePath) {
  Graph g = Graph::FromDependencies({
      {"ResourceGroup/rg", {}},
      {"Vault/a", {"ResourceGroup/rg", "Secret/a/s"}},
      {"Secret/a/s", {"Vault/a"}},
  });
  EXPECT_THAT(g.FindCycle(), ElementsAre("Vault/a", "Secret/a/s", "Vault/a"));
  auto order = g.TopologicalOrder();
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(order.error().message, "dependency cycle: Vault/a -> Secret/a/s -> Vault/a");
  EXPECT_FALSE(g.ReverseTopologicalOrder());
}

TEST(GraphTest, SelfDependencyIsACycle) {
  Graph g;
  g.AddEdge("Vault/a", "Vault/a");
  EXPECT_EQ(Graph::DescribeCycle(g.FindCycle()), "dependency cycle: Vault/a -> Vault/a");
}

TEST(GraphTest, LongChainsDoNotOverflowTheStack) {
  std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
  for (int i = 0; i < 20000; ++i) {
    nodes.push_back(
        {"N/" + std::to_string(i),
         i ? std::vector<std::string>{"N/" + std::to_string(i - 1)} : std::vector<std::string>{}});
  }
  Graph g = Graph::FromDependencies(nodes);
  EXPECT_TRUE(g.FindCycle().empty());
  ASSERT_TRUE(g.TopologicalOrder());
  EXPECT_EQ(g.TopologicalOrder()->back(), "N/19999");
}

TEST(GraphTest, FromDependenciesIgnoresUnlistedAddressesAndDuplicateEdges) {
  Graph g = Graph::FromDependencies(
      {{"Vault/a", {"ResourceGroup/elsewhere", "Vault/b", "Vault/b"}}, {"Vault/b", {}}});
  EXPECT_EQ(g.size(), 2u);
  EXPECT_EQ(g.dependencies(*g.Find("Vault/a")).size(), 1u);
  EXPECT_EQ(g.dependents(*g.Find("Vault/b")).size(), 1u);
  EXPECT_FALSE(g.Find("ResourceGroup/elsewhere"));
}

TEST(GraphTest, FromDesiredSetUsesDependsOn) {
  DesiredSet set;
  DesiredResource rg, kv;
  rg.address = "ResourceGroup/rg";
  kv.address = "Vault/kv";
  kv.depends_on = {"ResourceGroup/rg"};
  set.resources = {kv, rg};
  Graph g = Graph::FromDesiredSet(set);
  EXPECT_THAT(*g.TopologicalOrder(), ElementsAre("ResourceGroup/rg", "Vault/kv"));
}

TEST(GraphTest, DumpAndDot) {
  Graph g = Graph::FromDependencies({{"ResourceGroup/rg", {}}, {"Vault/kv", {"ResourceGroup/rg"}}});
  EXPECT_EQ(g.Dump(), "ResourceGroup/rg\nVault/kv <- ResourceGroup/rg\n");
  EXPECT_EQ(g.ToDot(),
            "digraph keyward {\n  rankdir=LR;\n  node [shape=box];\n  \"ResourceGroup/rg\";\n  "
            "\"Vault/kv\";\n"
            "  \"ResourceGroup/rg\" -> \"Vault/kv\";\n}\n");
}

TEST(GraphWalkTest, HandsOutReadyNodesAndSkipsDependentsOfFailures) {
  Graph g = Graph::FromDependencies({
      {"ResourceGroup/rg", {}},
      {"Vault/a", {"ResourceGroup/rg"}},
      {"Vault/b", {"ResourceGroup/rg"}},
      {"Secret/a/s", {"Vault/a"}},
      {"Secret/b/s", {"Vault/b"}},
      {"Vault/solo", {}},
  });
  GraphWalk walk(g);
  EXPECT_EQ(walk.NextReady(), "ResourceGroup/rg");
  EXPECT_EQ(walk.NextReady(), "Vault/solo");
  EXPECT_EQ(walk.NextReady(), std::nullopt);  // everything else waits on the group
  EXPECT_EQ(walk.running(), 2u);
  walk.Finished("ResourceGroup/rg", true);
  EXPECT_EQ(walk.NextReady(), "Vault/a");
  EXPECT_EQ(walk.NextReady(), "Vault/b");
  walk.Finished("Vault/a", false);
  EXPECT_THAT(walk.skipped(), ElementsAre("Secret/a/s"));
  walk.Finished("Vault/b", true);
  EXPECT_EQ(walk.NextReady(), "Secret/b/s");
  walk.Finished("Secret/b/s", true);
  EXPECT_FALSE(walk.Done());
  walk.Finished("Vault/solo", true);
  EXPECT_TRUE(walk.Done());
  EXPECT_EQ(walk.NextReady(), std::nullopt);
}

TEST(GraphWalkTest, DeleteDirectionStartsWithDependents) {
  Graph g = Graph::FromDependencies(
      {{"ResourceGroup/rg", {}}, {"Vault/a", {"ResourceGroup/rg"}}, {"Secret/a/s", {"Vault/a"}}});
  GraphWalk walk(g, GraphWalk::Direction::kDependentsFirst);
  EXPECT_EQ(walk.NextReady(), "Secret/a/s");
  EXPECT_EQ(walk.NextReady(), std::nullopt);
  walk.Finished("Secret/a/s", true);
  EXPECT_EQ(walk.NextReady(), "Vault/a");
  walk.Finished("Vault/a", false);
  EXPECT_THAT(walk.skipped(), ElementsAre("ResourceGroup/rg"));
  EXPECT_TRUE(walk.Done());
}

}  // namespace
}  // namespace keyward::engine
