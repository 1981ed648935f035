// The AccessPolicy handler against the real keyward-arm-emulator over HTTPS, driven the way the
// engine drives it: engine::Refresh (Vault first, entries from the vault list), MakePlan, and
// engine::Apply (which re-plans every applied change against the re-read and requires no-op).
#include <gtest/gtest.h>

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

constexpr char kAppObject[] = "a0a0a0a0-1111-4222-8333-000000000001";
constexpr char kOtherObject[] = "b0b0b0b0-1111-4222-8333-000000000002";

class AccessPolicyHandlerEmulatorTest : public EmulatorHandlerTest {
 protected:
  AccessPolicyHandlerEmulatorTest() : EmulatorHandlerTest("ap-test") {}
  void SetUpTest() override {
    RegisterAzureHandlers(registry_, client_);
    group_ = "rg-ap-" + suffix_;
    vault_ = "kv-ap-" + suffix_;
    AddGroupAndVault(group_, vault_);
    Add("AccessPolicy", "app",
        {{"vault", vault_},
         {"tenantId", kt::kTenantId},
         {"objectId", kAppObject},
         {"permissions", {{"keys", {"Get", "list", "WRAPKEY"}}, {"secrets", {"get"}}}}},
        group_);
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

  // Plans, checks the action of every listed address (others must be no-op), applies.
  void Converge(const std::map<std::string, Action>& expected) {
    engine::Plan plan = PlanAll();
    for (const auto& change : plan.changes) {
      auto it = expected.find(change.address);
      const Action want = it == expected.end() ? Action::kNoOp : it->second;
      EXPECT_EQ(change.action, want) << change.address << ": " << change.reason << "\n"
                                     << plan.Dump();
    }
    for (const auto& [address, action] : expected)
      EXPECT_NE(plan.Find(address), nullptr) << address << "\n" << plan.Dump();
    engine::ApplyReport report = ApplyAll(plan);
    ExpectApplied(report);
    EXPECT_TRUE(report.ok());
  }

  std::string VaultUrl() {
    return WithApiVersion(VaultPath(kt::kSubscriptionId, group_, vault_), kKeyVaultApiVersion);
  }

  // Another client (portal, az cli) writing the vault's access policies directly.
  void OutOfBand(const char* operation, const Json& entry) {
    auto put = client_->Put(WithApiVersion(JoinPath(VaultPath(kt::kSubscriptionId, group_, vault_),
                                                    {"accessPolicies", operation}),
                                           kKeyVaultApiVersion),
                            Json{{"properties", {{"accessPolicies", Json::array({entry})}}}}, ctx_);
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
  }

  Json LiveEntries() {
    auto vault = client_->Get(VaultUrl(), ctx_);
    EXPECT_TRUE(vault.has_value());
    return vault ? vault->body["properties"]["accessPolicies"] : Json();
  }

  std::string group_, vault_;
};

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
  engine::Plan plan = PlanAll();
  const Json after = Stats();
  EXPECT_EQ(Served(before, after, "Vaults_Get"), 0);
  EXPECT_EQ(Served(before, after, "Vaults_ListByResourceGroup"), 1);
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
       {"permissions", {{"certificates", {"get"}}}}},
      group_);
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

  engine::Plan plan = PlanAll();
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
    if (entry["objectId"] == kAppObject) {
      EXPECT_EQ(CanonicalPermissions(entry["permissions"])["keys"],
                Json({"get", "list", "wrapKey"}));
    }
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
                     {"permissions", {{"storage", {"GetSAS"}}}}},
                    group_);
  EXPECT_TRUE(entry.depends_on.empty());

  const Json before = Stats();
  Converge({{PolicyAddress("by-id"), Action::kCreate}});
  const Json after = Stats();
  EXPECT_GE(Served(before, after, "Vaults_Get"), 1);  // refresh + re-read
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
