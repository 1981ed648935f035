// Scenario tests of the ManagedHsm planning logic (pure: no ARM, no emulator).
#include "providers/azure/kinds/managed_hsm_model.h"

#include <gtest/gtest.h>

#include "engine/manifest_loader.h"
#include "engine/schema.h"
#include "providers/azure/kinds/managed_hsm_handler.h"
#include "providers/azure/kinds/soft_deletable_model_test_util.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {
namespace {

using ManagedHsmPlanTest = KindModelTest<kManagedHsm>;
using ManagedHsmBodyTest = ManagedHsmPlanTest;
using ManagedHsmHandlerTest = ManagedHsmPlanTest;

TEST_F(ManagedHsmPlanTest, CreatesWhenAbsentWithCanonicalBodyAndBillingWarning) {
  Change c = PlanAbsent();
  EXPECT_EQ(c.action, Action::kCreate) << c.reason;
  EXPECT_EQ(c.reason_code, "absent");
  EXPECT_EQ(c.after["location"], "westeurope");
  EXPECT_EQ(c.after["sku"], (Json{{"family", "B"}, {"name", "Standard_B1"}}));
  EXPECT_EQ(c.after["tags"]["keyward-stack"], kStack);
  // The primary region is always part of the set.
  EXPECT_EQ(c.after["properties"]["regions"],
            Json::array({{{"name", "northeurope"}}, {{"name", "westeurope"}}}));
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("activated"), std::string::npos);
}

TEST_F(ManagedHsmPlanTest, NoOpAfterNormalization) {
  Change c = PlanOver(BasicSpec(), LiveHsm());
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason << "\n" << testing::PrintToString(Paths(c));
  EXPECT_EQ(c.reason_code, "up_to_date");
  EXPECT_FALSE(c.fingerprint.empty());
}

TEST_F(ManagedHsmPlanTest, FingerprintIgnoresServerNoise) {
  Json a = LiveHsm();
  Json b = LiveHsm();
  b["properties"]["statusMessage"] = "ManagedHsm is updating.";
  b["properties"]["securityDomainProperties"]["activationStatus"] = "Active";
  b["location"] = "westeurope";
  EXPECT_EQ(FingerprintOfJson(NormalizeManagedHsm(a)), FingerprintOfJson(NormalizeManagedHsm(b)));
}

TEST_F(ManagedHsmPlanTest, LiveDefaultsMeanPurgeProtectionOnAndNinetyDays) {
  Json live = LiveHsm();
  live["properties"].erase("enablePurgeProtection");
  live["properties"].erase("softDeleteRetentionInDays");
  Json n = NormalizeManagedHsm(live);
  EXPECT_EQ(n["properties"]["enablePurgeProtection"], true);
  EXPECT_EQ(n["properties"]["softDeleteRetentionInDays"], 90);
}

TEST_F(ManagedHsmPlanTest, NetworkAclChangeIsAnUpdateOfExactlyThatField) {
  Json live = LiveHsm();
  live["properties"]["networkAcls"]["defaultAction"] = "Allow";
  Change c = PlanOver(BasicSpec(), live);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "drift");
  EXPECT_EQ(Paths(c), std::vector<std::string>{"properties.networkAcls.defaultAction"});
  Json patch = BuildManagedHsmPatchBody(c.after, c.before);
  EXPECT_EQ(patch["properties"]["networkAcls"]["defaultAction"], "Deny");
  EXPECT_EQ(patch["properties"]["networkAcls"]["bypass"], "AzureServices");  // sent whole
  EXPECT_EQ(patch["tags"]["keyward-stack"], kStack);
}

TEST_F(ManagedHsmPlanTest, RegionOrderAndCaseDoNotMatterButAnAddedRegionIsAnUpdate) {
  Json spec = BasicSpec();
  spec["regions"] = Json::array({{{"name", "West Europe"}}, {{"name", "NorthEurope"}}});
  auto desired = Desired(spec);
  auto observed = Observed(LiveHsm());
  EXPECT_EQ(Planner().Plan(&desired, &observed).action, Action::kNoOp);

  spec["regions"] = Json::array({"northeurope", "uksouth"});
  desired = Desired(spec);
  Change c = Planner().Plan(&desired, &observed);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(Paths(c), std::vector<std::string>{"properties.regions"});
  Json patch = BuildManagedHsmPatchBody(c.after, c.before);
  EXPECT_EQ(patch["properties"]["regions"].size(), 3u);
}

TEST_F(ManagedHsmPlanTest, UnmanagedFieldsAreIgnored) {
  Json spec = {{"location", "westeurope"},
               {"tenantId", kTenant},
               {"initialAdminObjectIds", Json::array({kAdmin})}};
  Json live = LiveHsm();
  live["properties"]["publicNetworkAccess"] = "Enabled";
  Change c = PlanOver(spec, live);
  EXPECT_EQ(c.action, Action::kNoOp) << testing::PrintToString(Paths(c));
}

