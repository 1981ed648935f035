// keyward export, round trip: live resources (shaped like ARM's 2024-11-01 examples) are exported
// with the real handlers, the files are loaded by the real loader, and the plan against the same
// live state is a no-op (secrets: blocked on their placeholder). Then the same files with a stack,
// and with the placeholders set.
#include "providers/azure/kinds/export_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/export.h"
#include "engine/file_reader.h"
#include "engine/planner.h"
#include "engine/secret_source.h"
#include "engine/validate.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/pec_model.h"
#include "providers/azure/kinds/resource_json_test_util.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

using engine::Action;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSub[] = "00000000-0000-0000-0000-000000000000";
constexpr char kTenant[] = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr char kGroup[] = "sample-group";
const std::string kScope = std::string("/subscriptions/") + kSub + "/resourceGroups/" + kGroup;
const std::string kVaultId = kScope + "/providers/Microsoft.KeyVault/vaults/sample-vault";
const std::string kHsmId = kScope + "/providers/Microsoft.KeyVault/managedHSMs/hsm1";

engine::ObservedResource Observed(const char* kind, const std::string& address, Json live) {
  engine::ObservedResource o;
  o.kind = kind;
  o.address = address;
  o.arm_id = live.value("id", "");
  o.live = std::move(live);
  return o;
}

// The read-only summaries in a vault's properties: one approved, one still Pending.
Json Connections() {
  auto connection = [](const std::string& name, const std::string& status) {
    return Json{{"id", kVaultId + "/privateEndpointConnections/" + name},
                {"properties",
                 {{"privateEndpoint",
                   {{"id", std::string("/subscriptions/") + kSub +
                               "/resourceGroups/net/providers/Microsoft.Network/"
                               "privateEndpoints/pe-" +
                               name}}},
                  {"privateLinkServiceConnectionState",
                   {{"status", status}, {"description", "by the platform team"}}},
                  {"provisioningState", "Succeeded"}}}};
  };
  return Json::array({connection("conn-approved", "Approved"), connection("conn-new", "Pending")});
}

Json LiveVault() {
  return {
      {"id", kVaultId},
      {"name", "sample-vault"},
      {"type", "Microsoft.KeyVault/vaults"},
      {"location", "West US"},
      {"tags", {{"team", "payments"}}},
      {"properties",
       {{"tenantId", "72F988BF-86F1-41AF-91AB-2D7CD011DB47"},
        {"sku", {{"family", "A"}, {"name", "standard"}}},
        {"accessPolicies", Json::array({{{"tenantId", kTenant},
                                         {"objectId", "00000000-0000-0000-0000-0000000000aa"},
                                         {"permissions",
                                          {{"keys", {"get", "wrapKey"}},
                                           {"secrets", {"get", "list"}},
                                           {"certificates", Json::array()}}}},
                                        {{"tenantId", kTenant},
                                         {"objectId", "00000000-0000-0000-0000-0000000000bb"},
                                         {"applicationId", "00000000-0000-0000-0000-0000000000cc"},
                                         {"permissions", {{"storage", {"get"}}}}}})},
        {"enabledForDeployment", false},
        {"enableRbacAuthorization", false},
        {"enableSoftDelete", true},
        {"softDeleteRetentionInDays", 90},
        {"enablePurgeProtection", true},
        {"publicNetworkAccess", "Enabled"},
        {"networkAcls", LiveNetworkAcls("Deny", {"203.0.113.0/24"})},
        {"privateEndpointConnections", Connections()},
        {"vaultUri", "https://sample-vault.vault.azure.net/"},
        {"provisioningState", "Succeeded"}}}};
}

Json LiveKey() {
  Json key =
      ArmResource(kVaultId + "/keys/sample-key-name", "Microsoft.KeyVault/vaults/keys", "westus");
  key["properties"] = RsaKeyProperties(
      "Purgeable", "https://sample-vault.vault.azure.net:443/keys/sample-key-name");
  return key;
}

