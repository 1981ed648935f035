#include "engine/planner.h"

#include <gtest/gtest.h>

#include "engine/graph.h"
#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

using testing::FakeArmId;
using testing::FakeRegistry;
using testing::kTestStack;
using testing::kTestSubscription;
using testing::MakeDesired;
using testing::MakeDesiredSet;
using testing::MakeObserved;
using testing::TestPlanOptions;

std::vector<std::string> Addresses(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.changes)
    out.push_back(std::string(ActionName(c.action)) + " " + c.address);
  return out;
}

const Json kVaultSpec = {{"location", "westeurope"},
                         {"properties", {{"sku", {{"name", "premium"}}}}}};

// Vault/kv declared as kVaultSpec under `policy`, planned against `live` (owned by this stack)
// with a fake Vault handler that this adds to `fakes`.
Plan PlanVaultKv(FakeRegistry& fakes, ReconcilePolicy policy, const Json& live,
                 bool prune = false) {
  fakes.Add("Vault");
  const DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "kv", kVaultSpec, {}, policy)});
  ObservedSet observed;
  observed.resources.push_back(MakeObserved("Vault", "Vault/kv", FakeArmId("Vault", "kv"), live));
  return MakePlan(desired, observed, fakes.registry, TestPlanOptions(prune));
}

// Nothing declared, `live` found: what a fake Vault handler plans for the live Vaults.
Plan PlanNothingDeclared(std::vector<ObservedResource> live, bool prune) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  ObservedSet observed;
  observed.resources = std::move(live);
  return MakePlan(MakeDesiredSet({}), observed, fakes.registry, TestPlanOptions(prune));
}

TEST(PlanTest, RecoversSoftDeletedVaultThenAppliesDesiredProperties) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "payments-kv", kVaultSpec)});
  ObservedSet observed;
  observed.soft_deleted.push_back({"Vault", "Payments-KV", kTestSubscription, "westeurope",
                                   FakeArmId("Vault", "payments-kv"), "2026-11-01T00:00:00Z",
                                   "2027-01-30T00:00:00Z", true});

  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  ASSERT_EQ(plan.changes.size(), 1u);
  const Change& c = plan.changes[0];
  EXPECT_EQ(c.action, Action::kRecover);
  EXPECT_EQ(c.address, "Vault/payments-kv");
  EXPECT_EQ(c.kind, "Vault");
  EXPECT_EQ(c.arm_id, FakeArmId("Vault", "payments-kv"));
  EXPECT_EQ(c.reason_code, "recover_soft_deleted");
  EXPECT_EQ(c.after, kVaultSpec);  // recover, then the desired properties are applied
  EXPECT_FALSE(c.report_only);
}

TEST(PlanTest, AHandlerThatThrowsOnLiveStateMakesAnErrorNamingTheResourceNotACrash) {
  FakeRegistry fakes;
  fakes.Add("Vault")->plan_override = [](const PlanChangeRequest& r) -> Change {
    if (r.desired && r.desired->name == "odd") {
      // What nlohmann throws when live state has the wrong type where a handler reads a string.
      return Change{.reason = r.observed->live.at("properties").at("tenantId").get<std::string>()};
    }
    return Change{};
  };
  DesiredSet desired = MakeDesiredSet(
      {MakeDesired("Vault", "odd", kVaultSpec), MakeDesired("Vault", "fine", kVaultSpec)});
  ObservedSet observed;
  observed.resources.push_back(MakeObserved("Vault", "Vault/odd", FakeArmId("Vault", "odd"),
                                            {{"properties", {{"tenantId", 7}}}}));

  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  ASSERT_TRUE(plan.diagnostics.HasErrors());
  ASSERT_EQ(plan.diagnostics.items().size(), 1u);
  EXPECT_EQ(plan.diagnostics.items()[0].message.rfind("Vault/odd: cannot plan: ", 0), 0u)
      << plan.diagnostics.items()[0].message;
  EXPECT_EQ(Addresses(plan), (std::vector<std::string>{"no-op Vault/fine"}));
}

TEST(PlanTest, SoftDeletedNameInAnotherSubscriptionDoesNotRecover) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "kv", kVaultSpec)});
  ObservedSet observed;
  observed.soft_deleted.push_back(
      {"Vault", "kv", "other-subscription", "westeurope", "", "", "", false});
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  EXPECT_EQ(plan.changes.at(0).action, Action::kCreate);
}

TEST(PlanTest, UnavailableNameIsPassedToTheHandler) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "Taken-KV", kVaultSpec)});
  ObservedSet observed;
  observed.unavailable_names["Vault/taken-kv"] = "The name 'taken-kv' is already in use.";
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  EXPECT_EQ(plan.changes.at(0).action, Action::kBlocked);
  EXPECT_EQ(plan.changes.at(0).reason, "The name 'taken-kv' is already in use.");
}

