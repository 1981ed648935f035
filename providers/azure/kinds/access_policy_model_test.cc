// Scenario tests of the AccessPolicy planning logic (pure: no ARM, no emulator), run through
// MakePlan where the behaviour depends on the engine (pairing by id, exclusive deletes, order).
#include "providers/azure/kinds/access_policy_model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/diff.h"
#include "engine/file_reader.h"
#include "engine/manifest_loader.h"
#include "engine/planner.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/access_policy_handler.h"
#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/vault_handler.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {
namespace {

constexpr char kObject[] = "0a1b2c3d-0000-4000-8000-000000000001";
constexpr char kOther[] = "0a1b2c3d-0000-4000-8000-000000000002";
constexpr char kApp[] = "5e6f7a8b-0000-4000-8000-0000000000aa";

std::string KvId(const std::string& name = "payments-kv") {
  return VaultArmId(kSub, "rg-payments", name);
}

class AccessPolicyModelTest : public ::testing::Test {
 protected:
  AccessPolicyModelTest() {
    registry_.Register(std::make_unique<VaultHandler>(nullptr));
    registry_.Register(std::make_unique<AccessPolicyHandler>(nullptr));
    options_.stack = kStack;
  }

  engine::DesiredResource Policy(const std::string& name, Json spec) {
    engine::DesiredResource d;
    d.kind = kAccessPolicyKind;
    d.name = name;
    d.subscription = kSub;
    d.resource_group = "rg-payments";
    d.spec = std::move(spec);
    engine::ResolveRequest request{&d, nullptr};
    auto resolved = registry_.Find(kAccessPolicyKind)->Resolve(request);
    EXPECT_FALSE(resolved.diagnostics.HasErrors()) << name;
    d.address = resolved.address;
    d.arm_id = resolved.arm_id;
    for (const auto& ref : resolved.references) d.depends_on.push_back(ref.address);
    return d;
  }

  static Json AppSpec(Json permissions, const std::string& object_id = kObject) {
    return Json{{"vault", "payments-kv"},
                {"tenantId", kTenant},
                {"objectId", object_id},
                {"permissions", std::move(permissions)}};
  }

  engine::DesiredResource Vault(Json extra = Json::object(),
                                const std::string& name = "payments-kv") {
    engine::DesiredResource d;
    d.kind = kVaultKind;
    d.name = name;
    d.subscription = kSub;
    d.resource_group = "rg-payments";
    d.address = std::string("Vault/") + name;
    d.arm_id = KvId(name);
    d.spec = {{"location", "westeurope"},
              {"tenantId", kTenant},
              {"sku", {{"family", "A"}, {"name", "standard"}}}};
    d.spec.update(extra);
    return d;
  }

  static Json Entry(const std::string& object_id, Json permissions,
                    const std::string& application_id = "") {
    Json e = {
        {"tenantId", kTenant}, {"objectId", object_id}, {"permissions", std::move(permissions)}};
    if (!application_id.empty()) e["applicationId"] = application_id;
    return e;
  }

  static Json LiveVault(Json entries, bool rbac = false, const std::string& name = "payments-kv") {
    // LiveVault({Entry(...)}): g++ makes the braces a one-element array, clang copies the element
    // (CWG 2137); both mean one entry.
    if (entries.is_object()) entries = Json::array({std::move(entries)});
    return Json{{"id", KvId(name)},
                {"name", name},
                {"type", "Microsoft.KeyVault/vaults"},
                {"location", "westeurope"},
                {"tags", {{kStackTag, kStack}}},
                {"properties",
                 {{"tenantId", kTenant},
                  {"sku", {{"family", "A"}, {"name", "standard"}}},
                  {"enableRbacAuthorization", rbac},
                  {"accessPolicies", std::move(entries)}}}};
  }

