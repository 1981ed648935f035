// The Vault and ResourceGroup handlers against the real keyward-arm-emulator over HTTPS: refresh
// by list calls, create / update / recover / purge-then-create / delete through the ArmClient.
#include <gtest/gtest.h>

#include "engine/apply.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/resource_handler.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/change_test_util.h"
#include "providers/azure/kinds/emulator_client_test_util.h"
#include "providers/azure/kinds/resource_group_handler.h"
#include "providers/azure/kinds/resource_json_test_util.h"
#include "providers/azure/kinds/vault_handler.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"
#include "tests/support/misbehaving_server.h"

namespace keyward::azure {
namespace {

constexpr char kStack[] = "handler-test";

class VaultHandlerEmulatorTest : public EmulatorHandlerTest {
 protected:
  VaultHandlerEmulatorTest() : EmulatorHandlerTest(kStack) {}
  void SetUpTest() override { group_spec_["tags"] = {{"env", "test"}}; }

  engine::DesiredResource DesiredVault(const std::string& name, const std::string& group,
                                       Json extra = Json::object()) {
    Json spec = {{"location", "westeurope"},
                 {"tenantId", kt::kTenantId},
                 {"sku", {{"family", "A"}, {"name", "standard"}}},
                 {"enabledForDeployment", false},
                 {"publicNetworkAccess", "Enabled"},
                 {"networkAcls", DenyNetworkAcls({"203.0.113.0/24", "198.51.100.7"})},
                 {"tags", {{"team", "payments"}}}};
    spec.update(extra);
    return Resolved(vaults_, {.kind = "Vault",
                              .name = name,
                              .subscription = kt::kSubscriptionId,
                              .resource_group = group,
                              .spec = std::move(spec)});
  }

  // A vault "kv-<tag>-<suffix>" of DesiredVault's spec, made to exist in its own group
  // "rg-<tag>-<suffix>": where the scenarios that change a vault behind keyward's back start.
  engine::DesiredResource CreatedVault(const std::string& tag) {
    auto group = DesiredGroup("rg-" + tag + "-" + suffix_);
    EnsureGroup(group);
    auto vault = DesiredVault("kv-" + tag + "-" + suffix_, group.name);
    Apply(vaults_, Plan(vaults_, &vault, Refresh(vaults_, {&vault})), &vault);
    return vault;
  }
  // The vault's ARM URL, for the requests a test makes outside keyward.
  static std::string VaultUrl(const engine::DesiredResource& vault) {
    return WithApiVersion(VaultPath(vault.subscription, vault.resource_group, vault.name),
                          kKeyVaultApiVersion);
  }

  // What MakePlan does for one address, from a refresh response.
  Change Plan(engine::ResourceHandler& handler, const engine::DesiredResource* desired,
              const engine::RefreshResponse& refreshed, const std::string& arm_id = "") {
    return PlanFrom(handler, desired, refreshed, desired ? UnavailableNameKey(desired->name) : "",
                    arm_id);
  }

