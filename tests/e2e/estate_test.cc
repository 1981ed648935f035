// The whole payments estate (manifests/examples/payments: a resource group, two vaults, access
// policies, keys, secrets, a managed HSM with a key, approved and rejected private endpoint
// connections) driven through the real `keyward` binary against the real emulator, the way a
// platform team runs it. Every plan's JSON is checked against schemas/plan.schema.json, and a
// canary secret value must never show up anywhere.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_test_util.h"
#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"
#include "tests/support/plan_json.h"

namespace keyward::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

// From manifests/examples/payments/keyward.yaml.
constexpr char kSub[] = "6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01";
constexpr char kGroup[] =
    "/subscriptions/6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01/resourceGroups/rg-payments";
constexpr char kCanary[] = "CANARY-estate-5e1f0c77-never-print";
constexpr char kAuditCanary[] = "CANARY-estate-audit-0b2d9a41";
constexpr char kFingerprintKey[] = "estate-test-fingerprint-key";

std::string Vault(const std::string& name) {
  return std::string(kGroup) + "/providers/Microsoft.KeyVault/vaults/" + name;
}
std::string Hsm(const std::string& name) {
  return std::string(kGroup) + "/providers/Microsoft.KeyVault/managedHSMs/" + name;
}
// The planned action of one address, "(absent)" when the plan does not mention it.
std::string ActionOf(const std::map<std::string, std::string>& actions,
                     const std::string& address) {
  auto it = actions.find(address);
  return it == actions.end() ? "(absent)" : it->second;
}
std::string V(const std::string& path) { return path + "?api-version=2024-11-01"; }

class EstateTest : public KeywardE2eTest {
 protected:
  EstateTest() : KeywardE2eTest("keyward-estate") {}
  void SetUpTest() override {
    const auto examples =
        std::filesystem::path(std::getenv("KEYWARD_SOURCE_DIR") ? std::getenv("KEYWARD_SOURCE_DIR")
                                                                : "..") /
        "manifests/examples/payments";
    manifests_ = dir_ / "manifests";
    std::filesystem::copy(examples, manifests_, std::filesystem::copy_options::recursive);
  }

  // Runs keyward; every output is kept for the canary check at the end of each test.
  CommandResult Keyward(std::vector<std::string> args) {
    CommandResult result = RunKeyward(args, {{"PAYMENTS_DB_PASSWORD", kCanary},
                                             {"PAYMENTS_AUDIT_WEBHOOK_TOKEN", kAuditCanary},
                                             {"KEYWARD_FINGERPRINT_KEY", kFingerprintKey}});
    outputs_.push_back(result.out);
    outputs_.push_back(result.err);
    return result;
  }

  // `plan --format json`, schema-checked; returns address -> action for every change.
  std::map<std::string, std::string> PlanActions(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"plan", manifests_.string(), "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult plan = Keyward(args);
    EXPECT_NE(plan.exit_code, 1) << plan.err;
    EXPECT_EQ(ValidatePlanJson(plan.out), "");
    std::map<std::string, std::string> actions;
    Json doc = Json::parse(plan.out, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) {
      ADD_FAILURE() << "plan JSON does not parse:\n" << plan.out << plan.err;
      return actions;
    }
    for (const Json& c : doc["resource_changes"])
      actions[c["address"].get<std::string>()] = c["action"].get<std::string>();
    return actions;
  }

  // With a fault injected that fails the creation of `address` (ARM resource `arm_id`): the first
  // apply leaves it Failed and skips its `child`; the next plan updates it, the next apply
  // provisions it and creates the child, and the plan after that has nothing left to do.
  void ExpectAFailedCreateIsProvisionedAgainByTheNextApply(const std::string& address,
                                                           const std::string& child,
                                                           const std::string& arm_id) {
    CommandResult first = Keyward({"apply", manifests_.string(), "--auto-approve"});
    EXPECT_EQ(first.exit_code, 1);
    EXPECT_THAT(first.out, HasSubstr(address + ": create FAILED"));
    EXPECT_THAT(first.out, HasSubstr(child + ": skipped"));
    EXPECT_EQ(Arm("GET", V(arm_id)).Json()["properties"]["provisioningState"], "Failed");

    EXPECT_EQ(ActionOf(PlanActions(), address), "update");
    CommandResult second = Keyward({"apply", manifests_.string(), "--auto-approve"});
    EXPECT_THAT(second.out, HasSubstr(address + ": update complete"));
    EXPECT_THAT(second.out, HasSubstr(child + ": create complete"));
    EXPECT_EQ(Arm("GET", V(arm_id)).Json()["properties"]["provisioningState"], "Succeeded");
    EXPECT_EQ(ActionOf(PlanActions(), address), "no-op");
    ExpectNoCanaryAnywhere();
  }