  // The observed set a refresh would produce for these live vaults (exclusive per the manifests).
  engine::ObservedSet Observe(const std::vector<Json>& vaults, const engine::DesiredSet& desired) {
    engine::ObservedSet observed;
    for (const Json& v : vaults) {
      engine::ObservedResource o;
      o.kind = kVaultKind;
      o.arm_id = v["id"];
      o.address = "Vault/" + v["name"].get<std::string>();
      o.live = v;
      observed.resources.push_back(o);
      bool exclusive = false;
      for (const auto& d : desired.resources)
        if (d.kind == kVaultKind && engine::ArmIdEquals(d.arm_id, o.arm_id))
          exclusive = DeclaresExclusiveAccessPolicies(d.spec);
      for (auto& entry : ObservedAccessPolicies(v, exclusive))
        observed.resources.push_back(std::move(entry));
    }
    return observed;
  }

  engine::Plan Plan(const engine::DesiredSet& desired, const engine::ObservedSet& observed) {
    return engine::MakePlan(desired, observed, registry_, options_);
  }

  engine::HandlerRegistry registry_;
  engine::PlanOptions options_;
};

TEST_F(AccessPolicyModelTest, PermissionsCompareCaseAndOrderInsensitively) {
  const Json a = CanonicalPermissions(
      {{"keys", {"WRAPKEY", "get", "Get", "unwrapKey"}}, {"secrets", {"LIST", "get"}}});
  const Json b = CanonicalPermissions(
      {{"Keys", {"unwrapkey", "wrapKey", "GET"}}, {"secrets", {"get", "list"}}, {"storage", {}}});
  EXPECT_EQ(a, b);
  // ARM's enum spelling, sorted, deduplicated; every kind present.
  EXPECT_EQ(a["keys"], Json({"get", "unwrapKey", "wrapKey"}));
  EXPECT_EQ(a["certificates"], Json::array());
  EXPECT_EQ(a["storage"], Json::array());
  // Values outside ARM's enums are kept (ARM models them as strings) in lowercase.
  EXPECT_EQ(CanonicalPermissions({{"keys", {"FutureOp"}}})["keys"], Json({"futureop"}));
  EXPECT_TRUE(DiffAccessPolicy(Entry(kObject, a), Entry(kObject, b)).empty());
}

TEST_F(AccessPolicyModelTest, SyntheticIdsAreLowercaseAndIncludeApplicationId) {
  const Json entry =
      Entry("0A1B2C3D-0000-4000-8000-000000000001", {}, "5E6F7A8B-0000-4000-8000-0000000000AA");
  EXPECT_EQ(AccessPolicyArmId(KvId(), entry), engine::CanonicalArmId(KvId()) + "/accesspolicies/" +
                                                  kTenant + "/" + kObject + "/" + kApp);
  EXPECT_EQ(AccessPolicyArmId(KvId(), Entry(kObject, {})),
            engine::CanonicalArmId(KvId()) + "/accesspolicies/" + kTenant + "/" + kObject);
  EXPECT_TRUE(engine::ArmIdEquals(VaultIdOfAccessPolicy(AccessPolicyArmId(KvId(), entry)), KvId()));
  EXPECT_EQ(UndeclaredAccessPolicyAddress("payments-kv", entry),
            std::string("AccessPolicy/payments-kv/") + kObject + "/" + kApp);

  // Resolve: address by manifest name, the same id as the live entry, a required vault edge.
  auto d = Policy("app", AppSpec({{"keys", {"get"}}}));
  EXPECT_EQ(d.address, "AccessPolicy/payments-kv/app");
  EXPECT_EQ(d.arm_id, AccessPolicyArmId(KvId(), Entry(kObject, {})));
  EXPECT_EQ(d.depends_on, std::vector<std::string>{"Vault/payments-kv"});
}

TEST_F(AccessPolicyModelTest, ResolveReportsBadInputAtTheField) {
  engine::DesiredResource d;
  d.kind = kAccessPolicyKind;
  d.name = "empty";
  d.subscription = kSub;
  d.resource_group = "rg-payments";
  d.spec = AppSpec({{"keys", Json::array()}});
  d.field_locations["spec.permissions"] = {"ap.yaml", 9, 3};
  engine::ResolveRequest request{&d, nullptr};
  auto resolved = registry_.Find(kAccessPolicyKind)->Resolve(request);
  ASSERT_TRUE(resolved.diagnostics.HasErrors());
  EXPECT_EQ(resolved.diagnostics.items()[0].location.line, 9);
  EXPECT_NE(resolved.diagnostics.items()[0].message.find("grants nothing"), std::string::npos);

  // (An id of something else than a vault is the schema's error: engine/schema_test.cc.)
  d.spec = AppSpec({{"keys", {"get"}}});
  // A vault by full id: the edge is optional (the vault may be unmanaged).
  d.spec["vault"] = VaultArmId(kSub, "rg-shared", "shared-kv");
  resolved = registry_.Find(kAccessPolicyKind)->Resolve(request);
  EXPECT_FALSE(resolved.diagnostics.HasErrors());
  EXPECT_EQ(resolved.address, "AccessPolicy/shared-kv/empty");
  ASSERT_EQ(resolved.references.size(), 1u);
  EXPECT_FALSE(resolved.references[0].required);
}

TEST_F(AccessPolicyModelTest, CreateUpdateNoOpAndTheRemoveSet) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault());
  desired.resources.push_back(
      Policy("app", AppSpec({{"keys", {"Get", "LIST"}}, {"secrets", {"get"}}})));

  // Absent entry: create, depending on the vault.
  auto plan = Plan(desired, Observe({LiveVault(Json::array())}, desired));
  const Change* c = plan.Find("AccessPolicy/payments-kv/app");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->action, Action::kCreate) << c->reason;
  EXPECT_EQ(c->after["permissions"]["keys"], Json({"get", "list"}));
  EXPECT_EQ(c->depends_on, std::vector<std::string>{"Vault/payments-kv"});

  // Same permissions in another order and case: no-op.
  plan =
      Plan(desired,
           Observe({LiveVault({Entry(kObject, {{"keys", {"list", "GET"}}, {"secrets", {"Get"}}})})},
                   desired));
  c = plan.Find("AccessPolicy/payments-kv/app");
  EXPECT_EQ(c->action, Action::kNoOp) << c->reason;
  EXPECT_FALSE(plan.HasChanges());

  // Extra and missing permissions: update of exactly those lists; remove only the extras.
  plan = Plan(desired, Observe({LiveVault({Entry(kObject, {{"keys", {"get", "list", "delete"}},
                                                           {"certificates", {"get"}}})})},
                               desired));
  c = plan.Find("AccessPolicy/payments-kv/app");
  ASSERT_EQ(c->action, Action::kUpdate) << c->reason;
  ASSERT_EQ(c->field_changes.size(), 3u);
  EXPECT_EQ(c->field_changes[0].path, "permissions.keys");
  EXPECT_EQ(c->field_changes[1].path, "permissions.secrets");
  EXPECT_EQ(c->field_changes[2].path, "permissions.certificates");
  EXPECT_EQ(PermissionsToRemove(c->after, c->before),
            Json({{"keys", {"delete"}}, {"certificates", {"get"}}}));
  EXPECT_TRUE(PermissionsToRemove(c->after, c->after).is_null());
  const Json remove = BuildRemoveBody(c->after, PermissionsToRemove(c->after, c->before));
  EXPECT_EQ(remove["properties"]["accessPolicies"][0]["objectId"], kObject);
  EXPECT_EQ(remove["properties"]["accessPolicies"][0]["permissions"],
            Json({{"keys", {"delete"}}, {"certificates", {"get"}}}));
}

