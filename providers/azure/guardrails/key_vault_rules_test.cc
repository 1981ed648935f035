// Every Key Vault guardrail rule against real manifests: each is loaded through the real loader
// (YAML marks, keyward.yaml defaults, the Azure handlers' Resolve) and checked as `keyward
// validate` does; the failing case names the exact file:line:column. The planned-state tests feed
// live ARM objects through the kinds' ExportManifest, as `keyward plan` does.
#include "providers/azure/guardrails/key_vault_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "engine/file_reader.h"
#include "engine/guardrails/check.h"
#include "engine/guardrails/estate.h"
#include "engine/guardrails/rule_docs.h"
#include "engine/validate.h"
#include "providers/azure/guardrails/live_vault_test_util.h"
#include "providers/azure/handlers.h"

namespace keyward::azure::guardrails {
namespace {

namespace gr = engine::guardrails;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kSub[] = "11111111-2222-4333-8444-555555555555";
constexpr char kOtherSub[] = "99999999-8888-4777-8666-555555555555";
constexpr char kTenant[] = "72f988bf-86f1-41af-91ab-2d7cd011db47";

std::string KeywardYaml(const std::string& extra = "") {
  return std::string("stack: test\ndefaults:\n  subscription: ") + kSub +
         "\n  resourceGroup: rg\n  location: westeurope\n  tenantId: " + kTenant + "\n" + extra;
}

// A manifest document; `spec` holds its spec's lines unindented ("enablePurgeProtection: false\n"),
// which start at the document's 6th line.
std::string Doc(const std::string& kind, const std::string& name, const std::string& spec) {
  std::string out = "apiVersion: keyward.dev/v1alpha1\nkind: " + kind +
                    "\nmetadata:\n  name: " + name + "\nspec:\n";
  std::istringstream lines(spec);
  for (std::string line; std::getline(lines, line);) out += "  " + line + "\n";
  return out;
}

// Documents one after another in one file.
std::string Docs(std::initializer_list<std::string> docs) {
  std::string out;
  for (const std::string& doc : docs) out += (out.empty() ? "" : "---\n") + doc;
  return out;
}

// A standard vault: its sku is line 6, so the lines of `spec` start at line 7.
std::string Vault(const std::string& name, const std::string& spec = "") {
  return Doc("Vault", name, "sku: { family: A, name: standard }\n" + spec);
}

// A standard vault behind a firewall that lets `ip_rules` through (the first at line 11).
std::string FirewalledVault(const std::string& name, std::initializer_list<const char*> ip_rules) {
  std::string spec =
      "publicNetworkAccess: Disabled\nnetworkAcls:\n  defaultAction: Deny\n  ipRules:\n";
  for (const char* rule : ip_rules) spec += std::string("    - value: ") + rule + "\n";
  return Vault(name, spec);
}

// The vault app-kv of the child resources below: 8 lines, so the next document starts at line 10.
std::string PolicyVault() {
  return Vault("app-kv", "enablePurgeProtection: true\npublicNetworkAccess: Disabled\n");
}

// An access policy entry of app-kv; `permissions` is YAML for one line ("{ secrets: [get] }").
std::string AccessPolicy(const std::string& name, const std::string& object_id,
                         const std::string& permissions) {
  return Doc("AccessPolicy", name,
             "vault: app-kv\nobjectId: " + object_id + "\npermissions: " + permissions + "\n");
}

// A vault that passes every vault rule; line numbers below count from here.
constexpr char kGoodVault[] = R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: good-kv
spec:
  sku: { family: A, name: premium }
  enableRbacAuthorization: true
  enablePurgeProtection: true
  softDeleteRetentionInDays: 90
  publicNetworkAccess: Disabled
  networkAcls:
    defaultAction: Deny
    ipRules:
      - value: 203.0.113.0/24
)";

// One compliant resource of every kind the rules cover.
constexpr char kGoodEstate[] = R"(---
apiVersion: keyward.dev/v1alpha1
kind: AccessPolicy
metadata:
  name: app
spec:
  vault: good-kv
  objectId: 9b2c4e1a-5f3d-4c7b-8a6e-1d0f2b3c4d5e
  permissions:
    secrets: [get, list]
    keys: [get, wrapKey, unwrapKey]
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: cmk
spec:
  vault: good-kv
  kty: RSA-HSM
  keySize: 3072
  keyOps: [wrapKey, unwrapKey]
  rotationPolicy:
    attributes: { expiryTime: P2Y }
    lifetimeActions:
      - trigger: { timeAfterCreate: P1Y }
        action: { type: rotate }
---
apiVersion: keyward.dev/v1alpha1
kind: Secret
metadata:
  name: db-password
spec:
  vault: good-kv
  valueFrom: { env: DB_PASSWORD }
  contentType: text/plain
  attributes: { exp: 1893456000 }
---
apiVersion: keyward.dev/v1alpha1
kind: PrivateEndpointConnection
metadata:
  name: api
spec:
  vault: good-kv
  privateEndpointId: /subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-api
  status: Approved
---
apiVersion: keyward.dev/v1alpha1
kind: ManagedHsm
metadata:
  name: good-hsm
spec:
  sku: { name: Standard_B1 }
  initialAdminObjectIds: [8d3f1c2a-5b6e-4f70-9a81-2c3d4e5f6a7b]
  publicNetworkAccess: Disabled
---
apiVersion: keyward.dev/v1alpha1
kind: ManagedHsmKey
metadata:
  name: signing
spec:
  managedHsm: good-hsm
  kty: EC-HSM
  curveName: P-384
  attributes: { exp: 1893456000 }
)";