TEST_F(ManagedHsmPlanTest, RetentionChangeIsBlocked) {
  Change c = PlanOverLive(BasicSpecWith("softDeleteRetentionInDays", 30));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  EXPECT_NE(c.reason.find("on the managed HSM"), std::string::npos) << c.reason;
  EXPECT_TRUE(BuildManagedHsmPatchBody(c.after, c.before).is_null());  // never sent
}

TEST_F(ManagedHsmPlanTest, TurningPurgeProtectionOffIsBlocked) {
  Json live = LiveHsm();
  live["properties"].erase("enablePurgeProtection");  // ARM's default for HSMs: on
  Change c = PlanOver(BasicSpec(), live);             // enablePurgeProtection: false
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "purge_protection_irreversible");
}

TEST_F(ManagedHsmPlanTest, TurningPurgeProtectionOnIsAnUpdate) {
  Change c = PlanOverLive(BasicSpecWith("enablePurgeProtection", "true"));  // quoted in YAML
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(BuildManagedHsmPatchBody(c.after, c.before)["properties"]["enablePurgeProtection"],
            true);
}

TEST_F(ManagedHsmPlanTest, SkuChangeIsReplaceWithoutPurgeProtection) {
  Change c = PlanOverLive(BasicSpecWith("sku", {{"name", "custom_b32"}}));
  EXPECT_EQ(c.action, Action::kReplace) << c.reason;
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  EXPECT_NE(c.reason.find("sku.name"), std::string::npos) << c.reason;
  EXPECT_EQ(c.after["sku"]["name"], "Custom_B32");
}

TEST_F(ManagedHsmPlanTest, AdminAndTenantChangesAreReplace) {
  Json spec = BasicSpec();
  spec["initialAdminObjectIds"] = Json::array({kAdmin, "0c1d9a8e-4b6f-4d2a-9e3b-6a5f7c8d9e01"});
  Change c = PlanOverLive(spec);
  EXPECT_EQ(c.action, Action::kReplace);
  EXPECT_NE(c.reason.find("initialAdminObjectIds"), std::string::npos) << c.reason;

  spec = BasicSpec();
  spec["tenantId"] = "0c1d9a8e-4b6f-4d2a-9e3b-6a5f7c8d9e01";
  c = PlanOverLive(spec);
  EXPECT_EQ(c.action, Action::kReplace);
  EXPECT_NE(c.reason.find("properties.tenantId"), std::string::npos) << c.reason;
}

TEST_F(ManagedHsmPlanTest, LocationChangeIsBlockedWhenPurgeProtected) {
  Json spec = BasicSpec();
  spec["location"] = "northeurope";
  spec.erase("enablePurgeProtection");
  spec.erase("regions");
  Json live = LiveHsm();
  live["properties"]["enablePurgeProtection"] = true;
  Change c = PlanOver(spec, live);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "blocked_by_purge_protection");
  EXPECT_NE(c.reason.find("90 days"), std::string::npos) << c.reason;
}

TEST_F(ManagedHsmPlanTest, ReplaceOfAnUnownedHsmIsBlocked) {
  Json spec = BasicSpec();
  spec["sku"] = {{"name", "Custom_B32"}};
  Json live = LiveHsm();
  live["tags"].erase("keyward-stack");
  Change c = PlanOver(spec, live);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "not_owned");
}

TEST_F(ManagedHsmPlanTest, RecoversSoftDeletedHsmThenAppliesDesiredProperties) {
  Change c = PlanAbsent(Deleted(/*purge_protection=*/true));
  EXPECT_EQ(c.action, Action::kRecover);
  EXPECT_EQ(c.reason_code, "recover_soft_deleted");
  EXPECT_NE(c.reason.find("soft-deleted managed HSM"), std::string::npos) << c.reason;
  Json body = BuildManagedHsmRecoverBody(c.after);
  EXPECT_EQ(body["properties"]["createMode"], "recover");
  EXPECT_EQ(body["properties"]["tenantId"], kTenant);
  EXPECT_EQ(body["properties"]["initialAdminObjectIds"], Json::array({kAdmin}));
  EXPECT_FALSE(body["properties"].contains("networkAcls"));  // PATCHed after the recover
}

TEST_F(ManagedHsmPlanTest, BlockedWhilePurgeProtectedDeletedHsmHoldsTheNameElsewhere) {
  Change c = PlanAbsent(Deleted(/*purge_protection=*/true, "northeurope"));
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "blocked_by_purge_protection");
  EXPECT_NE(c.reason.find("2027-01-30T10:00:00Z"), std::string::npos) << c.reason;

  c = PlanAbsent(Deleted(/*purge_protection=*/false, "northeurope"));
  EXPECT_EQ(c.reason_code, "soft_deleted_elsewhere");
}

