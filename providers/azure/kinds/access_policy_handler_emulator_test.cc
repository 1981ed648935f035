// The AccessPolicy handler against the real keyward-arm-emulator over HTTPS, driven the way the
// engine drives it: engine::Refresh (Vault first, entries from the vault list), MakePlan, and
// engine::Apply (which re-plans every applied change against the re-read and requires no-op).
#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "engine/apply.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/access_policy_handler.h"
#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/emulator_client_test_util.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

using engine::Action;
namespace kt = keyward::testing;

constexpr char kStack[] = "ap-test";
constexpr char kAppObject[] = "a0a0a0a0-1111-4222-8333-000000000001";
constexpr char kOtherObject[] = "b0b0b0b0-1111-4222-8333-000000000002";

class AccessPolicyHandlerEmulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kt::EmulatorOptions emulator_options;
    emulator_options.lro_seconds = 0.2;
    emulator_ = kt::EmulatorProcess::Start(emulator_options).release();
    ASSERT_NE(emulator_, nullptr);
    client_ = new std::shared_ptr<ArmClient>(EmulatorArmClient(*emulator_));
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    delete emulator_;
    emulator_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(emulator_, nullptr);
    RegisterAzureHandlers(registry_, *client_);
    static std::atomic<int> counter{0};
    suffix_ = std::to_string(::getpid() % 10000) + "x" + std::to_string(counter++);
    set_.config.stack = kStack;
    group_ = "rg-ap-" + suffix_;
    vault_ = "kv-ap-" + suffix_;
    Add("ResourceGroup", group_, {{"location", "westeurope"}});
    Add("Vault", vault_,
        {{"location", "westeurope"},
         {"tenantId", kt::kTenantId},
         {"sku", {{"family", "A"}, {"name", "standard"}}}});
    Add("AccessPolicy", "app",
        {{"vault", vault_},
         {"tenantId", kt::kTenantId},
         {"objectId", kAppObject},
         {"permissions", {{"keys", {"Get", "list", "WRAPKEY"}}, {"secrets", {"get"}}}}});
  }

  engine::DesiredResource& Add(const std::string& kind, const std::string& name, Json spec) {
    engine::DesiredResource d;
    d.kind = kind;
    d.name = name;
    d.subscription = kt::kSubscriptionId;
    if (kind != "ResourceGroup") d.resource_group = group_;
    d.spec = std::move(spec);
    engine::ResolveRequest request{&d, &set_.config};
    auto resolved = registry_.Find(kind)->Resolve(request);
    EXPECT_FALSE(resolved.diagnostics.HasErrors()) << kind << "/" << name;
    d.address = resolved.address;
    d.arm_id = resolved.arm_id;
    for (const auto& ref : resolved.references)
      if (set_.Find(ref.address)) d.depends_on.push_back(ref.address);
    set_.resources.push_back(std::move(d));
    return set_.resources.back();
  }

  engine::DesiredResource& Find(const std::string& address) {
    for (auto& d : set_.resources)
      if (d.address == address) return d;
    ADD_FAILURE() << "no " << address;
    return set_.resources.front();
  }

  std::string PolicyAddress(const std::string& name) {
    return "AccessPolicy/" + vault_ + "/" + name;
  }

  engine::Plan MakePlan() {
    auto observed = engine::Refresh(set_, registry_, {}, ctx_);
    EXPECT_TRUE(observed.has_value()) << (observed ? "" : observed.error().ToString());
    if (!observed) return {};
    return engine::MakePlan(set_, *observed, registry_, options_);
  }

  // Plans, checks the action of every listed address (others must be no-op), applies.
  void Converge(const std::map<std::string, Action>& expected) {
    engine::Plan plan = MakePlan();
    for (const auto& change : plan.changes) {
      auto it = expected.find(change.address);
      const Action want = it == expected.end() ? Action::kNoOp : it->second;
      EXPECT_EQ(change.action, want) << change.address << ": " << change.reason << "\n"
                                     << plan.Dump();
    }
    for (const auto& [address, action] : expected)
      EXPECT_NE(plan.Find(address), nullptr) << address << "\n" << plan.Dump();
    engine::ApplyOptions apply_options;
    engine::ApplyObserver observer;
    engine::ApplyReport report =
        engine::Apply(plan, &set_, registry_, apply_options, observer, ctx_);
    for (const auto& r : report.results) {
      EXPECT_NE(r.outcome.status, engine::ChangeStatus::kFailed)
          << r.address << ": " << r.outcome.error.ToString();
      if (r.outcome.status == engine::ChangeStatus::kSucceeded) {
        EXPECT_TRUE(r.outcome.verified) << r.address;
      }
    }
    EXPECT_TRUE(report.ok());
  }

  std::string VaultUrl() {
    return WithApiVersion(VaultPath(kt::kSubscriptionId, group_, vault_), kKeyVaultApiVersion);
  }

  // Another client (portal, az cli) writing the vault's access policies directly.
  void OutOfBand(const char* operation, const Json& entry) {
    auto put = (*client_)->Put(
        WithApiVersion(
            JoinPath(VaultPath(kt::kSubscriptionId, group_, vault_), {"accessPolicies", operation}),
            kKeyVaultApiVersion),
        Json{{"properties", {{"accessPolicies", Json::array({entry})}}}}, ctx_);
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
  }

  Json LiveEntries() {
    auto vault = (*client_)->Get(VaultUrl(), ctx_);
    EXPECT_TRUE(vault.has_value());
    return vault ? vault->body["properties"]["accessPolicies"] : Json();
  }

  Json Stats() {
    auto token = kt::GetToken(*emulator_);
    return kt::ArmRequest(*emulator_, token, "GET", "/_emulator/stats").Json();
  }
  static int Count(const Json& stats, const std::string& operation) {
    return stats["operations"].value(operation, 0);
  }

  static kt::EmulatorProcess* emulator_;
  static std::shared_ptr<ArmClient>* client_;
  Context ctx_;
  engine::HandlerRegistry registry_;
  engine::DesiredSet set_;
  engine::PlanOptions options_{.prune = false, .purge_then_create = false, .stack = kStack};
  std::string suffix_, group_, vault_;
};