struct Located {
  std::string rule;
  std::string field;
  std::string where;  // file:line:column
  bool operator==(const Located&) const = default;
};

void PrintTo(const Located& l, std::ostream* os) {
  *os << l.rule << " " << l.field << " @ " << l.where;
}

class KeyVaultRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterAzureHandlers(handlers_, nullptr); }

  // Loads keyward.yaml (+ `config`) and m/res.yaml; fails the test on validation errors.
  void Load(const std::string& manifests, const std::string& config = "") {
    files_.AddFile("m/keyward.yaml", KeywardYaml(config));
    files_.AddFile("m/res.yaml", manifests);
    loaded_ = engine::ValidateManifests({"m"}, files_, handlers_, nullptr, &KeyVaultGuardrails());
    std::string errors;
    for (const auto& d : loaded_.diagnostics.items())
      if (d.severity == engine::Severity::kError) errors += d.ToString() + "\n";
    ASSERT_EQ(errors, "");
  }

  std::vector<gr::Finding> Desired() {
    const gr::Estate estate = gr::DesiredEstate(loaded_.set);
    gr::CheckResult result = gr::CheckGuardrails({&estate, &loaded_.guardrails, today_});
    EXPECT_TRUE(result.diagnostics.empty());
    return result.findings;
  }

  std::vector<gr::Finding> Planned(const engine::ObservedSet& observed) {
    const gr::Estate estate =
        gr::PlannedEstate(loaded_.set, observed, engine::Plan{}, handlers_, KeyVaultGuardrails());
    return gr::CheckGuardrails({&estate, &loaded_.guardrails, today_}).findings;
  }

  std::vector<gr::Finding> Live(const engine::ObservedSet& observed) {
    const gr::Estate estate = gr::LiveEstate(observed, handlers_);
    engine::Diagnostics unused;
    gr::Policy policy = gr::LoadPolicy(engine::StackConfig{}, KeyVaultGuardrails(), &unused);
    return gr::CheckGuardrails({&estate, &policy, today_}).findings;
  }

  static std::vector<Located> Of(const std::vector<gr::Finding>& findings,
                                 const std::string& rule) {
    std::vector<Located> out;
    for (const gr::Finding& f : findings)
      if (f.rule_id == rule) out.push_back({f.rule_id, f.field, f.location.ToString()});
    return out;
  }

  engine::HandlerRegistry handlers_;
  engine::FakeFileReader files_;
  engine::ValidationResult loaded_;
  gr::Date today_{2026, 6, 1};
};

