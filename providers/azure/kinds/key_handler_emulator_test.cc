// The Key and ManagedHsmKey handlers against the real keyward-arm-emulator over HTTPS: create from
// empty, re-plan no-op, drift made outside keyward, prune, and the list-then-GET refresh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/apply.h"
#include "engine/hmac.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/change_test_util.h"
#include "providers/azure/kinds/emulator_client_test_util.h"
#include "providers/azure/kinds/key_handler.h"
#include "providers/azure/kinds/resource_group_handler.h"
#include "providers/azure/kinds/vault_handler.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

constexpr char kStack[] = "key-test";

class KeyHandlerEmulatorTest : public EmulatorHandlerTest {
 protected:
  KeyHandlerEmulatorTest() : EmulatorHandlerTest(kStack) {}
  void SetUpTest() override {
    registry_.Register(std::make_unique<ResourceGroupHandler>(client()));
    registry_.Register(std::make_unique<VaultHandler>(client()));
    registry_.Register(std::make_unique<KeyHandler>(client(), VaultKeyKind()));
  }

  engine::Plan PlanNow(bool prune = false) {
    engine::RefreshOptions refresh_options;
    if (prune) {
      refresh_options.scopes = {"/subscriptions/" + std::string(kt::kSubscriptionId) +
                                "/resourceGroups/" + set_.resources[0].name};
    }
    options_.prune = prune;
    return PlanAll(refresh_options);
  }

  void ApplyPlan(const engine::Plan& plan) {
    engine::ApplyReport report = ApplyAll(plan);
    ExpectApplied(report);
    EXPECT_TRUE(report.ok());
  }

