// Scenario tests of the Vault planning logic (pure: no ARM, no emulator).
#include "providers/azure/kinds/vault_model.h"

#include <gtest/gtest.h>

#include "providers/azure/kinds/change_test_util.h"
#include "providers/azure/kinds/soft_deletable_model_test_util.h"
#include "providers/azure/kinds/vault_handler.h"

namespace keyward::azure::model_test {
namespace {

using VaultPlanTest = KindModelTest<kVault>;
using VaultBodyTest = VaultPlanTest;
using VaultHandlerTest = VaultPlanTest;

TEST_F(VaultPlanTest, CreatesWhenAbsentAndNameFree) {
  Change c = PlanAbsent();
  EXPECT_EQ(c.action, Action::kCreate);
  EXPECT_TRUE(c.before.is_null());
  EXPECT_EQ(c.fingerprint, "");
  EXPECT_EQ(c.after["location"], "westeurope");
  EXPECT_EQ(c.after["tags"]["keyward-stack"], kStack);
  EXPECT_EQ(c.after["tags"]["team"], "payments");
  EXPECT_EQ(c.after["properties"]["sku"]["name"], "premium");
  EXPECT_EQ(c.after["properties"]["tenantId"], kTenant);
  EXPECT_FALSE(c.after["properties"].contains("enabledForDeployment"));  // not set by the user
}

TEST_F(VaultPlanTest, RecoversSoftDeletedVaultThenAppliesDesiredProperties) {
  Change c = PlanAbsent(Deleted(/*purge_protection=*/false));
  EXPECT_EQ(c.action, Action::kRecover);
  EXPECT_EQ(c.reason_code, "recover_soft_deleted");
  EXPECT_NE(c.reason.find("restores the old configuration"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("#17375"), std::string::npos);
  // The desired body is still what apply converges to after recovering.
  EXPECT_EQ(c.after["properties"]["sku"]["name"], "premium");
}

TEST_F(VaultPlanTest, PurgeThenCreateAlsoResolvesALocationMismatch) {
  auto desired = Desired(BasicSpec());
  KindPlanner with_policy = Planner();
  with_policy.options.purge_then_create = true;
  auto elsewhere = Deleted(false, "northeurope");
  EXPECT_EQ(with_policy.Plan(&desired, nullptr, &elsewhere).action, Action::kPurgeThenCreate);
}

TEST_F(VaultPlanTest, BlockedByPurgeProtectionSaysUntilWhen) {
  Change c = PlanAbsent(Deleted(true, "North Europe"));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "blocked_by_purge_protection");
  EXPECT_NE(c.reason.find("2027-01-30T10:00:00Z"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("northeurope"), std::string::npos) << c.reason;
}

TEST_F(VaultPlanTest, BlockedWhenSoftDeletedInAnotherLocationWithoutPurgePolicy) {
  Change c = PlanAbsent(Deleted(false, "northeurope"));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "soft_deleted_elsewhere");
  EXPECT_NE(c.reason.find("purge_then_create"), std::string::npos) << c.reason;
}

TEST_F(VaultPlanTest, BlockedWhenSoftDeletedFromAnotherResourceGroup) {
  auto desired = Desired(BasicSpec());
  auto deleted = Deleted(false);
  deleted.original_id = VaultArmId(kSub, "rg-old", "payments-kv");
  Change c = Planner().Plan(&desired, nullptr, &deleted);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_NE(c.reason.find("rg-old"), std::string::npos) << c.reason;
}

TEST_F(VaultPlanTest, AdoptReconcilesPropertiesToo) {
  Json live = LiveVault();
  live["tags"] = Json::object();
  live["properties"]["sku"]["name"] = "standard";
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kAdopt);
  EXPECT_EQ(Paths(c),
            (std::vector<std::string>{"properties.sku.name", "tags.keyward-stack", "tags.team"}));
}

TEST_F(VaultPlanTest, EmptyStackUpdatesWithoutAdopting) {
  auto desired = Desired(BasicSpec());
  Json live = LiveVault();
  live["tags"].erase("keyward-stack");
  auto observed = Observed(live);
  KindPlanner planner = Planner();
  planner.options.stack = "";
  Change c = planner.Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_FALSE(c.after["tags"].contains("keyward-stack"));
}

TEST_F(VaultPlanTest, NoOpAfterNormalization) {
  // Desired in the user's spelling; live in ARM's (West Europe, /32, reordered ipRules,
  // "disabled", "Premium", uppercase tenant, deny) plus read-only fields and access policies.
  Json spec = BasicSpec();
  spec["location"] = "West Europe";
  spec["sku"] = {{"family", "a"}, {"name", "PREMIUM"}};
  spec["softDeleteRetentionInDays"] = "90";  // quoted in YAML
  spec["networkAcls"]["bypass"] = "azureservices";
  Change c = PlanOverLive(spec);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason << "\n" << testing::PrintToString(Paths(c));
  EXPECT_TRUE(c.field_changes.empty());
  EXPECT_FALSE(c.fingerprint.empty());
  EXPECT_FALSE(c.before["properties"].contains("accessPolicies"));
  EXPECT_FALSE(c.before["properties"].contains("provisioningState"));
  EXPECT_FALSE(c.before.contains("id"));
}

TEST_F(VaultPlanTest, UpdateShowsExactlyTheChangedField) {
  Json live = LiveVault();
  live["properties"]["publicNetworkAccess"] = "Enabled";
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kUpdate);
  ExpectOnlyFieldChange(c, "properties.publicNetworkAccess", "Enabled", "Disabled");
}

