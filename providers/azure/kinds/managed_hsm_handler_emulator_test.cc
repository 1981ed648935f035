// The ManagedHsm handler against the real keyward-arm-emulator over HTTPS: refresh by list calls,
// create / update / delete / recover as 202 + Location LROs, drift, and the regional quota.
//
// Quotas are per (subscription, region), and every test shares one emulator: each test uses its
// own region so the HSMs of one test never count against another's.
#include <gtest/gtest.h>

#include "engine/apply.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/resource_handler.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/emulator_client_test_util.h"
#include "providers/azure/kinds/managed_hsm_handler.h"
#include "providers/azure/kinds/managed_hsm_model.h"
#include "providers/azure/kinds/resource_group_handler.h"
#include "providers/azure/kinds/resource_json_test_util.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

constexpr char kStack[] = "hsm-test";

class ManagedHsmHandlerEmulatorTest : public EmulatorHandlerTest {
 protected:
  ManagedHsmHandlerEmulatorTest() : EmulatorHandlerTest(kStack) {}

  engine::DesiredResource DesiredHsm(const std::string& name, const std::string& group,
                                     const std::string& location,
                                     const std::string& subscription = kt::kSubscriptionId) {
    Json spec = {{"location", location},
                 {"tenantId", kt::kTenantId},
                 {"sku", {{"name", "Standard_B1"}}},
                 {"initialAdminObjectIds", Json::array({kt::kObjectId})},
                 {"softDeleteRetentionInDays", 7},
                 {"enablePurgeProtection", false},
                 {"publicNetworkAccess", "Enabled"},
                 {"networkAcls", DenyNetworkAcls({"203.0.113.0/24"})},
                 {"tags", {{"team", "payments"}}}};
    return Resolved(hsms_, {.kind = "ManagedHsm",
                            .name = name,
                            .subscription = subscription,
                            .resource_group = group,
                            .spec = std::move(spec)});
  }

  std::string HsmPath(const engine::DesiredResource& hsm) {
    return WithApiVersion(hsm.arm_id, kKeyVaultApiVersion);
  }

  // What MakePlan does for one address, from a refresh response.
  Change Plan(const engine::DesiredResource* desired, const engine::RefreshResponse& refreshed,
              const std::string& arm_id = "") {
    return PlanFrom(hsms_, desired, refreshed,
                    desired ? ManagedHsmUnavailableNameKey(desired->name) : "", arm_id);
  }
  engine::RefreshResponse Refresh(std::vector<const engine::DesiredResource*> desired,
                                  std::vector<std::string> scopes = {}) {
    return EmulatorHandlerTest::Refresh(hsms_, std::move(desired), std::move(scopes));
  }

  // Creates through the handler and checks the LRO ran to Succeeded.
  void Create(const engine::DesiredResource& hsm) {
    Change create = Plan(&hsm, Refresh({&hsm}));
    ASSERT_EQ(create.action, Action::kCreate) << create.reason;
    Json live = Apply(hsms_, create, &hsm);
    EXPECT_EQ(live["properties"].value("provisioningState", ""), "Succeeded");
  }

  ManagedHsmHandler hsms_{client_};
};

TEST_F(ManagedHsmHandlerEmulatorTest, CreatesFromEmptyThroughTheLroAndReplansNoOp) {
  auto group = DesiredGroup("rg-hsm-create-" + suffix_);
  EnsureGroup(group);
  auto hsm = DesiredHsm("hsm-create-" + suffix_, group.name, "westeurope");

  Json before = Stats();
  auto refreshed = Refresh({&hsm});
  Json after = Stats();
  EXPECT_EQ(Served(before, after, "ManagedHsms_ListBySubscription"), 1);
  EXPECT_EQ(Served(before, after, "ManagedHsms_ListDeleted"), 1);
  EXPECT_EQ(Served(before, after, "ManagedHsms_CheckMhsmNameAvailability"), 1);

  Change create = Plan(&hsm, refreshed);
  ASSERT_EQ(create.action, Action::kCreate) << create.reason;
  before = Stats();
  Json live = Apply(hsms_, create, &hsm);
  after = Stats();
  EXPECT_EQ(live["properties"].value("provisioningState", ""), "Succeeded");
  EXPECT_EQ(live["properties"].value("statusMessage", ""), "ManagedHsm is functional.");
  EXPECT_EQ(live["tags"][kStackTag], kStack);
  EXPECT_EQ(live["properties"]["softDeleteRetentionInDays"], 7);
  EXPECT_EQ(live["properties"]["enablePurgeProtection"], false);
  // One PUT, polled through its Location URL.
  EXPECT_EQ(Served(before, after, "ManagedHsms_CreateOrUpdate"), 1);
  EXPECT_GE(Served(before, after, "ManagedHsms_OperationResults"), 1);

  // Found by the list: no GET, no name check for a live HSM.
  before = Stats();
  refreshed = Refresh({&hsm});
  after = Stats();
  EXPECT_EQ(Served(before, after, "ManagedHsms_Get"), 0);
  EXPECT_EQ(Served(before, after, "ManagedHsms_CheckMhsmNameAvailability"), 0);
  Change again = Plan(&hsm, refreshed);
  EXPECT_EQ(again.action, Action::kNoOp) << again.reason;
}