// Four live HSMs in westeurope (plus one in another region and one in another subscription,
// which do not count) and the creates earlier in the manifests: the create that would be the
// sixth in westeurope is blocked.
TEST_F(ManagedHsmPlanTest, QuotaBlocksTheSixthHsmInARegion) {
  engine::ObservedSet observed;
  for (int i = 0; i < 4; ++i)
    observed.resources.push_back(Observed(LiveHsm("live-" + std::to_string(i))));
  Json elsewhere = LiveHsm("live-ne");
  elsewhere["location"] = "northeurope";
  observed.resources.push_back(Observed(elsewhere));
  Json other_sub = LiveHsm("live-other");
  other_sub["id"] = ManagedHsmArmId("99999999-8888-4777-8666-555555555555", "rg", "live-other");
  observed.resources.push_back(Observed(other_sub));

  engine::DesiredSet desired;
  desired.resources.push_back(Desired(BasicSpec(), "new-a"));  // 5th: fits
  desired.resources.push_back(Desired(BasicSpec(), "new-b"));  // 6th: blocked
  Json ne = BasicSpec();
  ne["location"] = "northeurope";
  ne.erase("regions");
  desired.resources.push_back(Desired(ne, "new-ne"));  // its own region's quota

  KindPlanner planner = Planner();
  planner.desired_set = &desired;
  planner.observed_set = &observed;
  EXPECT_EQ(planner.Plan(&desired.resources[0], nullptr).action, Action::kCreate);
  Change sixth = planner.Plan(&desired.resources[1], nullptr);
  EXPECT_EQ(sixth.action, Action::kBlocked);
  EXPECT_EQ(sixth.reason_code, "quota_exceeded");
  EXPECT_NE(sixth.reason.find("6 managed HSMs in westeurope"), std::string::npos) << sixth.reason;
  EXPECT_EQ(planner.Plan(&desired.resources[2], nullptr).action, Action::kCreate);

  // A recover takes a slot too.
  auto deleted = Deleted(false);
  EXPECT_EQ(planner.Plan(&desired.resources[1], nullptr, &deleted).reason_code, "quota_exceeded");
}