Json LiveSecret() {
  Json secret =
      ArmResource(kVaultId + "/secrets/secret-name", "Microsoft.KeyVault/vaults/secrets", "westus");
  secret["tags"] = {{"owner", "db-team"}};
  secret["properties"] = {
      {"contentType", "text/plain"},
      {"attributes", {{"enabled", true}, {"created", 1514940950}, {"updated", 1514940950}}},
      {"secretUri", "https://sample-vault.vault.azure.net/secrets/secret-name"}};
  return secret;
}

Json LiveHsm() {
  return {
      {"name", "hsm1"},
      {"type", "Microsoft.KeyVault/managedHSMs"},
      {"id", kHsmId},
      {"location", "westus"},
      {"properties",
       {{"enablePurgeProtection", false},
        {"enableSoftDelete", true},
        {"hsmUri", "https://westus.hsm1.managedhsm.azure.net"},
        {"initialAdminObjectIds", {"00000000-0000-0000-0000-000000000000"}},
        {"provisioningState", "Succeeded"},
        {"softDeleteRetentionInDays", 90},
        {"regions", Json::array({{{"name", "westus"}, {"isPrimary", true}},
                                 {{"name", "East US"}, {"isPrimary", false}},
                                 {{"name", "northeurope"}, {"provisioningState", "Deleting"}}})},
        {"statusMessage", "ManagedHsm is functional."},
        {"tenantId", "00000000-0000-0000-0000-000000000000"}}},
      {"sku", {{"name", "Standard_B1"}, {"family", "B"}}},
      {"tags", {{"Dept", "hsm"}, {"Environment", "dogfood"}}}};
}

Json LiveHsmKey() {
  return {{"id", kHsmId + "/keys/signing"},
          {"name", "signing"},
          {"type", "Microsoft.KeyVault/managedHSMs/keys"},
          {"properties",
           {{"attributes",
             {{"enabled", true}, {"created", 1598533051}, {"recoveryLevel", "Purgeable"}}},
            {"kty", "EC-HSM"},
            {"curveName", "P-256"},
            {"keyOps", {"sign", "verify"}}}}};
}

class ExportRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterAzureHandlers(registry_, nullptr);  // pure methods only: no ARM client needed
    observed_.resources.push_back(Observed(
        "ResourceGroup", std::string("ResourceGroup/") + kGroup,
        {{"id", kScope}, {"name", kGroup}, {"location", "westus"}, {"tags", Json::object()}}));
    observed_.resources.push_back(Observed("Vault", "Vault/sample-vault", LiveVault()));
    for (auto& policy : ObservedAccessPolicies(LiveVault(), false))
      observed_.resources.push_back(std::move(policy));
    observed_.resources.push_back(Observed("Key", "Key/sample-vault/sample-key-name", LiveKey()));
    const Json connections = Connections();
    for (auto& pec : ObservePecs(kVaultPecKind, "sample-vault",
                                 std::vector<Json>(connections.begin(), connections.end()), {}, {}))
      observed_.resources.push_back(std::move(pec));
    observed_.resources.push_back(
        Observed("Secret", "Secret/sample-vault/secret-name", LiveSecret()));
    observed_.resources.push_back(Observed("ManagedHsm", "ManagedHsm/hsm1", LiveHsm()));
    observed_.resources.push_back(
        Observed("ManagedHsmKey", "ManagedHsmKey/hsm1/signing", LiveHsmKey()));
    // Outside the exported resource group: must not be exported.
    Json other = LiveVault();
    other["id"] = std::string("/subscriptions/") + kSub +
                  "/resourceGroups/other/providers/Microsoft.KeyVault/vaults/other-vault";
    observed_.resources.push_back(Observed("Vault", "Vault/other-vault", other));
  }

  engine::ExportResult Export(const std::string& stack = "",
                              const std::string& resource_group = kGroup) {
    engine::ExportOptions options;
    options.subscription = kSub;
    options.resource_group = resource_group;
    options.stack = stack;
    return engine::BuildExport(observed_, registry_, options);
  }

  // Loads the exported files through the real loader and plans them against observed_.
  engine::Plan LoadAndPlan(const engine::ExportResult& exported, const engine::Environment& env) {
    engine::FakeFileReader files;
    for (const auto& [name, text] : exported.files) files.AddFile("export/" + name, text);
    loaded_ = engine::ValidateManifests({"export"}, files, registry_);
    for (const auto& d : loaded_.diagnostics.items()) ADD_FAILURE() << d.ToString();
    const engine::Diagnostics secrets = engine::ResolveSecretFingerprints(loaded_.set, files, env);
    for (const auto& d : secrets.items()) ADD_FAILURE() << d.ToString();
    engine::PlanOptions options;
    options.stack = loaded_.set.config.stack;
    return engine::MakePlan(loaded_.set, observed_, registry_, options);
  }

  const engine::Change* Find(const engine::Plan& plan, const std::string& address) {
    for (const engine::Change& c : plan.changes)
      if (c.address == address) return &c;
    return nullptr;
  }

  engine::HandlerRegistry registry_;
  engine::ObservedSet observed_;
  engine::ValidationResult loaded_;
};

