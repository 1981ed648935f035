// Scenario tests of the ResourceGroup planning logic (pure). The ARM side is exercised in
// vault_handler_test.cc against the emulator.
#include "providers/azure/kinds/resource_group_handler.h"

#include <gtest/gtest.h>

#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {
namespace {

engine::DesiredResource Desired(Json spec) {
  engine::DesiredResource d;
  d.kind = "ResourceGroup";
  d.name = "rg-payments";
  d.subscription = kSub;
  d.address = "ResourceGroup/rg-payments";
  d.arm_id = ResourceGroupArmId(kSub, "rg-payments");
  d.spec = std::move(spec);
  return d;
}

engine::ObservedResource Observed(Json tags, const std::string& location = "westeurope") {
  engine::ObservedResource o;
  o.kind = "ResourceGroup";
  o.arm_id = ResourceGroupArmId(kSub, "rg-payments");
  o.address = "ResourceGroup/rg-payments";
  o.live = {{"id", o.arm_id},
            {"name", "rg-payments"},
            {"type", "Microsoft.Resources/resourceGroups"},
            {"location", location},
            {"properties", {{"provisioningState", "Succeeded"}}}};
  if (!tags.is_null()) o.live["tags"] = tags;
  return o;
}

Change Plan(const engine::DesiredResource* desired, const engine::ObservedResource* observed) {
  engine::PlanOptions options{.prune = true, .purge_then_create = false, .stack = kStack};
  engine::PlanChangeRequest request;
  request.desired = desired;
  request.observed = observed;
  request.options = &options;
  return PlanResourceGroupChange(ResourceGroupDescriptor(), request);
}

TEST(ResourceGroupPlanTest, CreatesWithOwnershipTag) {
  auto desired = Desired({{"location", "West Europe"}, {"tags", {{"team", "payments"}}}});
  Change c = Plan(&desired, nullptr);
  EXPECT_EQ(c.action, Action::kCreate);
  EXPECT_EQ(c.after, (Json{{"location", "westeurope"},
                           {"tags", {{"team", "payments"}, {"keyward-stack", kStack}}}}));
}

TEST(ResourceGroupPlanTest, AdoptsUntaggedGroupKeepingItsTags) {
  auto desired = Desired({{"location", "westeurope"}});
  auto observed = Observed({{"owner", "platform"}});
  Change c = Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kAdopt);
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].path, "tags.keyward-stack");
  EXPECT_EQ(c.after["tags"]["owner"], "platform");  // unmanaged tags preserved
}

TEST(ResourceGroupPlanTest, GroupOfAnotherStackIsBlockedNotTakenOver) {
  auto desired = Desired({{"location", "westeurope"}});
  auto observed = Observed({{"keyward-stack", "billing"}});
  Change c = Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "owned_by_other_stack");
  EXPECT_NE(c.reason.find("billing"), std::string::npos) << c.reason;
}

TEST(ResourceGroupPlanTest, NoOpAfterLocationNormalization) {
  auto desired = Desired({{"location", "West Europe"}, {"tags", {{"team", "payments"}}}});
  auto observed = Observed({{"team", "payments"}, {"keyward-stack", kStack}});
  Change c = Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_FALSE(c.fingerprint.empty());
  EXPECT_FALSE(c.before.contains("properties"));
}

TEST(ResourceGroupPlanTest, ManagedTagsUpdate) {
  auto desired = Desired({{"location", "westeurope"}, {"tags", {{"team", "payments"}}}});
  auto observed = Observed({{"team", "billing"}, {"old", "x"}, {"keyward-stack", kStack}});
  Change c = Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kUpdate);
  ASSERT_EQ(c.field_changes.size(), 2u);
  EXPECT_EQ(c.field_changes[0].path, "tags.team");
  EXPECT_EQ(c.field_changes[1].path, "tags.old");
  EXPECT_TRUE(c.field_changes[1].after.is_null());
}

TEST(ResourceGroupPlanTest, LocationChangeIsBlockedNeverReplaced) {
  auto desired = Desired({{"location", "northeurope"}});
  auto observed = Observed({{"keyward-stack", kStack}});
  Change c = Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  EXPECT_NE(c.reason.find("delete every resource"), std::string::npos);
}

TEST(ResourceGroupPlanTest, PruneDeletesOnlyOwnedGroups) {
  auto owned = Observed({{"keyward-stack", kStack}});
  EXPECT_EQ(Plan(nullptr, &owned).action, Action::kDelete);
  auto foreign = Observed({{"keyward-stack", "other"}});
  EXPECT_EQ(Plan(nullptr, &foreign).action, Action::kNoOp);
  auto untagged = Observed(Json());
  EXPECT_EQ(Plan(nullptr, &untagged).action, Action::kNoOp);
}

TEST(ResourceGroupPlanTest, ResolveGivesAddressAndId) {
  ResourceGroupHandler handler(nullptr);
  auto desired = Desired({{"location", "westeurope"}});
  engine::ResolveRequest request{&desired, nullptr};
  auto out = handler.Resolve(request);
  EXPECT_EQ(out.address, "ResourceGroup/rg-payments");
  EXPECT_EQ(out.arm_id, "/subscriptions/" + std::string(kSub) + "/resourceGroups/rg-payments");
  EXPECT_FALSE(out.diagnostics.HasErrors());
  // The name rules are the schema's (engine/schema_test.cc ResourceGroupNameRules).
}

}  // namespace
}  // namespace keyward::azure::model_test
