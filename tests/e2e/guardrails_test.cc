// Guardrails end to end, through the real `keyward` binary: findings with their manifest
// locations from validate and plan, failOn's exit codes (and that findings never change the
// plan), waivers, SARIF files checked by Microsoft's SARIF validator (scripts/validate-sarif.py),
// JSON checked against the schemas, `keyward audit` on an estate made out of band in the real
// emulator, and the daemon's /status, gauge and log lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "tests/e2e/daemon_test_util.h"
#include "tests/e2e/e2e_test_util.h"
#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"
#include "tests/support/plan_json.h"

namespace keyward::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kGroup[] = "rg-guard";

std::filesystem::path SourceDir() {
  const char* dir = std::getenv("KEYWARD_SOURCE_DIR");
  return dir && *dir ? std::filesystem::path(dir)
                     : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

// Microsoft's SARIF validator plus the SARIF 2.1.0 schema; "" when the file is valid.
std::string ValidateSarif(const std::filesystem::path& file) {
  const CommandResult result =
      RunCommand({"/usr/bin/env", "python3",
                  (SourceDir() / "scripts" / "validate-sarif.py").string(), file.string()});
  return result.exit_code == 0
             ? ""
             : "exit " + std::to_string(result.exit_code) + ":\n" + result.out + result.err;
}

std::string ValidateAuditJson(const std::string& text) {
  const CommandResult result = RunCommand(
      {"/usr/bin/env", "python3", (SourceDir() / "scripts" / "validate-plan-json.py").string(),
       "--schema", "audit", "-"},
      {}, text);
  return result.exit_code == 0 ? "" : result.out + result.err;
}

std::string KeywardYaml(const std::string& guardrails = "") {
  return std::string("stack: guard-e2e\ndefaults:\n  subscription: ") + kSubscriptionId +
         "\n  resourceGroup: " + kGroup + "\n  location: westeurope\n  tenantId: " + kTenantId +
         "\n" + guardrails;
}

// Line numbers matter: findings are asserted at file:line:column.
std::string OpenVaultYaml(const std::string& waive =
                              "KW-KV-005: RBAC migration planned until "
                              "2099-12-31") {
  return "apiVersion: keyward.dev/v1alpha1\n"  // 1
         "kind: Vault\n"                       // 2
         "metadata:\n"                         // 3
         "  name: guard-open-kv\n"             // 4
         "  annotations:\n"                    // 5
         "    keyward.dev/waive: \"" +
         waive +
         "\"\n"                                    // 6
         "spec:\n"                                 // 7
         "  sku: { family: A, name: standard }\n"  // 8
         "  enablePurgeProtection: false\n"        // 9
         "  publicNetworkAccess: Enabled\n";       // 10
}

constexpr char kResourceGroupYaml[] =
    "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: rg-guard\n"
    "spec:\n  location: westeurope\n";

class GuardrailsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("keyward-guardrails");
    std::filesystem::create_directories(dir_ / "m");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / "m" / name) << text;
  }
  void StartEmulator() {
    emulator_ = EmulatorProcess::Start({.lro_seconds = 0.1});
    ASSERT_NE(emulator_, nullptr);
  }

  // Runs keyward in dir_ (so manifest paths, and SARIF URIs, are "m/...").
  CommandResult Keyward(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir_.string(),
                                     BinaryPath("keyward")};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env;
    if (emulator_) env = KeywardEnv(*emulator_, (dir_ / "state").string());
    return RunCommand(argv, env);
  }

  HttpsResult Arm(const std::string& method, const std::string& path, const Json& body = nullptr) {
    if (token_.empty()) token_ = GetToken(*emulator_);
    return ArmRequest(*emulator_, token_, method, path, body);
  }
  static std::string GroupId(const std::string& subscription = kSubscriptionId) {
    return std::string("/subscriptions/") + subscription + "/resourceGroups/" + kGroup;
  }
  static std::string VaultPath(const std::string& name) {
    return GroupId() + "/providers/Microsoft.KeyVault/vaults/" + name;
  }
  static std::string V(const std::string& path) { return path + "?api-version=2024-11-01"; }
  void PutGroup(const std::string& subscription = kSubscriptionId) {
    auto put = Arm(
        "PUT",
        "/subscriptions/" + subscription + "/resourcegroups/" + kGroup + "?api-version=2021-04-01",
        {{"location", "westeurope"}});
    ASSERT_EQ(put.status / 100, 2) << put.body;
  }
  void PutVault(const std::string& name, Json properties) {
    properties["tenantId"] = kTenantId;
    if (!properties.contains("sku")) properties["sku"] = {{"family", "A"}, {"name", "standard"}};
    properties["accessPolicies"] = Json::array();
    auto put =
        Arm("PUT", V(VaultPath(name)), {{"location", "westeurope"}, {"properties", properties}});
    ASSERT_EQ(put.status / 100, 2) << put.body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::string token_;
};