TEST_F(ExportRoundTripTest, WritesOneFilePerVaultAndHsmPlusResourceGroupAndConfig) {
  const engine::ExportResult exported = Export();
  std::vector<std::string> names;
  for (const auto& [name, text] : exported.files) names.push_back(name);
  EXPECT_THAT(
      names, ::testing::ElementsAre("keyward.yaml", "managed-hsm-hsm1.yaml",
                                    "resource-group-sample-group.yaml", "vault-sample-vault.yaml"));
  // rg, vault, 2 policies, key, approved connection, secret, hsm, hsm key
  EXPECT_EQ(exported.documents, 9);
  // A Pending connection has no manifest form (status is Approved or Rejected).
  EXPECT_THAT(exported.skipped,
              ::testing::ElementsAre("PrivateEndpointConnection/sample-vault/conn-new"));
  const std::string& vault = exported.files.at("vault-sample-vault.yaml");
  EXPECT_THAT(vault, HasSubstr("# yaml-language-server: $schema="));
  EXPECT_THAT(vault, HasSubstr("kind: AccessPolicy"));
  EXPECT_THAT(vault, HasSubstr("kind: Secret"));
  EXPECT_THAT(vault, HasSubstr("env: KEYWARD_SECRET_SAMPLE_VAULT_SECRET_NAME"));
  EXPECT_THAT(vault, Not(HasSubstr("other-vault")));
  EXPECT_THAT(exported.files.at("managed-hsm-hsm1.yaml"), HasSubstr("kind: ManagedHsmKey"));
  const std::string& config = exported.files.at("keyward.yaml");
  EXPECT_THAT(config, HasSubstr("# stack: <name>"));
  EXPECT_THAT(config, Not(HasSubstr("\nstack:")));
  EXPECT_THAT(config, HasSubstr("resourceGroup: sample-group"));
  EXPECT_THAT(config, HasSubstr("location: westus"));
  // Tenants differ between the vault and the HSM: no tenant default.
  EXPECT_THAT(config, Not(HasSubstr("tenantId")));
}