TEST_F(VaultPlanTest, AVaultWhoseProvisioningFailedIsProvisionedAgain) {
  // Found by the fault campaign (docs/reliability.md): a create whose provisioning ended Failed
  // left a vault that matched the manifest field by field, so every later plan was a no-op and
  // apply wrote keys and secrets into a vault that never finished provisioning.
  auto desired = Desired(BasicSpec());
  Json live = LiveVault();
  live["properties"]["provisioningState"] = "Failed";
  auto observed = Observed(live);
  Change c = Planner().Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kUpdate) << c.reason;
  EXPECT_EQ(c.reason_code, "provisioning_failed");
  EXPECT_NE(c.reason.find("provisioningState is Failed"), std::string::npos) << c.reason;
  ASSERT_EQ(Paths(c), std::vector<std::string>{kProvisioningStatePath});
  EXPECT_EQ(c.field_changes[0].before, "Failed");
  EXPECT_EQ(c.field_changes[0].after, "Succeeded");

  // Other drift is listed beside it.
  live["properties"]["publicNetworkAccess"] = "Enabled";
  auto drifted = Observed(live);
  c = Planner().Plan(&desired, &drifted);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(Paths(c),
            (std::vector<std::string>{"properties.publicNetworkAccess", kProvisioningStatePath}));
}

TEST_F(VaultBodyTest, ReprovisionPatchSendsEveryManagedFieldButNoAccessPolicies) {
  // What apply PATCHes for a failed vault: BuildVaultPatchBody against no live state.
  Json desired = BuildDesiredVaultBody(BasicSpec(), kStack, Json());
  Json patch = BuildVaultPatchBody(desired, Json());
  ASSERT_TRUE(patch.is_object());
  EXPECT_EQ(patch["tags"], desired["tags"]);
  EXPECT_EQ(patch["properties"]["publicNetworkAccess"], "Disabled");
  EXPECT_EQ(patch["properties"]["sku"]["name"], "premium");
  EXPECT_EQ(patch["properties"]["networkAcls"]["defaultAction"], "Deny");
  EXPECT_FALSE(patch["properties"].contains("accessPolicies"));
  EXPECT_FALSE(patch["properties"].contains("softDeleteRetentionInDays"));  // fixed at creation
}

TEST_F(VaultPlanTest, IpRuleSetDifferenceIsOneUpdate) {
  Json live = LiveVault();
  live["properties"]["networkAcls"]["ipRules"] = Json::array({{{"value", "203.0.113.0/24"}}});
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(Paths(c), std::vector<std::string>{"properties.networkAcls.ipRules"});
}

TEST_F(VaultPlanTest, RetentionChangeIsBlocked) {
  Change c = PlanOverLive(BasicSpecWith("softDeleteRetentionInDays", 30));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  EXPECT_NE(c.reason.find("retention days cannot change after creation"), std::string::npos);
}

TEST_F(VaultPlanTest, RetentionOmittedByArmMeansNinetyDays) {
  Json live = LiveVault();
  live["properties"].erase("softDeleteRetentionInDays");
  EXPECT_EQ(PlanOver(BasicSpec(), live).action, Action::kNoOp);
}

TEST_F(VaultPlanTest, TurningPurgeProtectionOffIsBlocked) {
  Change c = PlanOverLive(BasicSpecWith("enablePurgeProtection", false));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "purge_protection_irreversible");
}

TEST_F(VaultPlanTest, TurningSoftDeleteOffIsBlocked) {
  Change c = PlanOverLive(BasicSpecWith("enableSoftDelete", false));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "soft_delete_irreversible");
}