  VaultHandler vaults_{client_};
};

TEST_F(VaultHandlerEmulatorTest, CreateThenRefreshIsNoOpAndRefreshUsesListCalls) {
  auto group = DesiredGroup("rg-create-" + suffix_);
  EnsureGroup(group);
  auto vault = DesiredVault("kv-create-" + suffix_, group.name);

  Json before = Stats();
  auto refreshed = Refresh(vaults_, {&vault});
  Json after = Stats();
  EXPECT_EQ(Served(before, after, "Vaults_ListByResourceGroup"), 1);
  EXPECT_EQ(Served(before, after, "Vaults_ListDeleted"), 1);
  EXPECT_EQ(Served(before, after, "Vaults_CheckNameAvailability"), 1);
  EXPECT_EQ(Served(before, after, "Vaults_Get"), 0);

  Change create = Plan(vaults_, &vault, refreshed);
  ASSERT_EQ(create.action, Action::kCreate) << create.reason;
  Json live = Apply(vaults_, create, &vault);
  EXPECT_EQ(live["properties"].value("provisioningState", ""), "Succeeded");
  EXPECT_EQ(live["properties"]["accessPolicies"], Json::array());
  EXPECT_EQ(live["tags"][kStackTag], kStack);

  // Second refresh: found by the list, no GET per vault, no name check for a live vault.
  before = Stats();
  refreshed = Refresh(vaults_, {&vault});
  after = Stats();
  EXPECT_EQ(Served(before, after, "Vaults_Get"), 0);
  EXPECT_EQ(Served(before, after, "Vaults_CheckNameAvailability"), 0);
  Change again = Plan(vaults_, &vault, refreshed);
  EXPECT_EQ(again.action, Action::kNoOp) << again.reason << " " << again.before.dump();
  EXPECT_EQ(again.fingerprint,
            refreshed.resources.empty() ? "" : refreshed.resources[0].fingerprint);
}

TEST_F(VaultHandlerEmulatorTest, RefreshListsOncePerResourceGroupInParallel) {
  std::vector<engine::DesiredResource> groups, vaults;
  for (int i = 0; i < 3; ++i)
    groups.push_back(DesiredGroup("rg-fleet" + std::to_string(i) + "-" + suffix_));
  for (const auto& g : groups) EnsureGroup(g);
  for (int i = 0; i < 6; ++i) {
    vaults.push_back(
        DesiredVault("kv-fleet" + std::to_string(i) + "-" + suffix_, groups[i % 3].name));
  }
  // Two of them exist already.
  for (int i = 0; i < 2; ++i)
    Apply(vaults_, Plan(vaults_, &vaults[i], Refresh(vaults_, {&vaults[i]})), &vaults[i]);

  std::vector<const engine::DesiredResource*> desired;
  for (const auto& v : vaults) desired.push_back(&v);
  Json before = Stats();
  auto refreshed = Refresh(vaults_, desired);
  Json after = Stats();
  auto delta = [&](const char* op) { return Served(before, after, op); };
  EXPECT_EQ(delta("Vaults_ListByResourceGroup"), 3);
  EXPECT_EQ(delta("Vaults_ListDeleted"), 1);
  EXPECT_EQ(delta("Vaults_CheckNameAvailability"), 4);
  EXPECT_EQ(delta("Vaults_Get"), 0);
  EXPECT_EQ(refreshed.resources.size(), 2u);
  EXPECT_EQ(Plan(vaults_, &vaults[0], refreshed).action, Action::kNoOp);
  EXPECT_EQ(Plan(vaults_, &vaults[5], refreshed).action, Action::kCreate);
}

TEST_F(VaultHandlerEmulatorTest, OutOfBandPatchIsAnUpdateOfExactlyThatField) {
  const auto vault = CreatedVault("drift");

  auto patched = client()->Patch(VaultUrl(vault),
                                 Json{{"properties", {{"enabledForDeployment", true}}}}, ctx_);
  ASSERT_TRUE(patched.has_value()) << patched.error().ToString();

  Change drift = Plan(vaults_, &vault, Refresh(vaults_, {&vault}));
  ASSERT_EQ(drift.action, Action::kUpdate) << drift.reason;
  ExpectOnlyFieldChange(drift, "properties.enabledForDeployment", true, false);

  Json live = Apply(vaults_, drift, &vault);
  EXPECT_EQ(live["properties"]["enabledForDeployment"], false);
  // The PATCH did not touch what the vault kind does not manage.
  EXPECT_EQ(live["properties"]["accessPolicies"], Json::array());
  EXPECT_EQ(Plan(vaults_, &vault, Refresh(vaults_, {&vault})).action, Action::kNoOp);
}

TEST_F(VaultHandlerEmulatorTest, DeletedOutOfBandIsRecoveredThenConvergedToTheManifest) {
  const auto vault = CreatedVault("recover");

  auto deleted = client()->Delete(VaultUrl(vault), ctx_);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();

  auto refreshed = Refresh(vaults_, {&vault});
  bool found = false;
  for (const auto& sd : refreshed.soft_deleted) found |= IEquals(sd.name, vault.name);
  EXPECT_TRUE(found);
  EXPECT_TRUE(refreshed.unavailable_names.empty());  // soft-deleted here: no name check needed

  // The manifest moved on while the vault was deleted: recover must not stop at the old config.
  auto changed = DesiredVault("kv-recover-" + suffix_, vault.resource_group,
                              Json{{"sku", {{"family", "A"}, {"name", "premium"}}},
                                   {"tags", {{"team", "payments"}, {"tier", "gold"}}}});
  Change recover = Plan(vaults_, &changed, refreshed);
  ASSERT_EQ(recover.action, Action::kRecover) << recover.reason;
  Json live = Apply(vaults_, recover, &changed);
  EXPECT_EQ(live["properties"]["sku"]["name"], "premium");
  EXPECT_EQ(live["tags"]["tier"], "gold");
  EXPECT_EQ(live["tags"][kStackTag], kStack);
  Change after = Plan(vaults_, &changed, Refresh(vaults_, {&changed}));
  EXPECT_EQ(after.action, Action::kNoOp) << after.reason;
}

TEST_F(VaultHandlerEmulatorTest, PurgeThenCreateStartsFresh) {
  const auto vault = CreatedVault("purge");
  ASSERT_TRUE(client()->Delete(VaultUrl(vault), ctx_));

  options_.purge_then_create = true;
  Change change = Plan(vaults_, &vault, Refresh(vaults_, {&vault}));
  ASSERT_EQ(change.action, Action::kPurgeThenCreate) << change.reason;
  Json live = Apply(vaults_, change, &vault);
  EXPECT_EQ(live["properties"].value("provisioningState", ""), "Succeeded");
  auto refreshed = Refresh(vaults_, {&vault});
  for (const auto& sd : refreshed.soft_deleted) EXPECT_FALSE(IEquals(sd.name, vault.name));
  EXPECT_EQ(Plan(vaults_, &vault, refreshed).action, Action::kNoOp);
}

// retry.h: a purge POST whose first try timed out after ARM accepted it is retried, and the
// retry finds nothing to purge (404). That purge is done, not failed. Reproduced with a deleted
// list that is one step behind (the vault is already purged when the POST arrives).
TEST_F(VaultHandlerEmulatorTest, APurgeThatAlreadyHappenedIsSuccessNotAnError) {
  const auto vault = CreatedVault("purged");
  const std::string vault_path = VaultUrl(vault);
  ASSERT_TRUE(client()->Delete(vault_path, ctx_));
  options_.purge_then_create = true;
  Change change = Plan(vaults_, &vault, Refresh(vaults_, {&vault}));
  ASSERT_EQ(change.action, Action::kPurgeThenCreate) << change.reason;

  const std::string deleted_list =
      "/subscriptions/" + std::string(kt::kSubscriptionId) +
      "/providers/Microsoft.KeyVault/deletedVaults?api-version=" + kKeyVaultApiVersion;
  const std::string stale =
      kt::ArmRequest(*emulator_, kt::GetToken(*emulator_), "GET", deleted_list).body;
  const std::string purge_path = WithApiVersion(
      JoinPath(DeletedVaultPath(vault.subscription, "westeurope", vault.name), {"purge"}),
      kKeyVaultApiVersion);
  auto purged = client()->Post(purge_path, std::nullopt, ctx_);
  ASSERT_TRUE(purged) << purged.error().ToString();
  ASSERT_TRUE(client()->PollUntilDone(*purged, purge_path, HttpMethod::kPost, ctx_));

  kt::ScriptRule stale_list;
  stale_list.method = "GET";
  stale_list.path = "/deletedVaults\\?";
  stale_list.answer.body = stale;
  auto server = kt::MisbehavingServer::Start({stale_list}, emulator_->endpoint(),
                                             emulator_->ca_file(), /*forward_writes=*/true);
  ASSERT_NE(server, nullptr);
  ClientSecretCredentialOptions credential_options;
  credential_options.authority_host = emulator_->endpoint();
  credential_options.ca_file = emulator_->ca_file();
  ArmClientOptions options;
  options.endpoint = server->endpoint();
  options.ca_file = emulator_->ca_file();
  options.credential = std::make_shared<ClientSecretCredential>(
      kt::kTenantId, kt::kClientId, kt::kClientSecret, credential_options);
  options.poll.default_interval = std::chrono::milliseconds(100);
  options.poll.max_interval = std::chrono::milliseconds(200);
  VaultHandler behind(std::make_shared<ArmClient>(std::move(options)));

  Json live = Apply(behind, change, &vault);
  EXPECT_EQ(live["properties"].value("provisioningState", ""), "Succeeded");
  bool purge_answered_404 = false;
  for (const std::string& request : server->Requests())
    purge_answered_404 = purge_answered_404 || request.find("/purge?") != std::string::npos;
  EXPECT_TRUE(purge_answered_404) << "the purge POST was made (and found nothing to purge)";
  EXPECT_EQ(server->Hits(0), 1);
}

TEST_F(VaultHandlerEmulatorTest, LocationChangeReplacesByDeletePurgeCreate) {
  auto vault = CreatedVault("move");

  vault.spec["location"] = "North Europe";
  Change replace = Plan(vaults_, &vault, Refresh(vaults_, {&vault}));
  ASSERT_EQ(replace.action, Action::kReplace) << replace.reason;
  Json live = Apply(vaults_, replace, &vault);
  EXPECT_EQ(live.value("location", ""), "northeurope");
  auto refreshed = Refresh(vaults_, {&vault});
  for (const auto& sd : refreshed.soft_deleted) EXPECT_FALSE(IEquals(sd.name, vault.name));
  EXPECT_EQ(Plan(vaults_, &vault, refreshed).action, Action::kNoOp);
}

TEST_F(VaultHandlerEmulatorTest, NameTakenInAnotherSubscriptionIsBlocked) {
  const std::string name = "kv-taken-" + suffix_;
  // Someone else's vault with our name, in another subscription.
  auto other_group = DesiredGroup("rg-other-" + suffix_, kt::kOtherSubscriptionId);
  EnsureGroup(other_group);
  auto put =
      client()->Put(WithApiVersion(VaultPath(kt::kOtherSubscriptionId, other_group.name, name),
                                   kKeyVaultApiVersion),
                    Json{{"location", "westeurope"},
                         {"properties",
                          {{"tenantId", kt::kTenantId},
                           {"sku", {{"family", "A"}, {"name", "standard"}}},
                           {"accessPolicies", Json::array()}}}},
                    ctx_);
  ASSERT_TRUE(put.has_value()) << put.error().ToString();

  auto group = DesiredGroup("rg-taken-" + suffix_);
  EnsureGroup(group);
  auto vault = DesiredVault(name, group.name);
  auto refreshed = Refresh(vaults_, {&vault});
  ASSERT_EQ(refreshed.unavailable_names.count(UnavailableNameKey(name)), 1u);
  Change change = Plan(vaults_, &vault, refreshed);
  EXPECT_EQ(change.action, Action::kBlocked);
  EXPECT_EQ(change.reason_code, "name_unavailable");
  EXPECT_NE(change.reason.find(name), std::string::npos) << change.reason;
}

TEST_F(VaultHandlerEmulatorTest, MissingResourceGroupMeansNoVaults) {
  auto vault = DesiredVault("kv-norg-" + suffix_, "rg-does-not-exist-" + suffix_);
  auto refreshed = Refresh(vaults_, {&vault});
  EXPECT_TRUE(refreshed.resources.empty());
  EXPECT_EQ(Plan(vaults_, &vault, refreshed).action, Action::kCreate);
}

TEST_F(VaultHandlerEmulatorTest, AdoptsAnUntaggedVaultWithoutWipingAccessPolicies) {
  auto group = DesiredGroup("rg-adopt-" + suffix_);
  EnsureGroup(group);
  const std::string name = "kv-adopt-" + suffix_;
  auto put = client()->Put(
      WithApiVersion(VaultPath(kt::kSubscriptionId, group.name, name), kKeyVaultApiVersion),
      Json{{"location", "westeurope"},
           {"properties",
            {{"tenantId", kt::kTenantId},
             {"sku", {{"family", "A"}, {"name", "standard"}}},
             {"accessPolicies", Json::array({{{"tenantId", kt::kTenantId},
                                              {"objectId", kt::kObjectId},
                                              {"permissions", {{"secrets", {"get"}}}}}})}}}},
      ctx_);
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  ASSERT_TRUE(client()->PollUntilDone(
      *put, WithApiVersion(VaultPath(kt::kSubscriptionId, group.name, name), kKeyVaultApiVersion),
      HttpMethod::kPut, ctx_));

  auto vault = DesiredVault(name, group.name);
  Change adopt = Plan(vaults_, &vault, Refresh(vaults_, {&vault}));
  ASSERT_EQ(adopt.action, Action::kAdopt) << adopt.reason;
  Json live = Apply(vaults_, adopt, &vault);
  EXPECT_EQ(live["tags"][kStackTag], kStack);
  EXPECT_EQ(live["properties"]["accessPolicies"].size(), 1u);
  EXPECT_EQ(Plan(vaults_, &vault, Refresh(vaults_, {&vault})).action, Action::kNoOp);
}

TEST_F(VaultHandlerEmulatorTest, PruneDeletesIntoSoftDelete) {
  const auto vault = CreatedVault("prune");

  // Gone from the manifests: refresh through the prune scope, plan with no desired resource.
  auto refreshed =
      Refresh(vaults_, {}, {ResourceGroupArmId(kt::kSubscriptionId, vault.resource_group)});
  Change prune = Plan(vaults_, nullptr, refreshed, vault.arm_id);
  ASSERT_EQ(prune.action, Action::kDelete) << prune.reason;
  Apply(vaults_, prune, nullptr);
  refreshed = Refresh(vaults_, {&vault});
  EXPECT_TRUE(refreshed.resources.empty());
  bool found = false;
  for (const auto& sd : refreshed.soft_deleted) found |= IEquals(sd.name, vault.name);
  EXPECT_TRUE(found);
}

TEST_F(VaultHandlerEmulatorTest, ResourceGroupCreateUpdateAdoptAndDelete) {
  auto group = DesiredGroup("rg-lifecycle-" + suffix_);
  Json before = Stats();
  auto refreshed = Refresh(groups_, {&group});
  EXPECT_EQ(Served(before, Stats(), "ResourceGroups_List"), 1);
  Change create = Plan(groups_, &group, refreshed);
  ASSERT_EQ(create.action, Action::kCreate);
  Json live = Apply(groups_, create, &group);
  EXPECT_EQ(live["tags"][kStackTag], kStack);
  EXPECT_EQ(Plan(groups_, &group, Refresh(groups_, {&group})).action, Action::kNoOp);

  group.spec["tags"]["env"] = "prod";
  Change update = Plan(groups_, &group, Refresh(groups_, {&group}));
  ASSERT_EQ(update.action, Action::kUpdate);
  ASSERT_EQ(update.field_changes.size(), 1u);
  EXPECT_EQ(update.field_changes[0].path, "tags.env");
  Apply(groups_, update, &group);

  group.spec["location"] = "North Europe";
  EXPECT_EQ(Plan(groups_, &group, Refresh(groups_, {&group})).action, Action::kBlocked);

  // An untagged group made by hand is adopted, not silently taken over.
  auto manual = DesiredGroup("rg-manual-" + suffix_);
  auto put = client()->Put(
      WithApiVersion(ResourceGroupPath(kt::kSubscriptionId, manual.name), kResourcesApiVersion),
      Json{{"location", "westeurope"}}, ctx_);
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  Change adopt = Plan(groups_, &manual, Refresh(groups_, {&manual}));
  EXPECT_EQ(adopt.action, Action::kAdopt);
  Apply(groups_, adopt, &manual);

  // Prune of an owned group: DELETE is a 202 + Location LRO.
  Change prune = Plan(groups_, nullptr,
                      Refresh(groups_, {}, {"/subscriptions/" + std::string(kt::kSubscriptionId)}),
                      group.arm_id);
  ASSERT_EQ(prune.action, Action::kDelete);
  Apply(groups_, prune, nullptr);
  auto gone = Refresh(groups_, {&group});
  for (const auto& o : gone.resources) EXPECT_FALSE(IEquals(o.arm_id, group.arm_id));
}

// The seam as the engine drives it: engine::Refresh, MakePlan and engine::Apply (which
// re-plans every applied change against the re-read and requires no-op).
TEST_F(VaultHandlerEmulatorTest, EngineRefreshPlanApplyConvergesAndRecovers) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, client());
  engine::DesiredSet set;
  set.config.stack = kStack;
  set.resources.push_back(DesiredGroup("rg-engine-" + suffix_));
  set.resources.push_back(DesiredVault("kv-engine-" + suffix_, set.resources[0].name));
  set.resources[1].depends_on = {set.resources[0].address};
  engine::PlanOptions options{.prune = false, .purge_then_create = false, .stack = kStack};
  engine::ApplyOptions apply_options;
  engine::ApplyObserver observer;