  // Adds an access policy entry to `vault` behind keyward's back (accessPolicies/add, as the
  // portal does); returns ARM's status.
  int AddAccessPolicyByHand(const std::string& vault, const std::string& object_id,
                            const Json& permissions) {
    return Arm("PUT", V(Vault(vault) + "/accessPolicies/add"),
               {{"properties",
                 {{"accessPolicies",
                   Json::array({{{"tenantId", "3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10"},
                                 {"objectId", object_id},
                                 {"permissions", permissions}}})}}}})
        .status;
  }

  std::set<std::string> Changed(const std::map<std::string, std::string>& actions) {
    std::set<std::string> out;
    for (const auto& [address, action] : actions)
      if (action != "no-op") out.insert(address);
    return out;
  }

  // Microsoft.Network creates connections; keyward only approves or rejects them.
  void CreatePrivateEndpoint(const std::string& name, bool manual,
                             const std::string& target = Vault("payments-kv"),
                             const std::string& group_id = "vault") {
    const char* list =
        manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections";
    Json body = {{"location", "westeurope"},
                 {"properties",
                  {{"subnet",
                    {{"id", std::string(kGroup) +
                                "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps"}}},
                   {list, Json::array({{{"name", name},
                                        {"properties",
                                         {{"privateLinkServiceId", target},
                                          {"groupIds", Json::array({group_id})}}}}})}}}};
    auto put = Arm("PUT",
                   std::string(kGroup) + "/providers/Microsoft.Network/privateEndpoints/" + name +
                       "?api-version=2023-11-01",
                   body);
    ASSERT_TRUE(put.status == 200 || put.status == 201) << put.status << put.body;
  }

  // From empty to converged: the first apply creates everything but the private endpoint
  // connections (blocked: the endpoints do not exist yet, so apply exits 1); once the network
  // team's endpoints exist, the second apply approves one and rejects the other.
  void ApplyEstate() {
    CommandResult first = Keyward({"apply", manifests_.string(), "--auto-approve"});
    ASSERT_EQ(first.exit_code, 1) << first.out << first.err;
    EXPECT_THAT(first.out, HasSubstr("waiting for private endpoint"));
    for (const char* done :
         {"ResourceGroup/rg-payments: create complete", "Vault/payments-kv: create complete",
          "Vault/payments-audit-kv: create complete", "ManagedHsm/payments-hsm: create complete",
          "ManagedHsmKey/payments-hsm/payments-signing: create complete",
          "Key/payments-kv/payments-db-cmk: create complete",
          "Secret/payments-kv/db-password: create complete",
          "AccessPolicy/payments-kv/payments-api: create complete"})
      EXPECT_THAT(first.out, HasSubstr(done));

    CreatePrivateEndpoint("pe-checkout-api", /*manual=*/true);
    CreatePrivateEndpoint("pe-legacy-batch", /*manual=*/true);
    CreatePrivateEndpoint("pe-signing-service", /*manual=*/true, Hsm("payments-hsm"), "managedhsm");
    CommandResult second = Keyward({"apply", manifests_.string(), "--auto-approve"});
    ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
    EXPECT_THAT(second.out, HasSubstr("PrivateEndpointConnection/payments-kv/checkout-api"));
    EXPECT_THAT(
        second.out,
        HasSubstr("MhsmPrivateEndpointConnection/payments-hsm/signing-service: update complete"));
  }