kt::EmulatorProcess* AccessPolicyHandlerEmulatorTest::emulator_ = nullptr;
std::shared_ptr<ArmClient>* AccessPolicyHandlerEmulatorTest::client_ = nullptr;

TEST_F(AccessPolicyHandlerEmulatorTest, AppliesAfterItsVaultThenReplanIsNoOpWithoutExtraCalls) {
  Converge({{"ResourceGroup/" + group_, Action::kCreate},
            {"Vault/" + vault_, Action::kCreate},
            {PolicyAddress("app"), Action::kCreate}});
  const Json entries = LiveEntries();
  ASSERT_EQ(entries.size(), 1u) << entries.dump();
  EXPECT_EQ(entries[0]["objectId"], kAppObject);
  EXPECT_EQ(CanonicalPermissions(entries[0]["permissions"]),
            CanonicalPermissions({{"keys", {"get", "list", "wrapKey"}}, {"secrets", {"get"}}}));

  // Entries come from the vault list: refreshing them costs no ARM call of their own.
  const Json before = Stats();
  engine::Plan plan = MakePlan();
  const Json after = Stats();
  EXPECT_EQ(Count(after, "Vaults_Get") - Count(before, "Vaults_Get"), 0);
  EXPECT_EQ(
      Count(after, "Vaults_ListByResourceGroup") - Count(before, "Vaults_ListByResourceGroup"), 1);
  EXPECT_FALSE(plan.HasChanges()) << plan.Dump();
}

TEST_F(AccessPolicyHandlerEmulatorTest, OutOfBandEntryIsKeptWhenSharedAndRemovedWhenExclusive) {
  Converge({{"ResourceGroup/" + group_, Action::kCreate},
            {"Vault/" + vault_, Action::kCreate},
            {PolicyAddress("app"), Action::kCreate}});
  const Json other = {{"tenantId", kt::kTenantId},
                      {"objectId", kOtherObject},
                      {"permissions", {{"secrets", {"get", "list"}}}}};
  OutOfBand("add", other);

  // Shared (the default): someone else's entry is none of keyward's business.
  Converge({});
  EXPECT_EQ(LiveEntries().size(), 2u);

  // Exclusive: the undeclared entry is removed, without --prune, and nothing else changes.
  Find("Vault/" + vault_).spec["accessPolicies"] = "exclusive";
  Converge({{PolicyAddress(kOtherObject), Action::kDelete}});
  const Json entries = LiveEntries();
  ASSERT_EQ(entries.size(), 1u) << entries.dump();
  EXPECT_EQ(entries[0]["objectId"], kAppObject);
  Converge({});
}

