#include "engine/plan.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

constexpr Action kAllActions[] = {
    Action::kNoOp,        Action::kCreate,  Action::kUpdate,          Action::kReplace,
    Action::kDelete,      Action::kRecover, Action::kPurgeThenCreate, Action::kBlocked,
    Action::kUnsupported, Action::kAdopt};

TEST(PlanModelTest, ActionNamesAreTheDesignVocabulary) {
  std::vector<std::string> names;
  for (Action a : kAllActions) names.push_back(ActionName(a));
  EXPECT_EQ(names,
            (std::vector<std::string>{"no-op", "create", "update", "replace", "delete", "recover",
                                      "purge-then-create", "blocked", "unsupported", "adopt"}));
}

TEST(PlanModelTest, DestructiveAndWriteActions) {
  for (Action a : kAllActions) {
    const bool destructive =
        a == Action::kDelete || a == Action::kReplace || a == Action::kPurgeThenCreate;
    EXPECT_EQ(IsDestructive(a), destructive) << ActionName(a);
    const bool write = a != Action::kNoOp && a != Action::kBlocked && a != Action::kUnsupported;
    EXPECT_EQ(IsWrite(a), write) << ActionName(a);
  }
}

TEST(PlanModelTest, HasChangesIgnoresNoOps) {
  Plan plan;
  EXPECT_FALSE(plan.HasChanges());
  plan.changes.push_back(Change{});
  EXPECT_FALSE(plan.HasChanges());
  Change c;
  c.action = Action::kUnsupported;
  c.address = "Key/kv/k";
  plan.changes.push_back(c);
  EXPECT_TRUE(plan.HasChanges());
  EXPECT_EQ(plan.Find("Key/kv/k"), &plan.changes[1]);
  EXPECT_EQ(plan.Find("Key/kv/other"), nullptr);
}

TEST(PlanModelTest, SummaryCountsReplaceAsAddAndDestroy) {
  Plan plan;
  for (Action a : kAllActions) {
    Change c;
    c.action = a;
    plan.changes.push_back(c);
  }
  Change drift;
  drift.action = Action::kDelete;
  drift.report_only = true;
  plan.changes.push_back(drift);
  const PlanSummary s = plan.Summary();
  EXPECT_EQ(s.add, 3);      // create, replace, purge-then-create
  EXPECT_EQ(s.change, 3);   // update, recover, adopt
  EXPECT_EQ(s.destroy, 3);  // delete, replace, purge-then-create
  EXPECT_EQ(s.recover, 1);
  EXPECT_EQ(s.blocked, 1);
  EXPECT_EQ(s.unsupported, 1);
  EXPECT_EQ(s.other, 2);
  EXPECT_EQ(s.drift, 1);
}

TEST(PlanModelTest, DumpHidesSensitiveValues) {
  Plan plan;
  Change c;
  c.action = Action::kUpdate;
  c.address = "Secret/kv/db";
  c.sensitive_paths = {"properties.value"};
  c.field_changes = {{"properties.value", "canary-old", "canary-new"}, {"tags.a", "x", "y"}};
  plan.changes.push_back(c);
  EXPECT_EQ(plan.Dump(),
            "update Secret/kv/db policy=manage {properties.value: (sensitive) -> (sensitive)} "
            "{tags.a: \"x\" -> \"y\"}\n");
}

TEST(ResourceModelTest, ReconcilePoliciesRoundTrip) {
  for (auto p : {ReconcilePolicy::kManage, ReconcilePolicy::kObserve, ReconcilePolicy::kSkip,
                 ReconcilePolicy::kDetachOnDelete})
    EXPECT_EQ(ParseReconcilePolicy(ReconcilePolicyName(p)), p);
  EXPECT_EQ(ParseReconcilePolicy("Observe"), ReconcilePolicy::kObserve);
  EXPECT_EQ(ParseReconcilePolicy("detach"), std::nullopt);
  EXPECT_EQ(ParseReconcilePolicy(""), std::nullopt);
}

TEST(ResourceModelTest, LookupsAreCaseInsensitiveWhereArmIs) {
  ObservedSet set;
  ObservedResource r;
  r.arm_id = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KV";
  set.resources.push_back(r);
  EXPECT_EQ(
      set.FindById("/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv"),
      &set.resources[0]);
  EXPECT_EQ(set.FindById(""), nullptr);
  EXPECT_EQ(set.FindById("/subscriptions/s/x"), nullptr);

  SoftDeletedResource d;
  d.kind = "Vault";
  d.name = "Payments-KV";
  d.subscription = "ABC";
  set.soft_deleted.push_back(d);
  EXPECT_EQ(set.FindSoftDeleted("Vault", "payments-kv", "abc"), &set.soft_deleted[0]);
  EXPECT_EQ(set.FindSoftDeleted("ManagedHsm", "payments-kv", "abc"), nullptr);
  EXPECT_EQ(set.FindSoftDeleted("Vault", "payments-kv", "other"), nullptr);

  DesiredSet desired;
  desired.resources.push_back({});
  desired.resources[0].address = "Vault/kv";
  EXPECT_EQ(desired.Find("Vault/kv"), &desired.resources[0]);
  EXPECT_EQ(desired.Find("Vault/KV"), nullptr);  // addresses are exact

  EXPECT_EQ(AsciiLower("AbC-Ü"), "abc-Ü");
  EXPECT_TRUE(EqualsIgnoreCase("WestEurope", "westeurope"));
  EXPECT_FALSE(EqualsIgnoreCase("westeurope", "westeurope2"));
}

}  // namespace
}  // namespace keyward::engine