  // No canary value in anything keyward printed, the emulator logged or stored, or files under
  // the test directory (saved plans, Markdown parts).
  void ExpectNoCanaryAnywhere() {
    std::string state;
    for (const std::string suffix : {"", "-wal", "-journal"}) {
      std::ifstream in(emulator_->state_file() + suffix, std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      state += bytes.str();
    }
    std::string files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      files += bytes.str();
    }
    for (const char* canary : {kCanary, kAuditCanary}) {
      for (const std::string& output : outputs_) EXPECT_THAT(output, Not(HasSubstr(canary)));
      EXPECT_THAT(emulator_->Stdout(), Not(HasSubstr(canary)));
      EXPECT_EQ(state.find(canary), std::string::npos) << "value in the emulator's state";
      EXPECT_EQ(files.find(canary), std::string::npos) << "value in a file keyward wrote";
    }
  }

  std::filesystem::path manifests_;
  std::vector<std::string> outputs_;
};

TEST_F(EstateTest, AppliesFromEmptyThenReplansAsNoOpWithoutLeakingSecrets) {
  CommandResult validate = Keyward({"validate", manifests_.string()});
  ASSERT_EQ(validate.exit_code, 0) << validate.err;

  const auto planned = PlanActions();
  EXPECT_EQ(ActionOf(planned, "Vault/payments-kv"), "create");
  EXPECT_EQ(ActionOf(planned, "ManagedHsm/payments-hsm"), "create");
  EXPECT_EQ(ActionOf(planned, "Secret/payments-audit-kv/webhook-token"), "create");
  EXPECT_EQ(ActionOf(planned, "PrivateEndpointConnection/payments-kv/checkout-api"), "blocked");

  // A saved plan and its Markdown go through the same leak check. (--markdown-dir must exist:
  // before command-line errors exited 1, this plan failed on it unnoticed.)
  std::filesystem::create_directories(dir_ / "md");
  CommandResult saved =
      Keyward({"plan", manifests_.string(), "--out", (dir_ / "estate.plan").string(), "--format",
               "markdown", "--markdown-dir", (dir_ / "md").string()});
  EXPECT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "estate.plan"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "md" / "plan-001.md"));

  ApplyEstate();

  const auto again = PlanActions();
  EXPECT_EQ(Changed(again), std::set<std::string>()) << "a converged estate re-plans as a no-op";
  EXPECT_GE(again.size(), 14u);
  CommandResult text = Keyward({"plan", manifests_.string(), "--detailed-exitcode"});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;

  auto connections = Arm("GET", V(Vault("payments-kv") + "/privateEndpointConnections"));
  ASSERT_EQ(connections.status, 200) << connections.body;
  const Json listed = connections.Json();  // keep it alive: the loop iterates into it
  std::set<std::string> states;
  for (const Json& c : listed["value"])
    states.insert(
        c["properties"]["privateLinkServiceConnectionState"]["status"].get<std::string>());
  EXPECT_EQ(states, (std::set<std::string>{"Approved", "Rejected"}));

  ExpectNoCanaryAnywhere();
}

TEST_F(EstateTest, OutOfBandChangesAreDriftOnExactlyTheChangedAddresses) {
  ApplyEstate();
  ASSERT_EQ(Changed(PlanActions()), std::set<std::string>());

  // Someone in the portal (or another tool) changes one thing of each kind ARM can change.
  ASSERT_EQ(
      Arm("PATCH", V(Vault("payments-kv")), {{"properties", {{"publicNetworkAccess", "Enabled"}}}})
          .status,
      200);
  ASSERT_EQ(AddAccessPolicyByHand("payments-kv", "9b2c4e1a-5f3d-4c7b-8a6e-1d0f2b3c4d5e",
                                  {{"keys", Json::array({"delete"})}}),
            200);
  auto secret = Arm("PUT", V(Vault("payments-kv") + "/secrets/db-password"),
                    {{"properties", {{"value", "set-by-hand"}}}});
  ASSERT_TRUE(secret.status == 200 || secret.status == 201) << secret.body;
  ASSERT_LT(Arm("PATCH", V(Hsm("payments-hsm")), {{"tags", {{"team", "someone-else"}}}}).status,
            300);
  // An access policy entry nobody declared, in the exclusive vault.
  ASSERT_EQ(AddAccessPolicyByHand("payments-audit-kv", "00000000-1111-4222-8333-444444444444",
                                  {{"secrets", Json::array({"list"})}}),
            200);

  const auto drift = PlanActions();
  EXPECT_EQ(Changed(drift),
            (std::set<std::string>{
                "Vault/payments-kv", "AccessPolicy/payments-kv/payments-api",
                "Secret/payments-kv/db-password", "ManagedHsm/payments-hsm",
                "AccessPolicy/payments-audit-kv/00000000-1111-4222-8333-444444444444"}));
  EXPECT_EQ(ActionOf(drift, "AccessPolicy/payments-audit-kv/00000000-1111-4222-8333-444444444444"),
            "delete");

  CommandResult heal = Keyward({"apply", manifests_.string(), "--auto-approve"});
  ASSERT_EQ(heal.exit_code, 0) << heal.out << heal.err;
  EXPECT_EQ(Changed(PlanActions()), std::set<std::string>());
  ExpectNoCanaryAnywhere();
}