TEST_F(AccessPolicyHandlerEmulatorTest, OutOfBandPermissionChangeIsDriftOnExactlyThatAddress) {
  Add("AccessPolicy", "ops",
      {{"vault", vault_},
       {"tenantId", kt::kTenantId},
       {"objectId", kOtherObject},
       {"permissions", {{"certificates", {"get"}}}}});
  Converge({{"ResourceGroup/" + group_, Action::kCreate},
            {"Vault/" + vault_, Action::kCreate},
            {PolicyAddress("app"), Action::kCreate},
            {PolicyAddress("ops"), Action::kCreate}});

  // Someone grants `delete` on keys and takes `get` on secrets away from the app.
  OutOfBand("add", {{"tenantId", kt::kTenantId},
                    {"objectId", kAppObject},
                    {"permissions", {{"keys", {"delete"}}}}});
  OutOfBand("remove", {{"tenantId", kt::kTenantId},
                       {"objectId", kAppObject},
                       {"permissions", {{"secrets", {"get"}}}}});

  engine::Plan plan = MakePlan();
  const engine::Change* drift = plan.Find(PolicyAddress("app"));
  ASSERT_NE(drift, nullptr);
  ASSERT_EQ(drift->action, Action::kUpdate) << drift->reason;
  ASSERT_EQ(drift->field_changes.size(), 2u);
  EXPECT_EQ(drift->field_changes[0].path, "permissions.keys");
  EXPECT_EQ(drift->field_changes[0].before, Json({"delete", "get", "list", "wrapKey"}));
  EXPECT_EQ(drift->field_changes[0].after, Json({"get", "list", "wrapKey"}));
  EXPECT_EQ(drift->field_changes[1].path, "permissions.secrets");
  EXPECT_EQ(drift->field_changes[1].before, Json::array());
  EXPECT_EQ(plan.Summary().change, 1) << plan.Dump();

  // Converging: add grants secrets/get back, remove takes keys/delete away.
  Converge({{PolicyAddress("app"), Action::kUpdate}});
  Converge({});
  for (const Json& entry : LiveEntries()) {
    if (entry["objectId"] == kAppObject)
      EXPECT_EQ(CanonicalPermissions(entry["permissions"])["keys"],
                Json({"get", "list", "wrapKey"}));
  }
}

TEST_F(AccessPolicyHandlerEmulatorTest, VaultNamedByIdThatKeywardDoesNotManage) {
  Converge({{"ResourceGroup/" + group_, Action::kCreate},
            {"Vault/" + vault_, Action::kCreate},
            {PolicyAddress("app"), Action::kCreate}});
  // Stop managing the vault; reference it by id from a manifest in another resource group.
  const std::string vault_id = VaultArmId(kt::kSubscriptionId, group_, vault_);
  set_.resources.erase(set_.resources.begin() + 1, set_.resources.end());
  auto& entry = Add("AccessPolicy", "by-id",
                    {{"vault", vault_id},
                     {"tenantId", kt::kTenantId},
                     {"objectId", kOtherObject},
                     {"permissions", {{"storage", {"GetSAS"}}}}});
  EXPECT_TRUE(entry.depends_on.empty());

  const Json before = Stats();
  Converge({{PolicyAddress("by-id"), Action::kCreate}});
  const Json after = Stats();
  EXPECT_GE(Count(after, "Vaults_Get") - Count(before, "Vaults_Get"), 1);  // refresh + re-read
  Converge({});
  EXPECT_EQ(LiveEntries().size(), 2u);  // the former app entry is kept: shared by default

  // A vault id that does not exist is a refresh error naming the manifest.
  Find(PolicyAddress("by-id")).arm_id =
      AccessPolicyArmId(VaultArmId(kt::kSubscriptionId, group_, "kv-missing-" + suffix_),
                        Json{{"tenantId", kt::kTenantId}, {"objectId", kOtherObject}});
  auto observed = engine::Refresh(set_, registry_, {}, ctx_);
  ASSERT_FALSE(observed.has_value());
  EXPECT_NE(observed.error().message.find("named by " + PolicyAddress("by-id")), std::string::npos)
      << observed.error().message;
}

}  // namespace
}  // namespace keyward::azure