TEST_F(AccessPolicyModelTest, ApplicationIdMakesADifferentEntry) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault());
  Json spec = AppSpec({{"keys", {"get"}}});
  spec["applicationId"] = kApp;
  desired.resources.push_back(Policy("compound", spec));
  // The live entry for the same objectId without applicationId is someone else's.
  auto plan = Plan(desired, Observe({LiveVault({Entry(kObject, {{"keys", {"get"}}})})}, desired));
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/compound")->action, Action::kCreate);
  EXPECT_EQ(plan.Find(std::string("AccessPolicy/payments-kv/") + kObject), nullptr);  // shared
}

TEST_F(AccessPolicyModelTest, AddressFallbackNeverPairsADifferentIdentity) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault());
  // A manifest named like another principal's objectId.
  desired.resources.push_back(Policy(kOther, AppSpec({{"keys", {"get"}}})));
  auto plan = Plan(desired, Observe({LiveVault({Entry(kOther, {{"keys", {"get"}}})})}, desired));
  const Change* c = plan.Find(std::string("AccessPolicy/payments-kv/") + kOther);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->action, Action::kCreate);
  EXPECT_TRUE(c->before.is_null());
}

TEST_F(AccessPolicyModelTest, SharedVaultLeavesUndeclaredEntriesAlone) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault({{"accessPolicies", "shared"}}));
  desired.resources.push_back(Policy("app", AppSpec({{"keys", {"get"}}})));
  auto plan = Plan(desired, Observe({LiveVault({Entry(kObject, {{"keys", {"get"}}}),
                                                Entry(kOther, {{"secrets", {"get"}}})})},
                                    desired));
  EXPECT_FALSE(plan.HasChanges()) << plan.Dump();
  // Even with prune: entries carry no ownership tag.
  options_.prune = true;
  plan = Plan(desired, Observe({LiveVault({Entry(kObject, {{"keys", {"get"}}}),
                                           Entry(kOther, {{"secrets", {"get"}}})})},
                               desired));
  EXPECT_FALSE(plan.HasChanges()) << plan.Dump();
}