TEST_F(ExportRoundTripTest, PlanOfTheExportIsNoOpExceptSecretPlaceholders) {
  const engine::Plan plan = LoadAndPlan(Export(), engine::FakeEnvironment());
  EXPECT_FALSE(plan.diagnostics.HasErrors());
  std::set<std::string> addresses;
  for (const engine::Change& c : plan.changes) {
    addresses.insert(c.address);
    if (c.kind == "Secret") {
      EXPECT_EQ(c.action, Action::kBlocked) << c.address;
      EXPECT_EQ(c.reason_code, "secret_source_placeholder");
      EXPECT_THAT(c.reason, HasSubstr("KEYWARD_SECRET_SAMPLE_VAULT_SECRET_NAME"));
    } else {
      EXPECT_EQ(c.action, Action::kNoOp) << c.address << ": " << c.reason;
      EXPECT_TRUE(c.field_changes.empty()) << c.address;
    }
  }
  // Every exported resource was matched (the out-of-scope vault is not desired: left alone).
  for (const char* address :
       {"ResourceGroup/sample-group", "Vault/sample-vault", "Key/sample-vault/sample-key-name",
        "PrivateEndpointConnection/sample-vault/conn-approved", "Secret/sample-vault/secret-name",
        "ManagedHsm/hsm1", "ManagedHsmKey/hsm1/signing"}) {
    EXPECT_TRUE(addresses.count(address)) << address;
    EXPECT_TRUE(loaded_.set.Find(address)) << address;
  }
  int policies = 0;
  for (const engine::DesiredResource& d : loaded_.set.resources)
    if (d.kind == "AccessPolicy") ++policies;
  EXPECT_EQ(policies, 2);
}

TEST_F(ExportRoundTripTest, ResourcesOwnedByAStackStayNoOpWithoutTouchingTheirTag) {
  for (engine::ObservedResource& r : observed_.resources) {
    if (r.kind == "Vault" || r.kind == "ManagedHsm" || r.kind == "ResourceGroup")
      r.live["tags"]["keyward-stack"] = "other-stack";
  }
  const engine::ExportResult exported = Export();
  EXPECT_THAT(exported.files.at("vault-sample-vault.yaml"), Not(HasSubstr("other-stack")));
  const engine::Plan plan = LoadAndPlan(exported, engine::FakeEnvironment());
  for (const char* address :
       {"Vault/sample-vault", "ManagedHsm/hsm1", "ResourceGroup/sample-group"}) {
    const engine::Change* c = Find(plan, address);
    ASSERT_NE(c, nullptr) << address;
    EXPECT_EQ(c->action, Action::kNoOp) << address << ": " << c->reason;
  }
}

TEST_F(ExportRoundTripTest, WholeSubscriptionNamesEachResourceGroupAndSkipsGroups) {
  const engine::ExportResult exported = Export("", "");
  std::vector<std::string> names;
  for (const auto& [name, text] : exported.files) names.push_back(name);
  EXPECT_THAT(names, ::testing::ElementsAre("keyward.yaml", "managed-hsm-hsm1.yaml",
                                            "vault-other-vault.yaml", "vault-sample-vault.yaml"));
  EXPECT_THAT(exported.files.at("vault-other-vault.yaml"), HasSubstr("resourceGroup: other"));
  EXPECT_THAT(exported.files.at("keyward.yaml"), Not(HasSubstr("resourceGroup")));
  const engine::Plan plan = LoadAndPlan(exported, engine::FakeEnvironment());
  for (const char* address : {"Vault/sample-vault", "Vault/other-vault", "ManagedHsm/hsm1"}) {
    const engine::Change* c = Find(plan, address);
    ASSERT_NE(c, nullptr) << address;
    EXPECT_EQ(c->action, Action::kNoOp) << address << ": " << c->reason;
  }
}

TEST_F(ExportRoundTripTest, SettingThePlaceholderWritesTheValueBecauseItCannotBeCompared) {
  engine::FakeEnvironment env;
  env.Set("KEYWARD_SECRET_SAMPLE_VAULT_SECRET_NAME", "s3cr3t-canary");
  env.Set("KEYWARD_FINGERPRINT_KEY", "fingerprint-key");
  const engine::Plan plan = LoadAndPlan(Export(), env);
  const engine::Change* secret = Find(plan, "Secret/sample-vault/secret-name");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->action, Action::kUpdate);
  EXPECT_EQ(secret->reason_code, "value_changed_outside_keyward");
  EXPECT_THAT(secret->after.dump(), Not(HasSubstr("s3cr3t-canary")));
}