  // A change made outside keyward (as `az keyvault key set-attributes` would in the data plane,
  // which the emulator does not serve): rewrite the stored key in the emulator's state file.
  void EditStoredKey(const std::string& key_name, const std::string& json_path,
                     const std::string& json_value) {
    std::string sqlite;
    for (const char* path : {"/usr/bin/sqlite3", "/bin/sqlite3", "/usr/local/bin/sqlite3"})
      if (::access(path, X_OK) == 0) sqlite = path;
    ASSERT_FALSE(sqlite.empty()) << "the sqlite3 CLI is needed (scripts/install-deps.sh)";
    const std::string sql = "UPDATE resources SET body = json_set(body, '" + json_path +
                            "', json('" + json_value + "')) WHERE key LIKE '%/keys/" + key_name +
                            "';";
    kt::CommandResult result = kt::RunCommand({sqlite, emulator_->state_file(), sql});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
};

TEST_F(KeyHandlerEmulatorTest, CreatesVaultKeysFromEmptyThenReplanIsNoOp) {
  const std::string vault = "kv-key-" + suffix_;
  AddGroupAndVault("rg-key-" + suffix_, vault, "premium");
  Add("Key", "cmk",
      {{"vault", vault},
       {"kty", "RSA-HSM"},
       {"keySize", 3072},
       {"keyOps", {"wrapKey", "unwrapKey"}},
       {"tags", {{"team", "payments"}}}},
      "rg-key-" + suffix_);
  Add("Key", "signing",
      {{"vault", vault},
       {"kty", "ec"},
       {"curveName", "p-384"},
       {"rotationPolicy",
        {{"attributes", {{"expiryTime", "P1Y"}}},
         {"lifetimeActions",
          {{{"trigger", {{"timeAfterCreate", "P90D"}}}, {"action", {{"type", "Rotate"}}}}}}}}},
      "rg-key-" + suffix_);

  engine::Plan plan = PlanNow();
  ASSERT_EQ(plan.changes.size(), 4u) << plan.Dump();
  for (const Change& c : plan.changes) EXPECT_EQ(c.action, Action::kCreate) << plan.Dump();
  ApplyPlan(plan);

  // Re-plan: one keys list for the vault, one GET per declared key (list items lack kty etc.).
  const Json before = Stats();
  plan = PlanNow();
  const Json after = Stats();
  for (const Change& c : plan.changes) EXPECT_EQ(c.action, Action::kNoOp) << plan.Dump();
  EXPECT_EQ(Served(before, after, "Keys_List"), 1);
  EXPECT_EQ(Served(before, after, "Keys_Get"), 2);

  const Change* cmk = plan.Find("Key/" + vault + "/cmk");
  ASSERT_NE(cmk, nullptr);
  EXPECT_EQ(cmk->before["tags"][kStackTag], kStack);
  EXPECT_EQ(cmk->before["properties"]["keySize"], 3072);
}

TEST_F(KeyHandlerEmulatorTest, OutOfBandChangeIsUnsupportedDriftOnExactlyThatAddress) {
  const std::string vault = "kv-drift-" + suffix_;
  AddGroupAndVault("rg-drift-" + suffix_, vault, "premium");
  Add("Key", "one", {{"vault", vault}, {"kty", "RSA"}, {"attributes", {{"enabled", true}}}},
      "rg-drift-" + suffix_);
  Add("Key", "two", {{"vault", vault}, {"kty", "RSA"}, {"attributes", {{"enabled", true}}}},
      "rg-drift-" + suffix_);
  ApplyPlan(PlanNow());

  EditStoredKey("one", "$.properties.attributes.enabled", "false");
  const engine::Plan plan = PlanNow();
  for (const Change& c : plan.changes) {
    if (c.address == "Key/" + vault + "/one") {
      EXPECT_EQ(c.action, Action::kUnsupported) << plan.Dump();
      EXPECT_EQ(c.reason_code, "immutable_after_create");
      ExpectOnlyFieldChange(c, "properties.attributes.enabled", false, true);
    } else {
      EXPECT_EQ(c.action, Action::kNoOp) << c.address << ": " << c.reason;
    }
  }
  EXPECT_EQ(plan.Summary().unsupported, 1);

  // Apply refuses the unsupported change (it never sends a PUT that ARM would ignore).
  KeyHandler handler(client(), VaultKeyKind());
  engine::ApplyRequest request{plan.Find("Key/" + vault + "/one"), nullptr};
  auto applied = handler.Apply(request, ctx_);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(KeyHandlerEmulatorTest, PrunedKeyIsUnsupportedBecauseArmCannotDeleteIt) {
  const std::string vault = "kv-prune-" + suffix_;
  const std::string group = "rg-prune-" + suffix_;
  AddGroupAndVault(group, vault, "premium");
  Add("Key", "gone", {{"vault", vault}, {"kty", "EC"}}, group);
  ApplyPlan(PlanNow());

  set_.resources.pop_back();  // the key leaves the manifests
  const engine::Plan plan = PlanNow(/*prune=*/true);
  const Change* gone = plan.Find("Key/" + vault + "/gone");
  ASSERT_NE(gone, nullptr) << plan.Dump();
  EXPECT_EQ(gone->action, Action::kUnsupported);
  EXPECT_EQ(gone->reason_code, "arm_cannot_delete");
  EXPECT_EQ(gone->reason.rfind("ARM cannot delete keys; ", 0), 0u) << gone->reason;

  // Without prune scopes the undeclared key is not even listed.
  const engine::Plan quiet = PlanNow(/*prune=*/false);
  EXPECT_EQ(quiet.Find("Key/" + vault + "/gone"), nullptr) << quiet.Dump();
}

TEST_F(KeyHandlerEmulatorTest, UntaggedKeyCreatedOutsideKeywardCannotBeAdopted) {
  const std::string vault = "kv-adopt-" + suffix_;
  const std::string group = "rg-adopt-" + suffix_;
  AddGroupAndVault(group, vault, "premium");
  ApplyPlan(PlanNow());
  const std::string key_id = VaultArmId(kt::kSubscriptionId, group, vault) + "/keys/handmade";
  ASSERT_TRUE(client()->Put(WithApiVersion(key_id, kKeyVaultApiVersion),
                            Json{{"properties", {{"kty", "RSA"}}}}, ctx_));

  Add("Key", "handmade", {{"vault", vault}, {"kty", "RSA"}}, group);
  const engine::Plan plan = PlanNow();
  const Change* key = plan.Find("Key/" + vault + "/handmade");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->action, Action::kUnsupported);
  EXPECT_EQ(key->reason_code, "adopt_not_possible");
}

TEST_F(KeyHandlerEmulatorTest, KeyInAVaultKeywardDoesNotManageIsFoundByArmId) {
  const std::string vault = "kv-extern-" + suffix_;
  const std::string group = "rg-extern-" + suffix_;
  AddGroupAndVault(group, vault, "premium");
  ApplyPlan(PlanNow());
  const std::string vault_id = VaultArmId(kt::kSubscriptionId, group, vault);
  ASSERT_TRUE(client()->Put(WithApiVersion(vault_id + "/keys/theirs", kKeyVaultApiVersion),
                            Json{{"tags", {{kStackTag, kStack}}}, {"properties", {{"kty", "EC"}}}},
                            ctx_));

  // A manifest set that declares only the key, naming the vault by ARM id.
  set_.resources.clear();
  Add("Key", "theirs", {{"vault", vault_id}, {"kty", "EC"}, {"curveName", "P-256"}}, "");
  Add("Key", "ours", {{"vault", vault_id}, {"kty", "EC"}}, "");
  engine::Plan plan = PlanNow();
  ASSERT_EQ(plan.changes.size(), 2u) << plan.Dump();
  EXPECT_EQ(plan.Find("Key/" + vault + "/theirs")->action, Action::kNoOp) << plan.Dump();
  EXPECT_EQ(plan.Find("Key/" + vault + "/ours")->action, Action::kCreate) << plan.Dump();
  ApplyPlan(plan);
  for (const Change& c : PlanNow().changes) EXPECT_EQ(c.action, Action::kNoOp) << c.address;
}

TEST_F(KeyHandlerEmulatorTest, CreatesManagedHsmKeysFromEmptyThenReplanIsNoOp) {
  const std::string group = "rg-hsm-" + suffix_;
  const std::string hsm = "hsm-" + suffix_;
  Add("ResourceGroup", group, {{"location", "westeurope"}}, "");
  ApplyPlan(PlanNow());
  // The HSM is created directly: the ManagedHsm kind is another handler's business.
  const std::string hsm_id = "/subscriptions/" + std::string(kt::kSubscriptionId) +
                             "/resourceGroups/" + group +
                             "/providers/Microsoft.KeyVault/managedHSMs/" + hsm;
  const std::string hsm_path = WithApiVersion(hsm_id, kKeyVaultApiVersion);
  auto put = client()->Put(
      hsm_path,
      Json{{"location", "westeurope"},
           {"sku", {{"family", "B"}, {"name", "Standard_B1"}}},
           {"tags", {{kStackTag, kStack}}},
           {"properties",
            {{"tenantId", kt::kTenantId}, {"initialAdminObjectIds", {kt::kObjectId}}}}},
      ctx_);
  ASSERT_TRUE(put) << put.error().ToString();
  auto done = client()->PollUntilDone(*put, hsm_path, HttpMethod::kPut, ctx_);
  ASSERT_TRUE(done) << done.error().ToString();
  auto live_hsm = client()->Get(hsm_path, ctx_);
  ASSERT_TRUE(live_hsm);

  KeyHandler handler(client(), ManagedHsmKeyKind());
  engine::ObservedSet parents;
  engine::ObservedResource parent;
  parent.kind = "ManagedHsm";
  parent.address = "ManagedHsm/" + hsm;
  parent.arm_id = hsm_id;
  parent.live = live_hsm->body;
  parents.resources.push_back(parent);

  std::vector<engine::DesiredResource> keys(2);
  const std::vector<Json> specs = {
      {{"managedHsm", hsm}, {"kty", "RSA"}, {"keySize", 3072}},
      {{"managedHsm", hsm}, {"kty", "EC-HSM"}, {"curveName", "P-521"}, {"keyOps", {"sign"}}}};
  for (size_t i = 0; i < keys.size(); ++i) {
    keys[i].kind = "ManagedHsmKey";
    keys[i].name = "hsm-key-" + std::to_string(i);
    keys[i].subscription = kt::kSubscriptionId;
    keys[i].resource_group = group;
    keys[i].spec = specs[i];
    engine::ResolveRequest request{&keys[i], &set_.config};
    const auto resolved = handler.Resolve(request);
    ASSERT_FALSE(resolved.diagnostics.HasErrors());
    keys[i].address = resolved.address;
    keys[i].arm_id = resolved.arm_id;
  }
  engine::PlanOptions options{.prune = false, .purge_then_create = false, .stack = kStack};
  auto refresh = [&] {
    engine::RefreshRequest request;
    request.desired = {&keys[0], &keys[1]};
    request.parents = &parents;
    request.desired_set = &set_;
    auto out = handler.Refresh(request, ctx_);
    EXPECT_TRUE(out) << out.error().ToString();
    return out ? *out : engine::RefreshResponse{};
  };
  auto plan = [&](const engine::DesiredResource& d, const engine::RefreshResponse& refreshed) {
    engine::PlanChangeRequest request;
    request.desired = &d;
    request.options = &options;
    for (const auto& o : refreshed.resources)
      if (IEquals(o.arm_id, d.arm_id)) request.observed = &o;
    return handler.PlanChange(request);
  };

  engine::RefreshResponse refreshed = refresh();
  EXPECT_TRUE(refreshed.resources.empty());
  for (const auto& key : keys) {
    const Change create = plan(key, refreshed);
    ASSERT_EQ(create.action, Action::kCreate) << create.reason;
    engine::ApplyRequest request{&create, &key};
    auto applied = handler.Apply(request, ctx_);
    ASSERT_TRUE(applied) << applied.error().ToString();
    EXPECT_EQ(applied->live["type"], "Microsoft.KeyVault/managedHSMs/keys");
    EXPECT_EQ(applied->live["tags"][kStackTag], kStack);
  }

  const Json before = Stats();
  refreshed = refresh();
  const Json after = Stats();
  EXPECT_EQ(Served(before, after, "ManagedHsmKeys_List"), 1);
  EXPECT_EQ(Served(before, after, "ManagedHsmKeys_Get"), 2);
  ASSERT_EQ(refreshed.resources.size(), 2u);
  for (const auto& key : keys) {
    const Change again = plan(key, refreshed);
    EXPECT_EQ(again.action, Action::kNoOp) << key.address << ": " << again.reason;
  }

  // The key type cannot change after creation: unsupported, naming the field.
  keys[0].spec["kty"] = "EC-HSM";
  keys[0].spec.erase("keySize");
  const Change changed = plan(keys[0], refreshed);
  EXPECT_EQ(changed.action, Action::kUnsupported);
  EXPECT_NE(changed.reason.find("properties.kty"), std::string::npos) << changed.reason;

  // Prune scopes make the handler list every HSM the stack owns, and the key is unsupported.
  engine::RefreshRequest prune_request;
  prune_request.scopes = {"/subscriptions/" + std::string(kt::kSubscriptionId)};
  prune_request.parents = &parents;
  prune_request.desired_set = &set_;
  auto pruned = handler.Refresh(prune_request, ctx_);
  ASSERT_TRUE(pruned);
  ASSERT_EQ(pruned->resources.size(), 2u);
  engine::PlanChangeRequest prune_change;
  prune_change.observed = &pruned->resources[0];
  prune_change.options = &options;
  const Change prune = handler.PlanChange(prune_change);
  EXPECT_EQ(prune.action, Action::kUnsupported);
  EXPECT_EQ(prune.reason_code, "arm_cannot_delete");
  EXPECT_EQ(prune.address.rfind("ManagedHsmKey/" + hsm + "/", 0), 0u) << prune.address;
}

TEST(KeyHandlersRegistrationTest, KeyKindsAreRefreshedAfterTheirParents) {
  EXPECT_GT(AzureRefreshPosition("Key"), AzureRefreshPosition("Vault"));
  EXPECT_GE(AzureRefreshPosition("Vault"), 0);
  EXPECT_GE(AzureRefreshPosition("ManagedHsmKey"), 0);
  EXPECT_GT(AzureRefreshPosition("ManagedHsmKey"),
            AzureRefreshPosition("ManagedHsm"));  // -1 until ManagedHsm lands
}

}  // namespace
}  // namespace keyward::azure