TEST_F(ManagedHsmPlanTest, PruneDeletesOwnedHsmAndSaysItIsRecoverable) {
  Json live = LiveHsm();
  live["properties"]["enablePurgeProtection"] = true;
  auto observed = Observed(live);
  Change c = Planner().Plan(nullptr, &observed);
  EXPECT_EQ(c.action, Action::kDelete);
  EXPECT_EQ(c.reason_code, "prune");
  EXPECT_NE(c.reason.find("recoverable for 90 days"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("cannot be purged"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("secondary regions are removed first"), std::string::npos);

  live["tags"]["keyward-stack"] = "billing";
  auto other = Observed(live);
  EXPECT_EQ(Planner().Plan(nullptr, &other).action, Action::kNoOp);
}

TEST_F(ManagedHsmBodyTest, CreateBodyDefaultsSkuAndKeepsFalsePurgeProtection) {
  Json spec = BasicSpec();
  spec.erase("sku");
  auto desired = Desired(spec);
  Json body = BuildManagedHsmCreateBody(Planner().Plan(&desired, nullptr).after);
  EXPECT_EQ(body["sku"], (Json{{"family", "B"}, {"name", "Standard_B1"}}));
  // Unlike vaults, ARM accepts false on create (the HSM default is true).
  EXPECT_EQ(body["properties"]["enablePurgeProtection"], false);
}

TEST_F(ManagedHsmBodyTest, PatchNeverSendsFieldsFixedAtCreation) {
  Json desired = BuildDesiredManagedHsmBody(BasicSpec(), kStack, Json());
  desired["sku"]["name"] = "Custom_B32";
  desired["properties"]["tenantId"] = "0c1d9a8e-4b6f-4d2a-9e3b-6a5f7c8d9e01";
  desired["properties"]["softDeleteRetentionInDays"] = 7;
  EXPECT_TRUE(BuildManagedHsmPatchBody(desired, NormalizeManagedHsm(LiveHsm())).is_null());
}

TEST(ManagedHsmModelTest, SoftDeletedHsmFromArmExample) {
  Json deleted = {
      {"id", "/subscriptions/" + std::string(kSub) +
                 "/providers/Microsoft.KeyVault/locations/westus/deletedManagedHSMs/hsm1"},
      {"name", "hsm1"},
      {"type", "Microsoft.KeyVault/deletedManagedHSMs"},
      {"properties",
       {{"mhsmId", ManagedHsmArmId(kSub, "hsm-group", "hsm1")},
        {"location", "westus"},
        {"deletionDate", "2020-04-01T00:00:59Z"},
        {"scheduledPurgeDate", "2020-06-30T00:00:59Z"},
        {"purgeProtectionEnabled", true},
        {"tags", Json::object()}}}};
  engine::SoftDeletedResource sd = SoftDeletedManagedHsmFromArm(deleted, kSub);
  EXPECT_EQ(sd.kind, "ManagedHsm");
  EXPECT_EQ(sd.name, "hsm1");
  EXPECT_EQ(sd.location, "westus");
  EXPECT_EQ(sd.scheduled_purge_date, "2020-06-30T00:00:59Z");
  EXPECT_TRUE(sd.purge_protection);
  EXPECT_EQ(ArmIdSegment(sd.original_id, "resourceGroups"), "hsm-group");
}

std::string ValidateSchema(const std::string& file, const std::string& yaml) {
  engine::Diagnostics d;
  auto docs = engine::ParseYamlDocuments(yaml, "hsm.yaml", &d);
  if (docs.empty()) return "parse failed";
  engine::SchemaSet::Embedded().Validate(file, docs[0].value, docs[0].source, &d);
  std::string out;
  for (const auto& item : d.items()) out += item.ToString() + "\n";
  return out;
}

constexpr char kHsmManifest[] = R"(apiVersion: keyward.dev/v1alpha1
kind: ManagedHsm
metadata:
  name: payments-hsm
spec:
  location: westeurope
  tenantId: 3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10
  sku: { name: standard_b1 }
  initialAdminObjectIds: [ 8d3f1c2a-5b6e-4f70-9a81-2c3d4e5f6a7b ]
  softDeleteRetentionInDays: 90
  enablePurgeProtection: true
  publicNetworkAccess: Disabled
  networkAcls: { defaultAction: Deny, bypass: AzureServices }
  regions: [ northeurope, { name: uksouth } ]
  tags: { team: payments }
)";

TEST(ManagedHsmSchemaTest, ValidManifestPassesBothSchemas) {
  EXPECT_EQ(engine::SchemaSet::FileForKind("ManagedHsm"), "managedhsm.schema.json");
  EXPECT_EQ(ValidateSchema("managedhsm.schema.json", kHsmManifest), "");
  EXPECT_EQ(ValidateSchema("manifest.schema.json", kHsmManifest), "");
}

TEST(ManagedHsmSchemaTest, BadFieldsAreReportedAtTheirLines) {
  std::string bad = kHsmManifest;
  bad.replace(bad.find("standard_b1"), 11, "premium");
  bad += "  enableSoftDelete: false\n";
  const std::string out = ValidateSchema("managedhsm.schema.json", bad);
  EXPECT_NE(out.find("hsm.yaml:8:"), std::string::npos) << out;   // sku.name
  EXPECT_NE(out.find("hsm.yaml:16:"), std::string::npos) << out;  // unknown field
}

// The name, retention and administrator rules live in the schema only (the C++ copies were
// removed): prove the schema reports each at its line.
TEST(ManagedHsmSchemaTest, NameRetentionAndAdministratorRulesAreTheSchemas) {
  std::string bad = kHsmManifest;
  bad.replace(bad.find("payments-hsm"), 12, "bad--name");
  bad.replace(bad.find("initialAdminObjectIds: [ 8d3f1c2a-5b6e-4f70-9a81-2c3d4e5f6a7b ]"), 63,
              "initialAdminObjectIds: []");
  bad.replace(bad.find("softDeleteRetentionInDays: 90"), 29, "softDeleteRetentionInDays: 3");
  const std::string out = ValidateSchema("managedhsm.schema.json", bad);
  EXPECT_NE(out.find("hsm.yaml:4:9: error: metadata.name: \"bad--name\" is not a valid managed HSM "
                     "name"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("hsm.yaml:9:26: error: spec.initialAdminObjectIds: must not be empty"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("hsm.yaml:10:30: error: spec.softDeleteRetentionInDays: 3 is less than the "
                     "minimum 7"),
            std::string::npos)
      << out;
}

TEST_F(ManagedHsmHandlerTest, ResolveGivesAddressIdAndReferences) {
  ManagedHsmHandler handler(nullptr);
  auto d = Desired(BasicSpec(), "payments-hsm");
  engine::ResolveRequest request{&d, nullptr};
  engine::ResolveResponse r = handler.Resolve(request);
  EXPECT_EQ(r.address, "ManagedHsm/payments-hsm");
  EXPECT_EQ(r.arm_id, ManagedHsmArmId(kSub, "rg-payments", "payments-hsm"));
  ASSERT_EQ(r.references.size(), 1u);
  EXPECT_EQ(r.references[0].address, "ResourceGroup/rg-payments");
  EXPECT_FALSE(r.references[0].required);
  EXPECT_FALSE(r.diagnostics.HasErrors());
}

}  // namespace
}  // namespace keyward::azure::model_test