TEST_F(EstateTest, AFailedChangeSkipsOnlyItsDependents) {
  // Every managed HSM create fails (its long-running operation ends Failed).
  ASSERT_NO_FATAL_FAILURE(InjectFaults(
      R"({"rules":[{"lroFail":true,"match":{"operation":"ManagedHsms_CreateOrUpdate"}}]})"));

  CommandResult apply = Keyward({"apply", manifests_.string(), "--auto-approve"});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.out, HasSubstr("ManagedHsm/payments-hsm: create FAILED"));
  EXPECT_THAT(apply.out, HasSubstr("ManagedHsmKey/payments-hsm/payments-signing: skipped: "
                                   "dependency failed (ManagedHsm/payments-hsm)"));
  // The independent vault branch is applied in full.
  EXPECT_THAT(apply.out, HasSubstr("Vault/payments-kv: create complete"));
  EXPECT_THAT(apply.out, HasSubstr("Key/payments-kv/payments-db-cmk: create complete"));
  EXPECT_THAT(apply.out, HasSubstr("Secret/payments-audit-kv/webhook-token: create complete"));
  EXPECT_EQ(Arm("GET", V(Vault("payments-audit-kv") + "/keys/audit-signing")).status, 200);
  ExpectNoCanaryAnywhere();
}

TEST_F(EstateTest, AVaultWhoseCreationFailedIsProvisionedAgainByTheNextApply) {
  // Found by the fault campaign (docs/reliability.md): payments-kv's creation ends Failed. The
  // next plans were no-ops for it (every managed field matched) and the next apply wrote its keys
  // and secrets into a vault that never finished provisioning. Twice: apply submits a failed
  // provisioning once more before giving up (the next test).
  ASSERT_NO_FATAL_FAILURE(InjectFaults(
      R"({"rules":[{"lroFail":true,"limit":2,"match":{"path":"/vaults/payments-kv$"}}]})"));
  ExpectAFailedCreateIsProvisionedAgainByTheNextApply(
      "Vault/payments-kv", "Key/payments-kv/payments-db-cmk", Vault("payments-kv"));
}

TEST_F(EstateTest, AVaultWhoseProvisioningFailsOnceIsProvisionedAgainInTheSameApply) {
  // The fault campaign's last misses: the same vault failing in apply after apply. A provisioning
  // that fails on the service's side is submitted once more, within the apply, with a warning.
  ASSERT_NO_FATAL_FAILURE(InjectFaults(
      R"({"rules":[{"lroFail":true,"limit":1,"match":{"path":"/vaults/payments-kv$"}}]})"));
  CommandResult first = Keyward({"apply", manifests_.string(), "--auto-approve"});
  EXPECT_THAT(first.out, HasSubstr("Vault/payments-kv: create complete"));
  EXPECT_THAT(first.out, HasSubstr("Key/payments-kv/payments-db-cmk: create complete"));
  EXPECT_THAT(first.err, HasSubstr("re-submitting once, the operation failed on the service's "
                                   "side: PUT /subscriptions/"));
  EXPECT_EQ(Arm("GET", "/_emulator/faults").Json()["rules"][0]["fired"], 1);
  EXPECT_EQ(Arm("GET", V(Vault("payments-kv"))).Json()["properties"]["provisioningState"],
            "Succeeded");
  EXPECT_EQ(ActionOf(PlanActions(), "Vault/payments-kv"), "no-op");
  ExpectNoCanaryAnywhere();
}