namespace keyward::azure {
namespace {

// Refresh at the list-page lower bound: once a key was read in full, a plan GETs it again only
// when its keys-list entry changed (key_read_cache.h).
TEST_F(KeyHandlerEmulatorTest, ASecondPlanGetsOnlyTheKeysWhoseListEntryChanged) {
  const std::string vault = "kv-cache-" + suffix_, group = "rg-cache-" + suffix_;
  AddGroupAndVault(group, vault, "premium");
  Add("Key", "one", {{"vault", vault}, {"kty", "RSA"}, {"keyOps", {"wrapKey"}}}, group);
  Add("Key", "two", {{"vault", vault}, {"kty", "RSA"}, {"keyOps", {"wrapKey"}}}, group);
  ApplyPlan(PlanNow());

  Json before = Stats();
  PlanNow();  // cold for these keys: both read in full
  Json after = Stats();
  EXPECT_EQ(Served(before, after, "Keys_Get"), 2);

  before = Stats();
  engine::Plan plan = PlanNow();
  after = Stats();
  EXPECT_EQ(Served(before, after, "Keys_List"), 1);
  EXPECT_EQ(Served(before, after, "Keys_Get"), 0);
  for (const Change& c : plan.changes) EXPECT_EQ(c.action, Action::kNoOp) << plan.Dump();
  const Change* one = plan.Find("Key/" + vault + "/one");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->before["properties"]["kty"], "RSA")
      << "the remembered full key, not the list item";