std::set<std::string> Rules(const Json& findings, bool waived = false) {
  std::set<std::string> out;
  for (const Json& f : findings)
    if (f["waived"] == waived) out.insert(f["rule_id"].get<std::string>());
  return out;
}

TEST_F(GuardrailsTest, ValidateLocatesFindingsWritesValidSarifAndFailsOnHigh) {
  Write("keyward.yaml", KeywardYaml("guardrails:\n  failOn: high\n"));
  Write("vault.yaml", OpenVaultYaml());
  const CommandResult validate = Keyward({"validate", "m", "--sarif", "validate.sarif"});
  EXPECT_EQ(validate.exit_code, 1) << validate.out << validate.err;
  EXPECT_THAT(validate.out, HasSubstr("The manifests are valid"));
  EXPECT_THAT(validate.out, HasSubstr("[high] KW-KV-001 Purge protection is enabled\n"
                                      "    Vault/guard-open-kv at m/vault.yaml:9:26 "
                                      "(spec.enablePurgeProtection)"));
  EXPECT_THAT(validate.out, HasSubstr("Vault/guard-open-kv at m/vault.yaml:10:24 "
                                      "(spec.publicNetworkAccess)"));
  EXPECT_THAT(validate.out, HasSubstr("[waived] KW-KV-005 Vault/guard-open-kv at "
                                      "m/vault.yaml:1:1 until 2099-12-31: RBAC migration planned"));
  EXPECT_THAT(validate.err, HasSubstr("2 guardrail finding(s) at or above failOn high:\n  high "
                                      "KW-KV-001 Vault/guard-open-kv (m/vault.yaml:9:26)"));

  EXPECT_EQ(ValidateSarif(dir_ / "validate.sarif"), "");
  std::ifstream in(dir_ / "validate.sarif");
  const Json sarif = Json::parse(in);
  const Json& results = sarif["runs"][0]["results"];
  bool located = false, suppressed = false;
  for (const Json& r : results) {
    const Json& physical = r["locations"][0]["physicalLocation"];
    if (r["ruleId"] == "KW-KV-001") {
      located = physical["artifactLocation"]["uri"] == "m/vault.yaml" &&
                physical["region"]["startLine"] == 9 && physical["region"]["startColumn"] == 26 &&
                r["level"] == "error";
    }
    if (r["ruleId"] == "KW-KV-005") suppressed = r.contains("suppressions");
  }
  EXPECT_TRUE(located) << sarif.dump(2);
  EXPECT_TRUE(suppressed);

  Write("keyward.yaml", KeywardYaml("guardrails:\n  failOn: critical\n"));
  EXPECT_EQ(Keyward({"validate", "m"}).exit_code, 0);
  Write("keyward.yaml", KeywardYaml());
  EXPECT_EQ(Keyward({"validate", "m"}).exit_code, 0) << "no failOn: findings are reports only";
}

TEST_F(GuardrailsTest, UnknownRulesAreValidationErrorsAndExpiredWaiversFindings) {
  Write("keyward.yaml", KeywardYaml());
  Write("vault.yaml", OpenVaultYaml("KW-KV-099: typo until 2099-01-01"));
  CommandResult typo = Keyward({"validate", "m"});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_THAT(typo.err, HasSubstr("m/vault.yaml:6:24: error: Vault/guard-open-kv: "
                                  "keyward.dev/waive names unknown rule 'KW-KV-099'"));

  Write("vault.yaml", OpenVaultYaml("KW-KV-001: old exception until 2001-01-01"));
  CommandResult expired = Keyward({"validate", "m"});
  EXPECT_EQ(expired.exit_code, 0) << expired.err;
  EXPECT_THAT(expired.out, HasSubstr("KW-GR-001 Waivers are renewed or removed before they "
                                     "expire\n    Vault/guard-open-kv at m/vault.yaml:6:24"));
  EXPECT_THAT(expired.out, HasSubstr("expired on 2001-01-01"));
  EXPECT_THAT(expired.out, HasSubstr("[high] KW-KV-001")) << "no longer waived";

  Write("keyward.yaml", KeywardYaml("guardrails:\n  rules:\n    KW-KV-002:\n      parameters: "
                                    "{ minimumDays: 30 }\n"));
  Write("vault.yaml", OpenVaultYaml());
  CommandResult parameter = Keyward({"validate", "m"});
  EXPECT_EQ(parameter.exit_code, 1);
  EXPECT_THAT(parameter.err, HasSubstr("m/keyward.yaml:10:21: error: guardrails: KW-KV-002 has "
                                       "no parameter 'minimumDays' (it takes "
                                       "minimumRetentionDays)"));
}