TEST_F(AccessPolicyModelTest, ExclusiveVaultRemovesUndeclaredEntriesWithoutPrune) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault({{"accessPolicies", "Exclusive"}}));
  desired.resources.push_back(Policy("app", AppSpec({{"keys", {"get"}}})));
  auto plan = Plan(desired, Observe({LiveVault({Entry(kObject, {{"keys", {"get"}}}),
                                                Entry(kOther, {{"secrets", {"get"}}}, kApp)})},
                                    desired));
  const std::string address = std::string("AccessPolicy/payments-kv/") + kOther + "/" + kApp;
  const Change* c = plan.Find(address);
  ASSERT_NE(c, nullptr) << plan.Dump();
  EXPECT_EQ(c->action, Action::kDelete);
  EXPECT_EQ(c->reason_code, "exclusive_undeclared");
  EXPECT_FALSE(c->report_only);
  EXPECT_EQ(c->before["applicationId"], kApp);
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/app")->action, Action::kNoOp);
  EXPECT_EQ(plan.Summary().destroy, 1);

  // The vault's observe policy turns the removal into reported drift.
  desired.resources[0].policy = engine::ReconcilePolicy::kObserve;
  plan =
      Plan(desired, Observe({LiveVault({Entry(kOther, {{"secrets", {"get"}}}, kApp)})}, desired));
  ASSERT_NE(plan.Find(address), nullptr);
  EXPECT_TRUE(plan.Find(address)->report_only);
}

TEST_F(AccessPolicyModelTest, ExclusiveRemovalsComeBeforeTheirVaultsDelete) {
  // The vault is pruned (owned, gone from the manifests) and its entries are exclusive-owned
  // by a previous declaration: the planner orders entry removals first.
  engine::DesiredSet desired;
  options_.prune = true;
  engine::ObservedSet observed;
  engine::ObservedResource vault;
  vault.kind = kVaultKind;
  vault.arm_id = KvId();
  vault.address = "Vault/payments-kv";
  vault.live = LiveVault({Entry(kOther, {{"keys", {"get"}}})});
  observed.resources.push_back(vault);
  for (auto& e : ObservedAccessPolicies(vault.live, /*exclusive=*/true))
    observed.resources.push_back(e);
  auto plan = Plan(desired, observed);
  ASSERT_EQ(plan.changes.size(), 2u) << plan.Dump();
  EXPECT_EQ(plan.changes[0].kind, kAccessPolicyKind);
  EXPECT_EQ(plan.changes[0].action, Action::kDelete);
  EXPECT_EQ(plan.changes[1].kind, kVaultKind);
  EXPECT_EQ(plan.changes[1].action, Action::kDelete);
  EXPECT_EQ(plan.changes[1].depends_on, std::vector<std::string>{plan.changes[0].address});
}