  // Changed outside keyward: only that key is read again, and the change is seen.
  EditStoredKey("two", "$.properties.keyOps", R"(["wrapKey","unwrapKey"])");
  EditStoredKey("two", "$.properties.attributes.updated", "1999999999");
  before = Stats();
  plan = PlanNow();
  after = Stats();
  EXPECT_EQ(Served(before, after, "Keys_Get"), 1);
  const Change* two = plan.Find("Key/" + vault + "/two");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->action, Action::kUnsupported) << plan.Dump();
}

// The CLI keeps the cache in a file per stack (RefreshOptions::read_cache_prefix): a new process
// with the same file reads no key it read before; without the file it reads them all.
TEST_F(KeyHandlerEmulatorTest, TheReadCacheFileServesTheNextProcess) {
  const std::string vault = "kv-file-" + suffix_, group = "rg-file-" + suffix_;
  AddGroupAndVault(group, vault, "premium");
  Add("Key", "cmk", {{"vault", vault}, {"kty", "RSA"}}, group);
  ApplyPlan(PlanNow());

  const std::string dir = ::testing::TempDir() + "key-read-cache-" + suffix_;
  engine::RefreshOptions options;
  options.read_cache_prefix = dir + "/" + kStack;
  auto gets_of_a_fresh_registry = [&](const engine::RefreshOptions& refresh_options) {
    engine::HandlerRegistry fresh;  // as a new keyward process would build it
    fresh.Register(std::make_unique<ResourceGroupHandler>(client()));
    fresh.Register(std::make_unique<VaultHandler>(client()));
    fresh.Register(std::make_unique<KeyHandler>(client(), VaultKeyKind()));
    const Json before = Stats();
    auto observed = engine::Refresh(set_, fresh, refresh_options, ctx_);
    EXPECT_TRUE(observed.has_value()) << (observed ? "" : observed.error().ToString());
    return Count(Stats(), "Keys_Get") - Count(before, "Keys_Get");
  };
  EXPECT_EQ(gets_of_a_fresh_registry(options), 1);
  EXPECT_TRUE(std::filesystem::exists(dir + "/" + kStack + ".key." +
                                      engine::KeyId("keyward-read-cache:", client()->endpoint()) +
                                      ".json"));
  EXPECT_EQ(gets_of_a_fresh_registry(options), 0);
  EXPECT_EQ(gets_of_a_fresh_registry(engine::RefreshOptions{}), 1) << "memory only";
  std::filesystem::remove_all(dir);
}