TEST_F(KeyVaultRulesTest, CompliantEstateHasNoFindings) {
  Load(std::string(kGoodVault) + kGoodEstate);
  EXPECT_THAT(Desired(), IsEmpty());
}

TEST_F(KeyVaultRulesTest, RegistryHasStableUniqueIdsForEveryRuleOfTheIssue) {
  std::vector<std::string> ids;
  for (const gr::Rule& rule : KeyVaultGuardrails().all()) {
    ids.push_back(rule.info.id);
    EXPECT_FALSE(rule.info.title.empty()) << rule.info.id;
    EXPECT_FALSE(rule.info.rationale.empty()) << rule.info.id;
    EXPECT_FALSE(rule.info.remediation.empty()) << rule.info.id;
    EXPECT_FALSE(rule.info.name.empty()) << rule.info.id;
  }
  EXPECT_THAT(ids, ElementsAre("KW-GR-001", "KW-KV-001", "KW-KV-002", "KW-KV-003", "KW-KV-004",
                               "KW-KV-005", "KW-KV-006", "KW-KV-007", "KW-KV-008", "KW-KV-009",
                               "KW-KV-010", "KW-KV-011", "KW-KV-012", "KW-KV-013", "KW-KV-014"));
}

TEST_F(KeyVaultRulesTest, PurgeProtectionOffIsFoundAtTheField) {
  Load(Vault("app-kv", "enablePurgeProtection: false\n"));
  EXPECT_THAT(Of(Desired(), "KW-KV-001"),
              ElementsAre(Located{"KW-KV-001", "spec.enablePurgeProtection", "m/res.yaml:7:26"}));
}

TEST_F(KeyVaultRulesTest, PurgeProtectionLeftOutIsFoundAtTheDocumentForVaultsNotHsms) {
  Load(Docs(
      {Vault("app-kv"), Doc("ManagedHsm", "hsm",
                            "initialAdminObjectIds: [8d3f1c2a-5b6e-4f70-9a81-2c3d4e5f6a7b]\n")}));
  EXPECT_THAT(Of(Desired(), "KW-KV-001"),
              ElementsAre(Located{"KW-KV-001", "spec.enablePurgeProtection", "m/res.yaml:1:1"}));
}

TEST_F(KeyVaultRulesTest, RetentionBelowTheConfiguredMinimumAndSoftDeleteOff) {
  Load(Docs({Vault("app-kv", "enableSoftDelete: false\nsoftDeleteRetentionInDays: 30\n"),
             Vault("app-kv2", "softDeleteRetentionInDays: 60\n")}),
       "guardrails:\n  rules:\n    KW-KV-002:\n      parameters: { minimumRetentionDays: 45 }\n");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-002"),
      ElementsAre(Located{"KW-KV-002", "spec.enableSoftDelete", "m/res.yaml:7:21"},
                  Located{"KW-KV-002", "spec.softDeleteRetentionInDays", "m/res.yaml:8:30"}));
}