TEST_F(VaultPlanTest, LocationChangeIsReplaceWithoutPurgeProtection) {
  Json spec = BasicSpec();
  spec["location"] = "northeurope";
  spec.erase("enablePurgeProtection");
  Json live = LiveVault();
  live["properties"]["enablePurgeProtection"] = false;
  Change c = PlanOver(spec, live);
  EXPECT_EQ(c.action, Action::kReplace);
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  EXPECT_TRUE(engine::IsDestructive(c.action));
}

TEST_F(VaultPlanTest, LocationChangeIsBlockedWhenPurgeProtected) {
  Change c = PlanOverLive(BasicSpecWith("location", "northeurope"));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "blocked_by_purge_protection");
}

TEST_F(VaultPlanTest, UnmanagedFieldsAreIgnored) {
  // The user sets only the required fields; live has everything else (and other tags).
  Json live = LiveVault();
  live["tags"]["cost-center"] = "42";
  live["properties"]["enabledForDiskEncryption"] = true;
  Change c = PlanOver(Json{{"location", "westeurope"}, {"tenantId", kTenant}}, live);
  EXPECT_EQ(c.action, Action::kNoOp) << testing::PrintToString(Paths(c));
  // Unmanaged tags are preserved in the body apply would send.
  EXPECT_EQ(c.after["tags"]["cost-center"], "42");
}

TEST_F(VaultPlanTest, UserTagsManageTheWholeTagMap) {
  Json live = LiveVault();
  live["tags"]["temporary"] = "yes";
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kUpdate);
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].path, "tags.temporary");
  EXPECT_TRUE(c.field_changes[0].after.is_null());
}

TEST_F(VaultPlanTest, TenantChangeIsAnUpdateThatSaysSo) {
  Change c = PlanOverLive(BasicSpecWith("tenantId", "00000000-0000-4000-8000-000000000001"));
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_NE(c.reason.find("tenantId"), std::string::npos);
}