// The list cannot show a rotation policy edited in the data plane, so only a key whose manifest
// declares a rotation policy is read again once its entry is older than KeyReadCache::kMaxAge; a
// key without one is trusted on its unchanged list entry however old the entry is.
TEST_F(KeyHandlerEmulatorTest, OnlyKeysThatDeclareARotationPolicyAreReadAgainAfterTheMaximumAge) {
  const std::string vault = "kv-age-" + suffix_, group = "rg-age-" + suffix_;
  AddGroupAndVault(group, vault, "premium");
  Add("Key", "plain", {{"vault", vault}, {"kty", "RSA"}}, group);
  Add("Key", "rotating",
      {{"vault", vault},
       {"kty", "RSA"},
       {"rotationPolicy",
        {{"attributes", {{"expiryTime", "P1Y"}}},
         {"lifetimeActions",
          {{{"trigger", {{"timeAfterCreate", "P90D"}}}, {"action", {{"type", "Rotate"}}}}}}}}},
      group);
  ApplyPlan(PlanNow());

  int64_t now = 1'700'000'000;
  auto cache = std::make_shared<KeyReadCache>([&now] { return now; });
  engine::HandlerRegistry registry;
  registry.Register(std::make_unique<ResourceGroupHandler>(client()));
  registry.Register(std::make_unique<VaultHandler>(client()));
  registry.Register(std::make_unique<KeyHandler>(client(), VaultKeyKind(), cache));
  auto key_gets = [&] {
    const Json before = Stats();
    auto observed = engine::Refresh(set_, registry, engine::RefreshOptions{}, ctx_);
    EXPECT_TRUE(observed.has_value()) << (observed ? "" : observed.error().ToString());
    return Count(Stats(), "Keys_Get") - Count(before, "Keys_Get");
  };
  EXPECT_EQ(key_gets(), 2) << "cold";
  EXPECT_EQ(key_gets(), 0) << "warm";
  now += KeyReadCache::kMaxAge.count();
  EXPECT_EQ(key_gets(), 1) << "only the key whose rotation policy is compared";
  EXPECT_EQ(key_gets(), 0) << "and that one is young again";
}

}  // namespace
}  // namespace keyward::azure