TEST_F(KeyVaultRulesTest, PublicNetworkAccessPointsAtTheLineThatOpensTheVault) {
  Load(Docs({Vault("open-kv", "publicNetworkAccess: Enabled\n"),
             Vault("allow-kv", "networkAcls: { defaultAction: Allow }\n"), Vault("default-kv"),
             Vault("firewalled-kv",
                   "publicNetworkAccess: Enabled\nnetworkAcls: { defaultAction: Deny }\n")}));
  EXPECT_THAT(
      Of(Desired(), "KW-KV-003"),
      ElementsAre(Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:7:24"},
                  Located{"KW-KV-003", "spec.networkAcls.defaultAction", "m/res.yaml:15:33"},
                  Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:17:1"}));
}

TEST_F(KeyVaultRulesTest, IpRulesWiderThanThePrefixAreFoundPerEntry) {
  Load(FirewalledVault("app-kv", {"203.0.113.7", "0.0.0.0/0", "198.51.100.0/24", "10.0.0.0/8"}));
  EXPECT_THAT(
      Of(Desired(), "KW-KV-004"),
      ElementsAre(Located{"KW-KV-004", "spec.networkAcls.ipRules[1].value", "m/res.yaml:12:16"},
                  Located{"KW-KV-004", "spec.networkAcls.ipRules[3].value", "m/res.yaml:14:16"}));
}

TEST_F(KeyVaultRulesTest, IpPrefixIsConfigurable) {
  Load(FirewalledVault("app-kv", {"198.51.100.0/24"}),
       "guardrails:\n  rules:\n    KW-KV-004: { parameters: { minimumIpv4PrefixLength: 28 } }\n");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-004"),
      ElementsAre(Located{"KW-KV-004", "spec.networkAcls.ipRules[0].value", "m/res.yaml:11:16"}));
}

TEST_F(KeyVaultRulesTest, RbacAuthorizationIsLowSeverityAdvice) {
  Load(Vault("app-kv", "enableRbacAuthorization: false\n"));
  const std::vector<gr::Finding> findings = Desired();
  ASSERT_THAT(Of(findings, "KW-KV-005"),
              ElementsAre(Located{"KW-KV-005", "spec.enableRbacAuthorization", "m/res.yaml:7:28"}));
  for (const gr::Finding& f : findings) {
    if (f.rule_id == "KW-KV-005") {
      EXPECT_EQ(f.severity, gr::Severity::kLow);
    }
  }
}

TEST_F(KeyVaultRulesTest, AllAndPurgePermissionsAreFoundAtTheListItem) {
  Load(Docs({PolicyVault(), Doc("AccessPolicy", "admin", R"(vault: app-kv
objectId: 4d7e2f10-8a3b-4c5d-9e6f-7a8b9c0d1e2f
permissions:
  secrets: [get, list, ALL]
  keys:
    - get
    - purge
)")}));
  EXPECT_THAT(Of(Desired(), "KW-KV-006"),
              ElementsAre(Located{"KW-KV-006", "spec.permissions.secrets[2]", "m/res.yaml:18:26"},
                          Located{"KW-KV-006", "spec.permissions.keys[1]", "m/res.yaml:21:9"}));
}

TEST_F(KeyVaultRulesTest, DeniedObjectIdsComeFromTheStack) {
  const std::string policy =
      Docs({PolicyVault(), AccessPolicy("everyone", "4D7E2F10-8A3B-4C5D-9E6F-7A8B9C0D1E2F",
                                        "{ secrets: [get] }")});
  Load(policy);
  EXPECT_THAT(Of(Desired(), "KW-KV-007"), IsEmpty()) << "the deny list is empty by default";
  Load(policy,
       "guardrails:\n  rules:\n    KW-KV-007:\n      parameters:\n        deniedObjectIds: "
       "[4d7e2f10-8a3b-4c5d-9e6f-7a8b9c0d1e2f]\n");
  EXPECT_THAT(Of(Desired(), "KW-KV-007"),
              ElementsAre(Located{"KW-KV-007", "spec.objectId", "m/res.yaml:16:13"}));
}

TEST_F(KeyVaultRulesTest, PrincipalsThatCanWriteSecretsOrDeleteKeysAreCappedPerVault) {
  const std::string three = Docs(
      {PolicyVault(),
       AccessPolicy("a", "00000000-0000-4000-8000-00000000000a", "{ secrets: [get, set] }"),
       AccessPolicy("b", "00000000-0000-4000-8000-00000000000b", "{ keys: [delete] }"),
       AccessPolicy("c", "00000000-0000-4000-8000-00000000000c", "{ secrets: [get], keys: [get] }"),
       AccessPolicy("d", "00000000-0000-4000-8000-00000000000d", "{ secrets: [all] }")});
  Load(three);
  EXPECT_THAT(Of(Desired(), "KW-KV-008"), IsEmpty()) << "3 writers is the default cap";
  Load(Docs({three, AccessPolicy("e", "00000000-0000-4000-8000-00000000000e",
                                 "{ keys: [get, delete] }")}));
  // Every writer's grant is reported while the vault is over the cap; the reader (c) is not.
  EXPECT_THAT(Of(Desired(), "KW-KV-008"),
              ElementsAre(Located{"KW-KV-008", "spec.permissions.secrets[1]", "m/res.yaml:17:33"},
                          Located{"KW-KV-008", "spec.permissions.keys[0]", "m/res.yaml:26:25"},
                          Located{"KW-KV-008", "spec.permissions.secrets[0]", "m/res.yaml:44:28"},
                          Located{"KW-KV-008", "spec.permissions.keys[1]", "m/res.yaml:53:30"}));
}

TEST_F(KeyVaultRulesTest, KeysWithoutExpiryOrRotationExpiry) {
  Load(Docs({PolicyVault(), Doc("Key", "bare", "vault: app-kv\nkty: RSA\n"),
             Doc("Key", "rotates-forever", R"(vault: app-kv
kty: EC
rotationPolicy:
  lifetimeActions:
    - trigger: { timeAfterCreate: P1Y }
      action: { type: rotate }
)"),
             Doc("Key", "expires", "vault: app-kv\nkty: EC\nattributes: { exp: 1893456000 }\n")}));
  EXPECT_THAT(
      Of(Desired(), "KW-KV-009"),
      // Not written: the document; the expiry of a written rotation policy: inside that policy.
      ElementsAre(
          Located{"KW-KV-009", "spec.attributes.exp", "m/res.yaml:10:1"},
          Located{"KW-KV-009", "spec.rotationPolicy.attributes.expiryTime", "m/res.yaml:26:5"}));
}

TEST_F(KeyVaultRulesTest, RsaKeySizeMinimumIsConfigurable) {
  const std::string keys = Docs(
      {PolicyVault(),
       Doc("Key", "default-size", "vault: app-kv\nkty: RSA\nattributes: { exp: 1893456000 }\n"),
       Doc("Key", "small",
           "vault: app-kv\nkty: RSA-HSM\nkeySize: 2048\nattributes: { exp: 1893456000 }\n")});
  Load(keys);
  EXPECT_THAT(Of(Desired(), "KW-KV-010"), IsEmpty()) << "2048 bits is the default minimum";
  Load(keys, "guardrails:\n  rules:\n    KW-KV-010: { parameters: { minimumRsaKeySize: 3072 } }\n");
  EXPECT_THAT(Of(Desired(), "KW-KV-010"),
              ElementsAre(Located{"KW-KV-010", "spec.kty", "m/res.yaml:16:8"},
                          Located{"KW-KV-010", "spec.keySize", "m/res.yaml:26:12"}));
}

TEST_F(KeyVaultRulesTest, SoftwareKeysThatWrapOnPremiumVaultsMustBeHsmBacked) {
  // Keys of good-kv (premium) and std-kv (standard), each with an expiry.
  auto key = [](const std::string& name, const std::string& vault, const std::string& spec) {
    return Doc("Key", name, "vault: " + vault + "\n" + spec + "attributes: { exp: 1893456000 }\n");
  };
  Load(Docs({kGoodVault, key("software-cmk", "good-kv", "kty: RSA\nkeyOps: [wrapKey, unwrapKey]\n"),
             key("all-ops", "good-kv", "kty: EC\n"),
             key("signing", "good-kv", "kty: EC\nkeyOps: [sign, verify]\n"),
             Vault("std-kv",
                   "enableRbacAuthorization: true\nenablePurgeProtection: true\n"
                   "publicNetworkAccess: Disabled\n"),
             key("on-standard", "std-kv", "kty: RSA\nkeyOps: [wrapKey]\n")}));
  EXPECT_THAT(Of(Desired(), "KW-KV-011"),
              ElementsAre(Located{"KW-KV-011", "spec.kty", "m/res.yaml:22:8"},
                          Located{"KW-KV-011", "spec.kty", "m/res.yaml:32:8"}));
}

TEST_F(KeyVaultRulesTest, SecretsWithoutExpiryOrContentType) {
  Load(Docs({PolicyVault(),
             Doc("Secret", "token",
                 "vault: app-kv\nvalueFrom: { env: TOKEN }\nattributes:\n  enabled: true\n")}));
  const std::vector<gr::Finding> findings = Desired();
  EXPECT_THAT(Of(findings, "KW-KV-012"),
              ElementsAre(Located{"KW-KV-012", "spec.attributes.exp", "m/res.yaml:18:5"}));
  EXPECT_THAT(Of(findings, "KW-KV-013"),
              ElementsAre(Located{"KW-KV-013", "spec.contentType", "m/res.yaml:10:1"}));
}

TEST_F(KeyVaultRulesTest, ApprovedEndpointsOnlyFromOwnOrAllowedSubscriptions) {
  // Two connections to endpoints in another subscription, approved and rejected.
  auto connection = [](const std::string& name, const std::string& endpoint,
                       const std::string& status) {
    return Doc("PrivateEndpointConnection", name,
               std::string("vault: app-kv\nprivateEndpointId: /subscriptions/") + kOtherSub +
                   "/resourceGroups/x/providers/Microsoft.Network/privateEndpoints/" + endpoint +
                   "\nstatus: " + status + "\n");
  };
  const std::string pecs = Docs({PolicyVault(), connection("foreign", "pe", "Approved"),
                                 connection("foreign-rejected", "pe2", "Rejected")});
  Load(pecs);
  EXPECT_THAT(Of(Desired(), "KW-KV-014"),
              ElementsAre(Located{"KW-KV-014", "spec.privateEndpointId", "m/res.yaml:16:22"}));
  Load(pecs, std::string("guardrails:\n  rules:\n    KW-KV-014:\n      parameters:\n"
                         "        allowedSubscriptions: [") +
                 kOtherSub + "]\n");
  EXPECT_THAT(Of(Desired(), "KW-KV-014"), IsEmpty());
}

// --- the planned state: manifests merged with live ------------------------------------------

std::string VaultId(const std::string& name) {
  return std::string("/subscriptions/") + kSub +
         "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + name;
}

// The live vault `name` of this test's subscription and tenant, with its access policy entries.
engine::ObservedSet ObservedVault(const std::string& name, engine::Json properties) {
  engine::ObservedSet observed;
  AddLiveVault(&observed, LiveVault(VaultId(name), name, kTenant, std::move(properties)));
  return observed;
}

TEST_F(KeyVaultRulesTest, PlannedStateJudgesFieldsTheManifestLeavesOutByTheirLiveValue) {
  Load(Vault("app-kv", "enablePurgeProtection: true\nenableRbacAuthorization: true\n"));
  // The manifest does not set publicNetworkAccess: validate judges ARM's default (Enabled) ...
  EXPECT_THAT(Of(Desired(), "KW-KV-003"),
              ElementsAre(Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:1:1"}));
  // ... plan judges the live value: Disabled live passes, Enabled live is a finding located at
  // the document, since no line of the manifest sets it.
  EXPECT_THAT(
      Of(Planned(ObservedVault("app-kv", {{"publicNetworkAccess", "Disabled"}})), "KW-KV-003"),
      IsEmpty());
  const std::vector<gr::Finding> planned =
      Planned(ObservedVault("app-kv", {{"publicNetworkAccess", "Enabled"},
                                       {"networkAcls", {{"defaultAction", "Allow"}}}}));
  EXPECT_THAT(Of(planned, "KW-KV-003"),
              ElementsAre(Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:1:1"}));
  for (const gr::Finding& f : planned) EXPECT_EQ(f.source, gr::FindingSource::kPlanned);
}

TEST_F(KeyVaultRulesTest, PlannedStateKeepsTheManifestsValuesOverLiveOnes) {
  Load(Vault("app-kv", "enablePurgeProtection: false\npublicNetworkAccess: Disabled\n"));
  // Live has purge protection (ARM cannot turn it off; the plan says blocked), but the pull
  // request asks to turn it off: the finding points at the line that asks.
  const engine::ObservedSet observed = ObservedVault(
      "app-kv", {{"enablePurgeProtection", true}, {"publicNetworkAccess", "Enabled"}});
  EXPECT_THAT(Of(Planned(observed), "KW-KV-001"),
              ElementsAre(Located{"KW-KV-001", "spec.enablePurgeProtection", "m/res.yaml:7:26"}));
  EXPECT_THAT(Of(Planned(observed), "KW-KV-003"), IsEmpty());
}

TEST_F(KeyVaultRulesTest, PlannedAccessPolicyPermissionsAreTheManifestsWholeSet) {
  Load(Docs({PolicyVault(),
             AccessPolicy("app", "9b2c4e1a-5f3d-4c7b-8a6e-1d0f2b3c4d5e", "{ secrets: [get] }")}));
  // Live, the entry also holds keys: [all]; the plan removes it (a declared entry owns its whole
  // permission set), so the planned state must not borrow it from live.
  const engine::ObservedSet observed =
      ObservedVault("app-kv", {{"enablePurgeProtection", true},
                               {"publicNetworkAccess", "Disabled"},
                               {"accessPolicies",
                                {{{"tenantId", kTenant},
                                  {"objectId", "9b2c4e1a-5f3d-4c7b-8a6e-1d0f2b3c4d5e"},
                                  {"permissions", {{"secrets", {"get"}}, {"keys", {"all"}}}}}}}});
  EXPECT_THAT(Of(Planned(observed), "KW-KV-006"), IsEmpty());
  EXPECT_THAT(Of(Live(observed), "KW-KV-006").size(), 1u) << "the live entry itself does hold it";
}

TEST_F(KeyVaultRulesTest, UndeclaredLiveEntriesCountTowardsTheCapButAreNotReported) {
  Load(Docs({PolicyVault(),
             AccessPolicy("mine", "00000000-0000-4000-8000-00000000000a", "{ secrets: [set] }")}));
  engine::Json entries = engine::Json::array();
  for (const char* id :
       {"00000000-0000-4000-8000-0000000000b1", "00000000-0000-4000-8000-0000000000b2",
        "00000000-0000-4000-8000-0000000000b3"})
    entries.push_back(
        {{"tenantId", kTenant}, {"objectId", id}, {"permissions", {{"keys", {"delete"}}}}});
  const std::vector<gr::Finding> planned =
      Planned(ObservedVault("app-kv", {{"enablePurgeProtection", true},
                                       {"publicNetworkAccess", "Disabled"},
                                       {"accessPolicies", entries}}));
  EXPECT_THAT(Of(planned, "KW-KV-008"),
              ElementsAre(Located{"KW-KV-008", "spec.permissions.secrets[0]", "m/res.yaml:17:28"}));
}

// --- the example manifests (the demo and the end-to-end tests use them) ----------------------

// The checkout: KEYWARD_SOURCE_DIR, else four levels above this file.
std::filesystem::path SourceRoot() {
  const char* source = std::getenv("KEYWARD_SOURCE_DIR");
  return source ? std::filesystem::path(source)
                : std::filesystem::path(__FILE__)
                      .parent_path()
                      .parent_path()
                      .parent_path()
                      .parent_path();
}

TEST_F(KeyVaultRulesTest, ExampleManifestsBreakNoRuleThatIsNotWaivedWithAReason) {
  const std::filesystem::path root = SourceRoot();
  engine::RealFileReader files;
  loaded_ = engine::ValidateManifests({(root / "manifests/examples/payments").string()}, files,
                                      handlers_, nullptr, &KeyVaultGuardrails());
  ASSERT_TRUE(loaded_.ok());
  const std::vector<gr::Finding> findings = Desired();
  EXPECT_FALSE(findings.empty()) << "the examples show waivers at work";
  for (const gr::Finding& f : findings) {
    ASSERT_TRUE(f.waiver) << f.rule_id << " " << f.address << " at " << f.location.ToString();
    EXPECT_FALSE(f.waiver->reason.empty());
  }
}

// --- the generated documentation -------------------------------------------------------------

TEST(KeyVaultRulesDocsTest, CheckedInDocsMatchTheRuleTable) {
  const std::filesystem::path root = SourceRoot();
  std::ifstream in(root / "docs" / "guardrails.md", std::ios::binary);
  ASSERT_TRUE(in) << "docs/guardrails.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(gr::GeneratedSectionOf(text.str()), gr::RuleReferenceMarkdown(KeyVaultGuardrails()))
      << "docs/guardrails.md is out of date: run\n"
         "  build/bin/keyward guardrails docs --update docs/guardrails.md";
}

}  // namespace
}  // namespace keyward::azure::guardrails