TEST_F(EstateTest, ANameCheckAnswered502IsRetried) {
  // checkNameAvailability is a POST that only reads: a 502 is retried like a GET's would be,
  // instead of failing the whole refresh (five first applies of the fault campaign lost it so).
  ASSERT_NO_FATAL_FAILURE(InjectFaults(
      R"({"rules":[{"status":502,"limit":1,"match":{"operation":"Vaults_CheckNameAvailability"}}]})"));
  EXPECT_EQ(ActionOf(PlanActions(), "Vault/payments-kv"), "create");
  EXPECT_EQ(Arm("GET", "/_emulator/faults").Json()["rules"][0]["fired"], 1);
}

TEST_F(EstateTest, AManagedHsmWhoseCreationFailedIsProvisionedAgainByTheNextApply) {
  // The vault's case above, for the managed HSM (one shared soft-deletable kind): its plan used to
  // ignore provisioningState, so a Failed HSM stayed a no-op and every later apply failed its key
  // with 409 ManagedHsmNotProvisioned.
  ASSERT_NO_FATAL_FAILURE(InjectFaults(
      R"({"rules":[{"lroFail":true,"limit":1,"match":{"operation":"ManagedHsms_CreateOrUpdate"}}]})"));
  ExpectAFailedCreateIsProvisionedAgainByTheNextApply("ManagedHsm/payments-hsm",
                                                      "ManagedHsmKey/payments-hsm/payments-signing",
                                                      Hsm("payments-hsm"));
}

TEST_F(EstateTest, PruneRemovesOnlyOwnedResourcesAndOnlyWithTheFlags) {
  ApplyEstate();
  // A vault someone else made in the same resource group: untagged, never a prune candidate.
  auto other = Arm("PUT", V(Vault("hand-made-kv")),
                   {{"location", "westeurope"},
                    {"properties",
                     {{"tenantId", "3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10"},
                      {"sku", {{"family", "A"}, {"name", "standard"}}},
                      {"accessPolicies", Json::array()}}}});
  ASSERT_LT(other.status, 300) << other.body;
  std::filesystem::remove(manifests_ / "audit-vault.yaml");
  // The secret's manifest goes too, while its vault stays.
  std::filesystem::remove(manifests_ / "secrets.yaml");

  const auto without_prune = PlanActions();
  EXPECT_EQ(Changed(without_prune), std::set<std::string>());

  const auto with_prune = PlanActions({"--prune"});
  EXPECT_EQ(ActionOf(with_prune, "Vault/payments-audit-kv"), "delete");
  // ARM cannot delete secrets: the plan says so instead of pretending. (The pruned vault's own
  // keys and secrets go with it into soft delete.)
  EXPECT_EQ(ActionOf(with_prune, "Secret/payments-kv/db-password"), "unsupported");
  EXPECT_EQ(with_prune.count("Vault/hand-made-kv"), 0u);

  CommandResult refused = Keyward({"apply", manifests_.string(), "--auto-approve", "--prune"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("--allow-destroy"));
  EXPECT_EQ(Arm("GET", V(Vault("payments-audit-kv"))).status, 200) << "nothing deleted";

  CommandResult pruned =
      Keyward({"apply", manifests_.string(), "--auto-approve", "--prune", "--allow-destroy"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  EXPECT_EQ(Arm("GET", V(Vault("payments-audit-kv"))).status, 404);
  EXPECT_EQ(Arm("GET", V("/subscriptions/" + std::string(kSub) +
                         "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/"
                         "payments-audit-kv"))
                .status,
            200)
      << "pruned into soft delete, recoverable";
  EXPECT_EQ(Arm("GET", V(Vault("hand-made-kv"))).status, 200);
  EXPECT_EQ(Arm("GET", V(Vault("payments-kv"))).status, 200);
  ExpectNoCanaryAnywhere();
}

}  // namespace
}  // namespace keyward::testing