TEST_F(GuardrailsTest, PlanShowsFindingsEverywhereAndFailOnChangesOnlyTheExitCode) {
  StartEmulator();
  Write("keyward.yaml", KeywardYaml());
  Write("rg.yaml", kResourceGroupYaml);
  Write("vault.yaml", OpenVaultYaml());
  const CommandResult plain = Keyward({"plan", "m", "--format", "json", "--detailed-exitcode"});
  ASSERT_EQ(plain.exit_code, 2) << plain.err;
  EXPECT_EQ(ValidatePlanJson(plain.out), "");
  const Json plan = Json::parse(plain.out);
  EXPECT_EQ(plan["format_version"], "2.0");
  EXPECT_EQ(Rules(plan["findings"]), (std::set<std::string>{"KW-KV-001", "KW-KV-003"}));
  EXPECT_EQ(Rules(plan["findings"], /*waived=*/true), (std::set<std::string>{"KW-KV-005"}));
  EXPECT_EQ(plan["findings"][0]["source"], "planned");

  Write("keyward.yaml", KeywardYaml("guardrails:\n  failOn: high\n"));
  const CommandResult gated = Keyward({"plan", "m", "--format", "json", "--detailed-exitcode",
                                       "--sarif", "plan.sarif", "--out", "saved.kwplan"});
  EXPECT_EQ(gated.exit_code, 1) << gated.err;
  EXPECT_THAT(gated.err, HasSubstr("at or above failOn high"));
  const Json gated_plan = Json::parse(gated.out);
  EXPECT_EQ(gated_plan["resource_changes"], plan["resource_changes"])
      << "findings never change the planned changes";
  EXPECT_EQ(gated_plan["findings"], plan["findings"]);
  EXPECT_EQ(ValidateSarif(dir_ / "plan.sarif"), "");

  // The saved plan keeps them: show renders exactly what plan printed.
  const CommandResult shown = Keyward({"show", "saved.kwplan", "--format", "json"});
  EXPECT_EQ(Json::parse(shown.out)["findings"], plan["findings"]);

  // The pull-request comment: a guardrails section, high before low, with the fix.
  const CommandResult markdown = Keyward({"plan", "m", "--format", "markdown"});
  EXPECT_THAT(markdown.out, HasSubstr("#### 🛡️ Guardrails: 2 findings (2 high), 1 waived"));
  EXPECT_THAT(markdown.out, HasSubstr("- 🟠 **high** `KW-KV-001` Purge protection is enabled — "
                                      "`Vault/guard-open-kv` at `m/vault.yaml:9:26`"));
  EXPECT_THAT(markdown.out, HasSubstr("**Fix:** Set `spec.enablePurgeProtection: true`."));
  EXPECT_LT(markdown.out.find("KW-KV-001"), markdown.out.find("KW-KV-005"));
  const CommandResult text = Keyward({"plan", "m"});
  EXPECT_LT(text.out.find("Plan: 2 to add"), text.out.find("Guardrails: 2 findings"))
      << "findings come after the plan";
}

TEST_F(GuardrailsTest, PlanJudgesFieldsTheManifestLeavesOutByTheirLiveValue) {
  StartEmulator();
  PutGroup();
  PutVault("guard-live-open", {{"enablePurgeProtection", true},
                               {"enableRbacAuthorization", true},
                               {"publicNetworkAccess", "Enabled"}});
  PutVault("guard-live-closed", {{"enablePurgeProtection", true},
                                 {"enableRbacAuthorization", true},
                                 {"publicNetworkAccess", "Disabled"}});
  Write("keyward.yaml", KeywardYaml());
  std::string vaults;
  for (const char* name : {"guard-live-open", "guard-live-closed"})
    vaults +=
        std::string("---\napiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: ") +
        name +
        "\nspec:\n  sku: { family: A, name: standard }\n  enablePurgeProtection: "
        "true\n  enableRbacAuthorization: true\n";
  Write("vaults.yaml", vaults);

  // validate cannot know live values: both are judged by ARM's default (Enabled).
  const CommandResult validate = Keyward({"validate", "m"});
  EXPECT_THAT(validate.out, HasSubstr("Vault/guard-live-open at m/vaults.yaml:2:1"));
  EXPECT_THAT(validate.out, HasSubstr("Vault/guard-live-closed at m/vaults.yaml:11:1"));

  const CommandResult plan = Keyward({"plan", "m", "--format", "json"});
  ASSERT_NE(plan.exit_code, 1) << plan.err;
  std::vector<std::tuple<std::string, std::string, int>> found;
  const Json planned = Json::parse(plan.out);
  for (const Json& f : planned["findings"])
    found.emplace_back(f["rule_id"], f["address"], f["range"]["start"]["line"]);
  EXPECT_EQ(found, (std::vector<std::tuple<std::string, std::string, int>>{
                       {"KW-KV-003", "Vault/guard-live-open", 2}}))
      << "the live Enabled value is a finding, located at the document; the live Disabled "
         "one is not";
}