TEST_F(AccessPolicyModelTest, TooManyEntriesIsBlockedWithTheCounts) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault());
  desired.resources.push_back(Policy("app", AppSpec({{"keys", {"get"}}})));
  desired.resources.push_back(Policy("other", AppSpec({{"keys", {"get"}}}, kOther)));
  Json entries = Json::array();
  for (int i = 0; i < 1023; ++i) {
    char object_id[40];
    std::snprintf(object_id, sizeof object_id, "ffffffff-0000-4000-8000-%012d", i);
    entries.push_back(Entry(object_id, {{"secrets", {"get"}}}));
  }
  // 1023 live + 2 new = 1025 > 1024.
  auto plan = Plan(desired, Observe({LiveVault(entries)}, desired));
  const Change* c = plan.Find("AccessPolicy/payments-kv/app");
  ASSERT_EQ(c->action, Action::kBlocked);
  EXPECT_EQ(c->reason_code, "too_many_access_policies");
  EXPECT_NE(c->reason.find("has 1023 access policy entries and this plan adds 2"),
            std::string::npos)
      << c->reason;
  EXPECT_NE(c->reason.find("1024"), std::string::npos);

  // 1022 live + 2 new = 1024: allowed.
  entries.erase(entries.size() - 1);
  plan = Plan(desired, Observe({LiveVault(entries)}, desired));
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/app")->action, Action::kCreate);
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/other")->action, Action::kCreate);

  // An existing entry being updated never counts as new.
  entries.push_back(Entry(kObject, {{"secrets", {"get"}}}));  // 1023 live, 1 new
  plan = Plan(desired, Observe({LiveVault(entries)}, desired));
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/app")->action, Action::kUpdate);
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/other")->action, Action::kCreate);
}

TEST_F(AccessPolicyModelTest, RbacVaultGetsAWarningFromTheManifestOrTheLiveVault) {
  engine::DesiredSet desired;
  desired.resources.push_back(Vault());
  desired.resources.push_back(Policy("app", AppSpec({{"keys", {"get"}}})));
  auto plan = Plan(desired, Observe({LiveVault(Json::array(), /*rbac=*/true)}, desired));
  const Change* c = plan.Find("AccessPolicy/payments-kv/app");
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_NE(c->warnings[0].find("RBAC"), std::string::npos);
  EXPECT_EQ(c->action, Action::kCreate);  // still converged: RBAC may be switched off later

  // The manifest wins over the live value (the vault update runs first).
  desired.resources[0].spec["enableRbacAuthorization"] = false;
  plan = Plan(desired, Observe({LiveVault(Json::array(), true)}, desired));
  EXPECT_TRUE(plan.Find("AccessPolicy/payments-kv/app")->warnings.empty());
  desired.resources[0].spec["enableRbacAuthorization"] = true;
  plan = Plan(desired, Observe({LiveVault(Json::array(), false)}, desired));
  EXPECT_EQ(plan.Find("AccessPolicy/payments-kv/app")->warnings.size(), 1u);
}

TEST_F(AccessPolicyModelTest, VaultPlannedInTheSamePlanGetsCreates) {
  engine::DesiredSet desired;
  desired.resources.push_back(Policy("app", AppSpec({{"keys", {"get"}}})));  // before the vault
  desired.resources.push_back(Vault());
  auto plan = Plan(desired, engine::ObservedSet{});
  ASSERT_EQ(plan.changes.size(), 2u);
  EXPECT_EQ(plan.changes[0].address, "Vault/payments-kv");
  EXPECT_EQ(plan.changes[0].action, Action::kCreate);
  EXPECT_EQ(plan.changes[1].address, "AccessPolicy/payments-kv/app");
  EXPECT_EQ(plan.changes[1].action, Action::kCreate);
}