TEST(PlanTest, MatchesLiveResourcesByArmIdCaseInsensitively) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "kv", kVaultSpec)});
  ObservedSet observed;
  Json live = kVaultSpec;
  live["properties"]["sku"]["name"] = "standard";
  observed.resources.push_back(
      MakeObserved("Vault", "Vault/kv", AsciiLower(FakeArmId("Vault", "KV")), live));
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  ASSERT_EQ(plan.changes[0].field_changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].field_changes[0].path, "properties.sku.name");
  EXPECT_EQ(plan.changes[0].fingerprint, observed.resources[0].fingerprint);
}

TEST(PlanTest, UntaggedLiveResourceIsAdoptedNotTakenOverSilently) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "kv", kVaultSpec)});
  ObservedSet observed;
  observed.resources.push_back(
      MakeObserved("Vault", "Vault/kv", FakeArmId("Vault", "kv"), kVaultSpec, /*owned=*/false));
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  EXPECT_EQ(plan.changes.at(0).action, Action::kAdopt);
}

TEST(PlanTest, ObservePolicyMarksChangesReportOnly) {
  FakeRegistry fakes;
  Json live = kVaultSpec;
  live["location"] = "northeurope";
  Plan plan = PlanVaultKv(fakes, ReconcilePolicy::kObserve, live);
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_TRUE(plan.changes[0].report_only);
  EXPECT_EQ(plan.changes[0].policy, ReconcilePolicy::kObserve);
  EXPECT_EQ(plan.Summary().change, 0);
  EXPECT_EQ(plan.Summary().drift, 1);
}

TEST(PlanTest, SkipPolicyOmitsTheResourceAndNeverPrunesIt) {
  FakeRegistry fakes;
  Plan plan = PlanVaultKv(fakes, ReconcilePolicy::kSkip, Json(), /*prune=*/true);
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_EQ(fakes["Vault"]->plan_calls.load(), 0);
}

TEST(PlanTest, WithoutPruneResourcesGoneFromManifestsAreLeftAlone) {
  Plan plan =
      PlanNothingDeclared({MakeObserved("Vault", "Vault/old", FakeArmId("Vault", "old"), {})},
                          /*prune=*/false);
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_FALSE(plan.HasChanges());
}

TEST(PlanTest, PruneDeletesOnlyResourcesOwnedByThisStack) {
  Plan plan = PlanNothingDeclared(
      {
          MakeObserved("Vault", "Vault/ours", FakeArmId("Vault", "ours"), {}),
          MakeObserved("Vault", "Vault/untagged", FakeArmId("Vault", "untagged"), {},
                       /*owned=*/false),
          MakeObserved("Vault", "Vault/theirs", FakeArmId("Vault", "theirs"),
                       {{"tags", {{"keyward-stack", "other-stack"}}}}, false),
          // Tag name case-insensitive, value case-sensitive.
          MakeObserved("Vault", "Vault/upper", FakeArmId("Vault", "upper"),
                       {{"tags", {{"Keyward-Stack", kTestStack}}}}, false),
          MakeObserved("Vault", "Vault/wrongcase", FakeArmId("Vault", "wrongcase"),
                       {{"tags", {{"keyward-stack", "TEST-STACK"}}}}, false),
      },
      /*prune=*/true);
  EXPECT_EQ(Addresses(plan), (std::vector<std::string>{"delete Vault/ours", "delete Vault/upper"}));
  EXPECT_EQ(plan.changes[0].reason_code, "pruned");
}

TEST(PlanTest, UndeclaredEntriesOfExclusiveParentsAreRemovedWithoutPrune) {
  FakeRegistry fakes;
  fakes.Add("AccessPolicy");
  const std::string declared_id = FakeArmId("Vault", "kv") + "/accessPolicies/declared";
  DesiredSet desired = MakeDesiredSet({MakeDesired("AccessPolicy", "kv/declared", {})});
  desired.resources[0].arm_id = declared_id;
  ObservedSet observed;
  ObservedResource declared =
      MakeObserved("AccessPolicy", "AccessPolicy/kv/declared", declared_id, {});
  declared.remove_if_undeclared = true;
  ObservedResource stranger =
      MakeObserved("AccessPolicy", "AccessPolicy/kv/stranger",
                   FakeArmId("Vault", "kv") + "/accessPolicies/stranger", {}, /*owned=*/false);
  stranger.remove_if_undeclared = true;
  ObservedResource shared =
      MakeObserved("AccessPolicy", "AccessPolicy/other/shared",
                   FakeArmId("Vault", "other") + "/accessPolicies/shared", {}, /*owned=*/false);
  observed.resources = {declared, stranger, shared};
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions(/*prune=*/false));
  EXPECT_EQ(Addresses(plan), (std::vector<std::string>{"no-op AccessPolicy/kv/declared",
                                                       "delete AccessPolicy/kv/stranger"}));
}