TEST_F(VaultPlanTest, PruneDeletesOwnedVaultAndSaysItIsRecoverable) {
  auto observed = Observed(LiveVault());
  Change c = Planner().Plan(nullptr, &observed);
  EXPECT_EQ(c.action, Action::kDelete);
  EXPECT_TRUE(c.after.is_null());
  EXPECT_NE(c.reason.find("recoverable for 90 days"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("name stays reserved"), std::string::npos)
      << c.reason;  // purge-protected
}

TEST_F(VaultPlanTest, PruneNeverTouchesAVaultOfAnotherStack) {
  Json live = LiveVault();
  live["tags"]["keyward-stack"] = "someone-else";
  auto observed = Observed(live);
  EXPECT_EQ(Planner().Plan(nullptr, &observed).action, Action::kNoOp);
}

TEST_F(VaultPlanTest, FingerprintIgnoresServerNoise) {
  Json a = LiveVault();
  Json b = LiveVault();
  b["properties"]["provisioningState"] = "RegisteringDns";
  b["properties"]["accessPolicies"] = Json::array();
  b["systemData"]["lastModifiedAt"] = "2026-02-02T00:00:00Z";
  EXPECT_EQ(FingerprintOfJson(NormalizeVault(a)), FingerprintOfJson(NormalizeVault(b)));
  b["properties"]["enabledForDeployment"] = false;
  EXPECT_NE(FingerprintOfJson(NormalizeVault(a)), FingerprintOfJson(NormalizeVault(b)));
}

TEST_F(VaultBodyTest, CreateBodyHasEmptyAccessPoliciesAndNoFalsePurgeProtection) {
  Json spec = BasicSpec();
  spec["enablePurgeProtection"] = false;
  spec.erase("sku");
  Json body = BuildVaultCreateBody(BuildDesiredVaultBody(spec, kStack, Json()));
  EXPECT_EQ(body["properties"]["accessPolicies"], Json::array());
  EXPECT_FALSE(body["properties"].contains("enablePurgeProtection"));
  EXPECT_EQ(body["properties"]["sku"], (Json{{"family", "A"}, {"name", "standard"}}));
  EXPECT_EQ(body["location"], "westeurope");
}

TEST_F(VaultBodyTest, RecoverBodyCarriesOnlyWhatRecoverNeeds) {
  Json body = BuildVaultRecoverBody(BuildDesiredVaultBody(BasicSpec(), kStack, Json()));
  EXPECT_EQ(body["properties"]["createMode"], "recover");
  EXPECT_EQ(body["properties"]["tenantId"], kTenant);
  EXPECT_EQ(body["properties"]["sku"]["name"], "premium");
  EXPECT_FALSE(body["properties"].contains("networkAcls"));
  EXPECT_EQ(body["location"], "westeurope");
}

TEST_F(VaultBodyTest, PatchSendsOnlyChangedFieldsAndFullTags) {
  Json spec = BasicSpec();
  spec["networkAcls"] = {{"defaultAction", "Allow"}};
  auto desired = BuildDesiredVaultBody(spec, kStack, Json());
  Json live = LiveVault();
  live["properties"]["networkAcls"]["virtualNetworkRules"] =
      Json::array({{{"id",
                     "/subscriptions/x/resourcegroups/y/providers/microsoft.network/"
                     "virtualnetworks/v/subnets/s"}}});
  live["properties"]["sku"]["name"] = "standard";
  Json patch = BuildVaultPatchBody(desired, NormalizeVault(live));
  ASSERT_TRUE(patch.is_object());
  EXPECT_EQ(patch["tags"], (Json{{"team", "payments"}, {"keyward-stack", kStack}}));
  const Json& props = patch["properties"];
  EXPECT_EQ(props.size(), 2u) << props.dump();
  EXPECT_EQ(props["sku"]["name"], "premium");
  // networkAcls sent whole: the unmanaged vnet rule and ipRules survive.
  EXPECT_EQ(props["networkAcls"]["defaultAction"], "Allow");
  EXPECT_EQ(props["networkAcls"]["virtualNetworkRules"].size(), 1u);
  EXPECT_EQ(props["networkAcls"]["ipRules"].size(), 2u);
}

TEST_F(VaultBodyTest, PatchNeverSendsImmutableFields) {
  Json spec = BasicSpec();
  spec["softDeleteRetentionInDays"] = 7;
  spec["enablePurgeProtection"] = false;
  auto desired = BuildDesiredVaultBody(spec, kStack, Json());
  Json patch = BuildVaultPatchBody(desired, NormalizeVault(LiveVault()));
  EXPECT_TRUE(patch.is_null()) << patch.dump();
}

TEST(VaultModelTest, SoftDeletedVaultFromArmExample) {
  Json deleted = Json::parse(R"({
    "id": "/subscriptions/s/providers/Microsoft.KeyVault/locations/westus/deletedVaults/sample-vault",
    "name": "vault-agile-drawer-6404",
    "type": "Microsoft.KeyVault/deletedVaults",
    "properties": {
      "vaultId": "/subscriptions/s/resourceGroups/sample-group/providers/Microsoft.KeyVault/vaults/sample-vault",
      "location": "westus", "tags": {}, "deletionDate": "2017-01-01T00:00:59Z",
      "scheduledPurgeDate": "2017-04-01T00:00:59Z", "purgeProtectionEnabled": true}})");
  auto sd = SoftDeletedVaultFromArm(deleted, "s");
  EXPECT_EQ(sd.kind, "Vault");
  EXPECT_EQ(sd.name, "sample-vault");
  EXPECT_EQ(sd.location, "westus");
  EXPECT_EQ(sd.scheduled_purge_date, "2017-04-01T00:00:59Z");
  EXPECT_TRUE(sd.purge_protection);
}

TEST_F(VaultHandlerTest, ResolveGivesAddressIdAndOptionalGroupReference) {
  VaultHandler handler(nullptr);
  auto desired = Desired(BasicSpec(), "payments-kv");
  engine::ResolveRequest request;
  request.resource = &desired;
  auto out = handler.Resolve(request);
  EXPECT_EQ(out.address, "Vault/payments-kv");
  EXPECT_EQ(out.arm_id,
            "/subscriptions/" + std::string(kSub) +
                "/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/payments-kv");
  ASSERT_EQ(out.references.size(), 1u);
  EXPECT_EQ(out.references[0].address, "ResourceGroup/rg-payments");
  EXPECT_FALSE(out.references[0].required);
  // The name and retention rules are the schema's (engine/schema_test.cc); only rules across
  // fields are the handler's.
  EXPECT_FALSE(out.diagnostics.HasErrors());
  Json spec = BasicSpec();
  spec["enableSoftDelete"] = false;
  spec["enablePurgeProtection"] = true;
  auto without_soft_delete = Desired(spec, "payments-kv");
  request.resource = &without_soft_delete;
  EXPECT_TRUE(handler.Resolve(request).diagnostics.HasErrors());
  EXPECT_EQ(UnavailableNameKey("Payments-KV"), "Vault/payments-kv");
}

}  // namespace
}  // namespace keyward::azure::model_test