TEST_F(AccessPolicyModelTest, VaultNamedInAnotherResourceGroupIsBlocked) {
  engine::DesiredSet desired;
  auto vault = Vault();
  vault.resource_group = "rg-elsewhere";
  vault.arm_id = VaultArmId(kSub, "rg-elsewhere", "payments-kv");
  desired.resources.push_back(vault);
  desired.resources.push_back(Policy("app", AppSpec({{"keys", {"get"}}})));
  auto plan = Plan(desired, engine::ObservedSet{});
  const Change* c = plan.Find("AccessPolicy/payments-kv/app");
  ASSERT_EQ(c->action, Action::kBlocked);
  EXPECT_EQ(c->reason_code, "vault_scope_mismatch");
}

TEST_F(AccessPolicyModelTest, VaultAccessPoliciesFieldIsNeitherSentNorDiffed) {
  auto vault = Vault({{"accessPolicies", "exclusive"}});
  const Json body = BuildDesiredVaultBody(vault.spec, kStack, Json());
  EXPECT_FALSE(body["properties"].contains("accessPolicies"));
  EXPECT_EQ(BuildVaultCreateBody(body)["properties"]["accessPolicies"], Json::array());
  Json live = LiveVault({Entry(kObject, {{"keys", {"get"}}})});
  EXPECT_TRUE(DiffVault(body, NormalizeVault(live)).empty());
  EXPECT_TRUE(BuildVaultPatchBody(body, NormalizeVault(live)).is_null());
}

// The shipped example validates against the schema, with keyward.yaml's defaults filled in.
TEST(AccessPolicyManifestTest, PaymentsExampleLoadsWithDefaults) {
  // ctest sets KEYWARD_SOURCE_DIR for every test.
  const char* root = std::getenv("KEYWARD_SOURCE_DIR");
  if (!root) GTEST_SKIP() << "KEYWARD_SOURCE_DIR is not set (run through ctest)";
  const std::filesystem::path source(root);
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  engine::RealFileReader reader;
  auto loaded =
      engine::LoadManifests({(source / "manifests/examples/payments").string()}, reader, registry);
  std::string problems;
  for (const auto& d : loaded.diagnostics.items()) problems += d.ToString() + "\n";
  ASSERT_FALSE(loaded.diagnostics.HasErrors()) << problems;
  const engine::DesiredResource* api = loaded.set.Find("AccessPolicy/payments-kv/payments-api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->spec["tenantId"], "3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10");
  EXPECT_EQ(api->resource_group, "rg-payments");
  EXPECT_EQ(api->depends_on, std::vector<std::string>{"Vault/payments-kv"});
}

TEST(AccessPolicyManifestTest, UnknownPermissionIsReportedAtItsLine) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  engine::FakeFileReader reader;
  reader.AddFile("m/keyward.yaml",
                 "stack: s\ndefaults:\n  subscription: 11111111-2222-4333-8444-555555555555\n"
                 "  resourceGroup: rg\n  tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47\n");
  reader.AddFile("m/ap.yaml",
                 "apiVersion: keyward.dev/v1alpha1\n"
                 "kind: AccessPolicy\n"
                 "metadata:\n"
                 "  name: app\n"
                 "spec:\n"
                 "  vault: /subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/"
                 "providers/Microsoft.KeyVault/vaults/kv\n"
                 "  objectId: 0a1b2c3d-0000-4000-8000-000000000001\n"
                 "  permissions:\n"
                 "    keys: [GET, wrapkey, fly]\n");
  auto loaded = engine::LoadManifests({"m"}, reader, registry);
  ASSERT_TRUE(loaded.diagnostics.HasErrors());
  const auto& first = loaded.diagnostics.items()[0];
  EXPECT_EQ(first.location.line, 9) << first.ToString();
  EXPECT_NE(first.ToString().find("not a key permission"), std::string::npos) << first.ToString();
}

TEST(AccessPolicyRegistrationTest, RefreshesAfterVaults) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  size_t vault = 0, policy = 0;
  for (size_t i = 0; i < registry.all().size(); ++i) {
    if (registry.all()[i]->Kind() == kVaultKind) vault = i;
    if (registry.all()[i]->Kind() == kAccessPolicyKind) policy = i;
  }
  EXPECT_GT(policy, vault);
}

}  // namespace
}  // namespace keyward::azure::model_test