  auto converge = [&](std::vector<Action> expected) {
    auto observed = engine::Refresh(set, registry, {}, ctx_);
    ASSERT_TRUE(observed.has_value()) << observed.error().ToString();
    engine::Plan plan = engine::MakePlan(set, *observed, registry, options);
    ASSERT_EQ(plan.changes.size(), expected.size()) << plan.Dump();
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(plan.changes[i].action, expected[i]) << plan.Dump();
    }
    engine::ApplyReport report = engine::Apply(plan, &set, registry, apply_options, observer, ctx_);
    ExpectApplied(report);
    EXPECT_TRUE(report.ok());
  };
  converge({Action::kCreate, Action::kCreate});
  converge({Action::kNoOp, Action::kNoOp});

  ASSERT_TRUE(client()->Delete(
      WithApiVersion(VaultPath(kt::kSubscriptionId, set.resources[0].name, set.resources[1].name),
                     kKeyVaultApiVersion),
      ctx_));
  set.resources[1].spec["enabledForDeployment"] = true;
  converge({Action::kNoOp, Action::kRecover});
  converge({Action::kNoOp, Action::kNoOp});
}

TEST(VaultHandlersRegistrationTest, RegistersResourceGroupBeforeVault) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  ASSERT_GE(registry.all().size(), 2u);  // later kinds register after these two
  EXPECT_EQ(registry.all()[0]->Kind(), "ResourceGroup");
  EXPECT_EQ(registry.all()[1]->Kind(), "Vault");
  EXPECT_NE(registry.Find("Vault"), nullptr);
}

}  // namespace
}  // namespace keyward::azure