TEST(PlanTest, LiveResourceWithServerChosenIdIsMatchedByAddress) {
  FakeRegistry fakes;
  fakes.Add("PrivateEndpointConnection");
  DesiredSet desired = MakeDesiredSet(
      {MakeDesired("PrivateEndpointConnection", "kv/app", {{"status", "Approved"}})});
  desired.resources[0].arm_id.clear();  // ARM picks the connection name
  ObservedSet observed;
  observed.resources.push_back(MakeObserved(
      "PrivateEndpointConnection", "PrivateEndpointConnection/kv/app",
      FakeArmId("Vault", "kv") + "/privateEndpointConnections/x", {{"status", "Approved"}}));
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions());
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kNoOp);
  EXPECT_EQ(plan.changes[0].arm_id, FakeArmId("Vault", "kv") + "/privateEndpointConnections/x");
}

TEST(PlanTest, PruneUnderDetachOnDeleteDefaultIsReportOnly) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({});
  desired.config.default_policy = ReconcilePolicy::kDetachOnDelete;
  ObservedSet observed;
  observed.resources.push_back(MakeObserved("Vault", "Vault/ours", FakeArmId("Vault", "ours"), {}));
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions(/*prune=*/true));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kDelete);
  EXPECT_TRUE(plan.changes[0].report_only);
  EXPECT_NE(plan.changes[0].reason.find("detach-on-delete"), std::string::npos);
  EXPECT_EQ(plan.Summary().destroy, 0);
}

TEST(PlanTest, DeletesChildrenBeforeTheirVault) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  fakes.Add("Key");
  fakes.Add("Secret");
  DesiredSet desired = MakeDesiredSet({});
  const std::string vault_id = FakeArmId("Vault", "old-kv");
  ObservedSet observed;
  // Refresh order: parents first, as refresh produces them.
  observed.resources.push_back(MakeObserved("Vault", "Vault/old-kv", vault_id, {}));
  observed.resources.push_back(MakeObserved("Vault", "Vault/old-kv2", vault_id + "2", {}));
  observed.resources.push_back(MakeObserved("Key", "Key/old-kv/k1", vault_id + "/keys/k1", {}));
  observed.resources.push_back(
      MakeObserved("Secret", "Secret/old-kv/s1", AsciiLower(vault_id) + "/secrets/s1", {}));
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions(/*prune=*/true));
  EXPECT_EQ(Addresses(plan),
            (std::vector<std::string>{"delete Key/old-kv/k1", "delete Secret/old-kv/s1",
                                      "delete Vault/old-kv", "delete Vault/old-kv2"}));
  const Change* vault = plan.Find("Vault/old-kv");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->depends_on, (std::vector<std::string>{"Key/old-kv/k1", "Secret/old-kv/s1"}));
  EXPECT_TRUE(plan.Find("Vault/old-kv2")->depends_on.empty());  // "old-kv2" is not under "old-kv/"
}

TEST(PlanTest, CreatesFollowDependencyOrderStably) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  fakes.Add("Key");
  // Load order puts the keys first; dependencies must win, ties keep load order.
  DesiredSet desired = MakeDesiredSet({
      MakeDesired("Key", "b", {}, {"Vault/kv"}),
      MakeDesired("Key", "a", {}, {"Vault/kv"}),
      MakeDesired("Vault", "kv", kVaultSpec, {"ResourceGroup/not-in-plan"}),
      MakeDesired("Vault", "kv2", kVaultSpec),
  });
  Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  EXPECT_EQ(Addresses(plan), (std::vector<std::string>{"create Vault/kv", "create Key/b",
                                                       "create Key/a", "create Vault/kv2"}));
  EXPECT_EQ(plan.Find("Key/a")->depends_on, std::vector<std::string>{"Vault/kv"});
  EXPECT_EQ(plan.Find("Vault/kv")->depends_on,
            std::vector<std::string>{"ResourceGroup/not-in-plan"});
}