// Through the engine: two HSMs converge; an out-of-band tag change on one and a networkAcls
// change on the other are drift on exactly those addresses and fields.
TEST_F(ManagedHsmHandlerEmulatorTest, OutOfBandChangeIsDriftOnExactlyThatAddress) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, client());
  engine::DesiredSet set;
  set.config.stack = kStack;
  set.resources.push_back(DesiredGroup("rg-hsm-drift-" + suffix_));
  set.resources.push_back(
      DesiredHsm("hsm-drift-a-" + suffix_, set.resources[0].name, "northeurope"));
  set.resources.push_back(
      DesiredHsm("hsm-drift-b-" + suffix_, set.resources[0].name, "northeurope"));
  set.resources[1].depends_on = {set.resources[0].address};
  set.resources[2].depends_on = {set.resources[0].address};
  engine::PlanOptions options{.prune = false, .purge_then_create = false, .stack = kStack};
  engine::ApplyOptions apply_options;
  engine::ApplyObserver observer;

  auto plan = [&]() {
    auto observed = engine::Refresh(set, registry, {}, ctx_);
    EXPECT_TRUE(observed.has_value()) << observed.error().ToString();
    return observed ? engine::MakePlan(set, *observed, registry, options) : engine::Plan{};
  };
  auto apply = [&](const engine::Plan& p) {
    engine::ApplyReport report = engine::Apply(p, &set, registry, apply_options, observer, ctx_);
    for (const auto& r : report.results) {
      EXPECT_NE(r.outcome.status, engine::ChangeStatus::kFailed)
          << r.address << ": " << r.outcome.error.ToString();
      if (r.outcome.status == engine::ChangeStatus::kSucceeded) {
        EXPECT_TRUE(r.outcome.verified) << r.address;
      }
    }
    EXPECT_TRUE(report.ok());
  };
  engine::Plan first = plan();
  ASSERT_EQ(first.changes.size(), 3u) << first.Dump();
  EXPECT_EQ(first.changes[1].action, Action::kCreate) << first.Dump();
  EXPECT_EQ(first.changes[2].action, Action::kCreate) << first.Dump();
  apply(first);
  engine::Plan settled = plan();
  EXPECT_FALSE(settled.HasChanges()) << settled.Dump();

  const auto& a = set.resources[1];
  const auto& b = set.resources[2];
  auto tagged =
      client()->SendAndWait(HttpMethod::kPatch, HsmPath(a),
                            Json{{"tags", {{"team", "billing"}, {kStackTag, kStack}}}}, ctx_);
  ASSERT_TRUE(tagged.has_value()) << tagged.error().ToString();
  auto opened = client()->SendAndWait(
      HttpMethod::kPatch, HsmPath(b),
      Json{{"properties", {{"networkAcls", {{"defaultAction", "Allow"}}}}}}, ctx_);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();

  engine::Plan drift = plan();
  const Change* da = drift.Find(a.address);
  const Change* db = drift.Find(b.address);
  ASSERT_NE(da, nullptr);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(drift.Find(set.resources[0].address)->action, Action::kNoOp);
  ASSERT_EQ(da->action, Action::kUpdate) << da->reason;
  ASSERT_EQ(da->field_changes.size(), 1u);
  EXPECT_EQ(da->field_changes[0].path, "tags.team");
  ASSERT_EQ(db->action, Action::kUpdate) << db->reason;
  ASSERT_EQ(db->field_changes.size(), 1u);
  EXPECT_EQ(db->field_changes[0].path, "properties.networkAcls.defaultAction");

  apply(drift);
  engine::Plan healed = plan();
  EXPECT_FALSE(healed.HasChanges()) << healed.Dump();
}

