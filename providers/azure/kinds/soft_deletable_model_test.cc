// The planning rules Vault and ManagedHsm share (ownership, ARM's name check, purge-then-create),
// as one test run for each kind: a rule that holds for one kind and not the other fails here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "providers/azure/kinds/soft_deletable_model_test_util.h"

namespace keyward::azure::model_test {
namespace {

class SoftDeletableKindTest : public SoftDeletableModelTest,
                              public ::testing::WithParamInterface<const SoftDeletableKind*> {
 protected:
  SoftDeletableKindTest() : SoftDeletableModelTest(*GetParam()) {}
};

TEST_P(SoftDeletableKindTest, AdoptsAnUntaggedResource) {
  Json live = Live();
  live["tags"].erase("keyward-stack");
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kAdopt);
  EXPECT_EQ(c.reason_code, "adopt");
  EXPECT_EQ(Paths(c), std::vector<std::string>{"tags.keyward-stack"});
}

TEST_P(SoftDeletableKindTest, AResourceOfAnotherStackIsBlockedNotTakenOver) {
  Json live = Live();
  live["tags"]["keyward-stack"] = "billing";
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "owned_by_other_stack");
  EXPECT_NE(c.reason.find("billing"), std::string::npos) << c.reason;
}

TEST_P(SoftDeletableKindTest, BlockedWhenNameTakenElsewhereWithArmsMessage) {
  auto desired = Desired(BasicSpec());
  const std::string message = "The name '" + desired.name + "' is already in use.";
  Change c = Planner().Plan(&desired, nullptr, nullptr, &message);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "name_unavailable");
  EXPECT_EQ(c.reason, message);
}

TEST_P(SoftDeletableKindTest, PurgeThenCreateOnlyWithPolicyAndNoPurgeProtection) {
  auto desired = Desired(BasicSpec());
  KindPlanner with_policy = Planner();
  with_policy.options.purge_then_create = true;

  auto unprotected = Deleted(/*purge_protection=*/false);
  Change c = with_policy.Plan(&desired, nullptr, &unprotected);
  EXPECT_EQ(c.action, Action::kPurgeThenCreate);
  EXPECT_EQ(c.reason_code, "purge_then_create");
  EXPECT_EQ(Planner().Plan(&desired, nullptr, &unprotected).action, Action::kRecover);

  auto protected_resource = Deleted(/*purge_protection=*/true);
  c = with_policy.Plan(&desired, nullptr, &protected_resource);
  EXPECT_EQ(c.action, Action::kRecover);  // purge impossible; recovering still converges
  EXPECT_NE(c.reason.find("purge protection is on"), std::string::npos) << c.reason;
}

INSTANTIATE_TEST_SUITE_P(Kinds, SoftDeletableKindTest, ::testing::Values(&kVault, &kManagedHsm),
                         [](const ::testing::TestParamInfo<const SoftDeletableKind*>& info) {
                           return std::string(info.param->kind);
                         });

}  // namespace
}  // namespace keyward::azure::model_test