// MakePlan orders changes on positions, not through a Graph (a fleet's plan is large): its order
// must stay the Graph's, ties to load order, with repeated dependencies counting once.
TEST(PlanTest, OrderIsTheGraphsTopologicalOrder) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  std::vector<DesiredResource> resources;
  std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
  for (int i = 0; i < 60; ++i) {
    std::vector<std::string> deps;
    // Each depends on a few later-listed ones (so load order is not the answer), some twice.
    for (int j : {i + 1 + i % 7, i + 3 + i % 5, i + 1 + i % 7, 200})
      if (j < 60 || j == 200) deps.push_back("Vault/v" + std::to_string(j));
    resources.push_back(MakeDesired("Vault", "v" + std::to_string(i), kVaultSpec, deps));
    nodes.emplace_back("Vault/v" + std::to_string(i), deps);
  }
  Plan plan = MakePlan(MakeDesiredSet(resources), {}, fakes.registry, TestPlanOptions());
  auto order = Graph::FromDependencies(nodes).TopologicalOrder();
  ASSERT_TRUE(order.has_value());
  std::vector<std::string> planned;
  for (const Change& c : plan.changes) planned.push_back(c.address);
  EXPECT_EQ(planned, *order);
  EXPECT_NE(planned.front(), "Vault/v0");
}

TEST(PlanTest, DeletesComeAfterCreatesAndUpdates) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet({MakeDesired("Vault", "new", kVaultSpec)});
  ObservedSet observed;
  observed.resources.push_back(MakeObserved("Vault", "Vault/old", FakeArmId("Vault", "old"), {}));
  Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions(true));
  EXPECT_EQ(Addresses(plan), (std::vector<std::string>{"create Vault/new", "delete Vault/old"}));
}

TEST(PlanTest, CycleKeepsLoadOrderAndIsAnError) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  DesiredSet desired = MakeDesiredSet(
      {MakeDesired("Vault", "a", {}, {"Vault/b"}), MakeDesired("Vault", "b", {}, {"Vault/a"})});
  Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  EXPECT_EQ(Addresses(plan), (std::vector<std::string>{"create Vault/a", "create Vault/b"}));
  ASSERT_TRUE(plan.diagnostics.HasErrors());
  EXPECT_NE(plan.diagnostics.items()[0].message.find("dependency cycle: Vault/"),
            std::string::npos);
}

TEST(PlanTest, UnknownKindIsAnErrorDiagnostic) {
  FakeRegistry fakes;
  DesiredSet desired = MakeDesiredSet({MakeDesired("Widget", "w", {})});
  Plan plan = MakePlan(desired, {}, fakes.registry, TestPlanOptions());
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_TRUE(plan.diagnostics.HasErrors());
}

TEST(PlanTest, MakePlanIsDeterministic) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  fakes.Add("Key");
  DesiredSet desired = MakeDesiredSet({
      MakeDesired("Key", "k", {{"kty", "RSA"}}, {"Vault/kv"}),
      MakeDesired("Vault", "kv", kVaultSpec),
      MakeDesired("Vault", "gone-soft", kVaultSpec),
  });
  ObservedSet observed;
  Json live = kVaultSpec;
  live["location"] = "northeurope";
  observed.resources.push_back(MakeObserved("Vault", "Vault/kv", FakeArmId("Vault", "kv"), live));
  observed.resources.push_back(MakeObserved("Vault", "Vault/z", FakeArmId("Vault", "z"), {}));
  observed.resources.push_back(MakeObserved("Vault", "Vault/y", FakeArmId("Vault", "y"), {}));
  observed.soft_deleted.push_back({"Vault", "gone-soft", kTestSubscription, "", "", "", "", false});
  const std::string first =
      MakePlan(desired, observed, fakes.registry, TestPlanOptions(true)).Dump();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(MakePlan(desired, observed, fakes.registry, TestPlanOptions(true)).Dump(), first);
  // Refresh order must not leak into the plan.
  std::swap(observed.resources[1], observed.resources[2]);
  EXPECT_EQ(MakePlan(desired, observed, fakes.registry, TestPlanOptions(true)).Dump(), first);
  EXPECT_EQ(first, "update Vault/kv policy=manage id=" + FakeArmId("Vault", "kv") +
                       " fingerprint=" + observed.resources[0].fingerprint +
                       " {location: \"northeurope\" -> \"westeurope\"}\n"
                       "create Key/k policy=manage id=" +
                       FakeArmId("Key", "k") +
                       " deps=[Vault/kv]\n"
                       "recover Vault/gone-soft policy=manage id=" +
                       FakeArmId("Vault", "gone-soft") +
                       " reason_code=recover_soft_deleted\n"
                       "delete Vault/y policy=manage id=" +
                       FakeArmId("Vault", "y") +
                       " reason_code=pruned fingerprint=" + observed.resources[2].fingerprint +
                       "\n"
                       "delete Vault/z policy=manage id=" +
                       FakeArmId("Vault", "z") + " reason_code=pruned fingerprint=" +
                       observed.resources[1].fingerprint + "\n");
}

}  // namespace
}  // namespace keyward::engine