TEST_F(ManagedHsmHandlerEmulatorTest, DeleteSoftDeletesThenRecoverConvergesToTheManifest) {
  auto group = DesiredGroup("rg-hsm-recover-" + suffix_);
  EnsureGroup(group);
  auto hsm = DesiredHsm("hsm-recover-" + suffix_, group.name, "francecentral");
  hsm.spec["regions"] = Json::array({"germanywestcentral"});
  Create(hsm);

  // Gone from the manifests: prune plans a delete, which removes the replica first.
  auto refreshed = Refresh({}, {"/subscriptions/" + std::string(kt::kSubscriptionId)});
  Change prune = Plan(nullptr, refreshed, hsm.arm_id);
  ASSERT_EQ(prune.action, Action::kDelete) << prune.reason;
  EXPECT_NE(prune.reason.find("secondary regions"), std::string::npos) << prune.reason;
  Apply(hsms_, prune, nullptr);

  refreshed = Refresh({&hsm});
  for (const auto& o : refreshed.resources) EXPECT_FALSE(IEquals(o.arm_id, hsm.arm_id));
  bool found = false;
  for (const auto& sd : refreshed.soft_deleted) {
    if (IEquals(sd.name, hsm.name)) {
      found = true;
      EXPECT_EQ(sd.kind, "ManagedHsm");
      EXPECT_EQ(sd.location, "francecentral");
      EXPECT_FALSE(sd.purge_protection);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(refreshed.unavailable_names.empty());  // soft-deleted here: no name check

  // The manifest moved on while the HSM was deleted: recover must not stop at the old config.
  hsm.spec["publicNetworkAccess"] = "Disabled";
  hsm.spec["tags"]["tier"] = "gold";
  hsm.spec.erase("regions");
  Change recover = Plan(&hsm, refreshed);
  ASSERT_EQ(recover.action, Action::kRecover) << recover.reason;
  Json live = Apply(hsms_, recover, &hsm);
  EXPECT_EQ(live["properties"]["publicNetworkAccess"], "Disabled");
  EXPECT_EQ(live["tags"]["tier"], "gold");
  EXPECT_EQ(live["tags"][kStackTag], kStack);
  Change after = Plan(&hsm, Refresh({&hsm}));
  EXPECT_EQ(after.action, Action::kNoOp) << after.reason;
}

TEST_F(ManagedHsmHandlerEmulatorTest, PurgeThenCreateStartsFresh) {
  auto group = DesiredGroup("rg-hsm-purge-" + suffix_);
  EnsureGroup(group);
  auto hsm = DesiredHsm("hsm-purge-" + suffix_, group.name, "swedencentral");
  Create(hsm);
  auto deleted = client()->SendAndWait(HttpMethod::kDelete, HsmPath(hsm), std::nullopt, ctx_);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();

  options_.purge_then_create = true;
  Change change = Plan(&hsm, Refresh({&hsm}));
  ASSERT_EQ(change.action, Action::kPurgeThenCreate) << change.reason;
  Json live = Apply(hsms_, change, &hsm);
  EXPECT_EQ(live["properties"].value("provisioningState", ""), "Succeeded");
  auto refreshed = Refresh({&hsm});
  for (const auto& sd : refreshed.soft_deleted) EXPECT_FALSE(IEquals(sd.name, hsm.name));
  EXPECT_EQ(Plan(&hsm, refreshed).action, Action::kNoOp);
}

// Five HSMs already live in uksouth of the other subscription: the engine plans the sixth as
// blocked (quota_exceeded) instead of an apply that ARM would refuse with QuotaExceeded.
TEST_F(ManagedHsmHandlerEmulatorTest, QuotaBlocksTheSixthHsmInARegion) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, client());
  auto group = DesiredGroup("rg-hsm-quota-" + suffix_, kt::kOtherSubscriptionId);
  EnsureGroup(group);
  for (int i = 0; i < kManagedHsmQuotaPerRegion; ++i) {
    Create(DesiredHsm("hsm-q" + std::to_string(i) + "-" + suffix_, group.name, "uksouth",
                      kt::kOtherSubscriptionId));
  }
  engine::DesiredSet set;
  set.config.stack = kStack;
  set.resources.push_back(
      DesiredHsm("hsm-q-sixth-" + suffix_, group.name, "uksouth", kt::kOtherSubscriptionId));
  auto observed = engine::Refresh(set, registry, {}, ctx_);
  ASSERT_TRUE(observed.has_value()) << observed.error().ToString();
  engine::Plan plan = engine::MakePlan(set, *observed, registry, options_);
  const Change* sixth = plan.Find(set.resources[0].address);
  ASSERT_NE(sixth, nullptr) << plan.Dump();
  EXPECT_EQ(sixth->action, Action::kBlocked) << sixth->reason;
  EXPECT_EQ(sixth->reason_code, "quota_exceeded");
  EXPECT_NE(sixth->reason.find("at most 5"), std::string::npos) << sixth->reason;

  // ARM agrees: creating it anyway is refused.
  auto refused = client()->Put(
      HsmPath(set.resources[0]),
      BuildManagedHsmCreateBody(BuildDesiredManagedHsmBody(set.resources[0].spec, kStack, Json())),
      ctx_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("QuotaExceeded"), std::string::npos)
      << refused.error().ToString();
}

TEST(ManagedHsmRegistrationTest, RegisteredAfterVault) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  ASSERT_NE(registry.Find("ManagedHsm"), nullptr);
  size_t vault = 0, hsm = 0;
  for (size_t i = 0; i < registry.all().size(); ++i) {
    if (registry.all()[i]->Kind() == "Vault") vault = i;
    if (registry.all()[i]->Kind() == "ManagedHsm") hsm = i;
  }
  EXPECT_LT(vault, hsm);
}

}  // namespace
}  // namespace keyward::azure