TEST_F(ExportRoundTripTest, WithAStackThePlanAdoptsWhatCanBeTagged) {
  const engine::Plan plan = LoadAndPlan(Export("payments"), engine::FakeEnvironment());
  EXPECT_EQ(loaded_.set.config.stack, "payments");
  EXPECT_EQ(Find(plan, "Vault/sample-vault")->action, Action::kAdopt);
  EXPECT_EQ(Find(plan, "ManagedHsm/hsm1")->action, Action::kAdopt);
  EXPECT_EQ(Find(plan, "ResourceGroup/sample-group")->action, Action::kAdopt);
  // ARM cannot tag an existing key.
  EXPECT_EQ(Find(plan, "Key/sample-vault/sample-key-name")->action, Action::kUnsupported);
}

TEST(ExportModelTest, DropsKeywardTagsAndKeepsUserTags) {
  engine::ObservedResource secret =
      Observed("Secret", "Secret/sample-vault/secret-name", LiveSecret());
  secret.live["tags"] = {{"keyward-stack", "old"}, {"keyward-value-hmac", "ab:cd"}, {"a", "b"}};
  const std::optional<Json> doc = ExportSecretManifest(secret, {kSub, kGroup});
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["spec"]["tags"], Json({{"a", "b"}}));
  secret.live["tags"] = {{"keyward-stack", "old"}};
  EXPECT_FALSE(ExportSecretManifest(secret, {kSub, kGroup})->at("spec").contains("tags"));
}

TEST(ExportModelTest, ChildrenOutsideTheDefaultGroupNameTheirGroup) {
  const std::optional<Json> doc = ExportKeyManifest(
      Observed("Key", "Key/sample-vault/sample-key-name", LiveKey()), {kSub, "another-group"});
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["metadata"]["resourceGroup"], kGroup);
  EXPECT_EQ((*doc)["spec"]["vault"], "sample-vault");
  EXPECT_EQ((*doc)["spec"]["attributes"], Json({{"enabled", true}}));
}

TEST(ExportModelTest, HsmRegionsAreTheLiveSecondaryRegionsByName) {
  const std::optional<Json> doc = ExportManagedHsmManifest(
      Observed("ManagedHsm", "ManagedHsm/hsm1", LiveHsm()), {kSub, kGroup});
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["spec"]["regions"], Json::array({"eastus"}));
  EXPECT_FALSE((*doc)["spec"].contains("hsmUri"));
}

TEST(ExportModelTest, SecretEnvNameIsAValidVariableName) {
  EXPECT_EQ(ExportedSecretEnvName("payments-kv", "db-password"),
            "KEYWARD_SECRET_PAYMENTS_KV_DB_PASSWORD");
}

TEST(ExportYamlTest, QuotesStringsThatWouldReadAsOtherTypes) {
  const std::string yaml = engine::ManifestYaml({{"a", "true"},
                                                 {"b", "08"},
                                                 {"c", "plain"},
                                                 {"d", ""},
                                                 {"e", 3},
                                                 {"f", Json::array()},
                                                 {"g", Json::object()}});
  EXPECT_THAT(yaml, HasSubstr("a: \"true\""));
  EXPECT_THAT(yaml, HasSubstr("b: \"08\""));
  EXPECT_THAT(yaml, HasSubstr("c: plain"));
  EXPECT_THAT(yaml, HasSubstr("d: \"\""));
  EXPECT_THAT(yaml, HasSubstr("e: 3"));
  EXPECT_THAT(yaml, HasSubstr("f: []"));
  EXPECT_THAT(yaml, HasSubstr("g: {}"));
}

}  // namespace
}  // namespace keyward::azure