TEST_F(GuardrailsTest, AuditFindsExactlyTheProblemsOfAnEstateMadeOutOfBand) {
  StartEmulator();
  PutGroup();
  // Compliant: purge protection, RBAC, private only, an HSM key that expires, a typed secret.
  PutVault("aud-good-kv", {{"sku", {{"family", "A"}, {"name", "premium"}}},
                           {"enablePurgeProtection", true},
                           {"enableRbacAuthorization", true},
                           {"publicNetworkAccess", "Disabled"}});
  auto key = Arm("PUT", V(VaultPath("aud-good-kv") + "/keys/cmk"),
                 {{"properties",
                   {{"kty", "RSA-HSM"},
                    {"keySize", 3072},
                    {"keyOps", {"wrapKey", "unwrapKey"}},
                    {"attributes", {{"exp", 1893456000}}}}}});
  ASSERT_EQ(key.status / 100, 2) << key.body;
  auto secret = Arm("PUT", V(VaultPath("aud-good-kv") + "/secrets/ok"),
                    {{"properties",
                      {{"value", "audit-test-value"},
                       {"contentType", "text/plain"},
                       {"attributes", {{"exp", 1893456000}}}}}});
  ASSERT_EQ(secret.status / 100, 2) << secret.body;

  // Not compliant, one problem of each kind.
  PutVault("aud-bad-kv", {{"softDeleteRetentionInDays", 7},
                          {"publicNetworkAccess", "Enabled"},
                          {"networkAcls",
                           {{"defaultAction", "Allow"},
                            {"bypass", "AzureServices"},
                            {"ipRules", {{{"value", "0.0.0.0/0"}}}}}}});
  ASSERT_EQ(Arm("PUT", V(VaultPath("aud-bad-kv") + "/accessPolicies/add"),
                {{"properties",
                  {{"accessPolicies",
                    Json::array({{{"tenantId", kTenantId},
                                  {"objectId", "00000000-1111-4222-8333-444444444444"},
                                  {"permissions",
                                   {{"secrets", {"get", "all"}}, {"keys", {"purge"}}}}}})}}}})
                .status,
            200);
  key = Arm("PUT", V(VaultPath("aud-bad-kv") + "/keys/k"), {{"properties", {{"kty", "RSA"}}}});
  ASSERT_EQ(key.status / 100, 2) << key.body;
  secret = Arm("PUT", V(VaultPath("aud-bad-kv") + "/secrets/s"),
               {{"properties", {{"value", "audit-test-value"}}}});
  ASSERT_EQ(secret.status / 100, 2) << secret.body;
  // Another subscription's private endpoint, auto-approved.
  PutGroup(kOtherSubscriptionId);
  auto pe =
      Arm("PUT",
          GroupId(kOtherSubscriptionId) +
              "/providers/Microsoft.Network/privateEndpoints/pe-foreign?api-version=2023-11-01",
          {{"location", "westeurope"},
           {"properties",
            {{"subnet",
              {{"id", GroupId(kOtherSubscriptionId) +
                          "/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}},
             {"privateLinkServiceConnections",
              Json::array({{{"name", "c"},
                            {"properties",
                             {{"privateLinkServiceId", VaultPath("aud-bad-kv")},
                              {"groupIds", {"vault"}}}}}})}}}});
  ASSERT_EQ(pe.status / 100, 2) << pe.body;

  const CommandResult audit =
      Keyward({"audit", "--subscription", kSubscriptionId, "--resource-group", kGroup, "--format",
               "json", "--sarif", "audit.sarif"});
  ASSERT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_EQ(ValidateAuditJson(audit.out), "");
  EXPECT_EQ(ValidateSarif(dir_ / "audit.sarif"), "");
  const Json report = Json::parse(audit.out);
  std::set<std::tuple<std::string, std::string, std::string>> found;
  std::string pec_address;
  for (const Json& f : report["findings"]) {
    found.emplace(f["rule_id"], f["address"], f["field"]);
    EXPECT_EQ(f["source"], "live");
    EXPECT_FALSE(f.contains("range"));
    if (f["rule_id"] == "KW-KV-014") pec_address = f["address"];
  }
  const std::string policy = "AccessPolicy/aud-bad-kv/00000000-1111-4222-8333-444444444444";
  EXPECT_EQ(found, (std::set<std::tuple<std::string, std::string, std::string>>{
                       {"KW-KV-001", "Vault/aud-bad-kv", "spec.enablePurgeProtection"},
                       {"KW-KV-002", "Vault/aud-bad-kv", "spec.softDeleteRetentionInDays"},
                       {"KW-KV-003", "Vault/aud-bad-kv", "spec.publicNetworkAccess"},
                       {"KW-KV-004", "Vault/aud-bad-kv", "spec.networkAcls.ipRules[0].value"},
                       {"KW-KV-005", "Vault/aud-bad-kv", "spec.enableRbacAuthorization"},
                       {"KW-KV-006", policy, "spec.permissions.keys[0]"},
                       {"KW-KV-006", policy, "spec.permissions.secrets[0]"},
                       {"KW-KV-009", "Key/aud-bad-kv/k", "spec.attributes.exp"},
                       {"KW-KV-012", "Secret/aud-bad-kv/s", "spec.attributes.exp"},
                       {"KW-KV-013", "Secret/aud-bad-kv/s", "spec.contentType"},
                       {"KW-KV-014", pec_address, "spec.privateEndpointId"},
                   }));
  EXPECT_THAT(pec_address, HasSubstr("PrivateEndpointConnection/aud-bad-kv/"));

  const CommandResult gated = Keyward({"audit", "--subscription", kSubscriptionId,
                                       "--resource-group", kGroup, "--fail-on", "high"});
  EXPECT_EQ(gated.exit_code, 1);
  EXPECT_THAT(gated.out, HasSubstr("Audited"));
  EXPECT_THAT(gated.err, HasSubstr("at or above failOn high"));
  EXPECT_THAT(gated.out + gated.err, Not(HasSubstr("audit-test-value")));
  // A keyward.yaml's guardrails section applies to audits too.
  Write("keyward.yaml", KeywardYaml("guardrails:\n  rules:\n    KW-KV-005: { enabled: false }\n"
                                    "    KW-KV-013: { enabled: false }\n"));
  const CommandResult configured =
      Keyward({"audit", "--subscription", kSubscriptionId, "--resource-group", kGroup, "--format",
               "json", "--config", "m/keyward.yaml"});
  ASSERT_EQ(configured.exit_code, 0) << configured.err;
  const std::set<std::string> rules = Rules(Json::parse(configured.out)["findings"]);
  EXPECT_EQ(rules.count("KW-KV-005") + rules.count("KW-KV-013"), 0u);
  EXPECT_EQ(rules.count("KW-KV-001"), 1u);
}

TEST_F(GuardrailsTest, DaemonReportsFindingsInStatusMetricsAndLogsEachOnce) {
  StartEmulator();
  Write("keyward.yaml", KeywardYaml());
  Write("rg.yaml", kResourceGroupYaml);
  Write("vault.yaml", OpenVaultYaml());
  std::filesystem::create_directories(dir_ / "state");
  DaemonProcess daemon({"daemon", (dir_ / "m").string(), "--interval", "300ms", "--listen",
                        "127.0.0.1:0", "--log-format", "json", "--jitter", "0%"},
                       KeywardEnv(*emulator_, (dir_ / "state").string()),
                       (dir_ / "daemon.log").string());
  ASSERT_TRUE(
      WaitUntil([&] { return daemon.Status().value("loop_id", 0) >= 4; }, std::chrono::seconds(60)))
      << daemon.Log();
  const Json status = daemon.Status();
  EXPECT_EQ(Rules(status["findings"]), (std::set<std::string>{"KW-KV-001", "KW-KV-003"}));
  const std::string metrics = daemon.Metrics();
  EXPECT_EQ(MetricValue(metrics, "keyward_policy_findings{rule=\"KW-KV-001\",severity=\"high\"}"),
            1);
  EXPECT_EQ(MetricValue(metrics, "keyward_policy_findings{rule=\"KW-KV-005\",severity=\"low\"}"),
            std::nullopt)
      << "waived findings are not counted";
  // One line per finding (three, one waived) over four or more loops.
  const auto lines = daemon.LogLines("guardrail finding");
  EXPECT_EQ(lines.size(), 3u) << daemon.Log();
  auto [code, took] = daemon.Terminate(std::chrono::seconds(15));
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace keyward::testing
