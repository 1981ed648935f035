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
#include <sstream>

#include "engine/file_reader.h"
#include "engine/guardrails/check.h"
#include "engine/guardrails/estate.h"
#include "engine/guardrails/rule_docs.h"
#include "engine/validate.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/access_policy_model.h"

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
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  enablePurgeProtection: false
)");
  EXPECT_THAT(Of(Desired(), "KW-KV-001"),
              ElementsAre(Located{"KW-KV-001", "spec.enablePurgeProtection", "m/res.yaml:7:26"}));
}

TEST_F(KeyVaultRulesTest, PurgeProtectionLeftOutIsFoundAtTheDocumentForVaultsNotHsms) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
---
apiVersion: keyward.dev/v1alpha1
kind: ManagedHsm
metadata:
  name: hsm
spec:
  initialAdminObjectIds: [8d3f1c2a-5b6e-4f70-9a81-2c3d4e5f6a7b]
)");
  EXPECT_THAT(Of(Desired(), "KW-KV-001"),
              ElementsAre(Located{"KW-KV-001", "spec.enablePurgeProtection", "m/res.yaml:1:1"}));
}

TEST_F(KeyVaultRulesTest, RetentionBelowTheConfiguredMinimumAndSoftDeleteOff) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  enableSoftDelete: false
  softDeleteRetentionInDays: 30
---
apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv2
spec:
  sku: { family: A, name: standard }
  softDeleteRetentionInDays: 60
)",
       "guardrails:\n  rules:\n    KW-KV-002:\n      parameters: { minimumRetentionDays: 45 }\n");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-002"),
      ElementsAre(Located{"KW-KV-002", "spec.enableSoftDelete", "m/res.yaml:7:21"},
                  Located{"KW-KV-002", "spec.softDeleteRetentionInDays", "m/res.yaml:8:30"}));
}

TEST_F(KeyVaultRulesTest, PublicNetworkAccessPointsAtTheLineThatOpensTheVault) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: open-kv
spec:
  sku: { family: A, name: standard }
  publicNetworkAccess: Enabled
---
apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: allow-kv
spec:
  sku: { family: A, name: standard }
  networkAcls: { defaultAction: Allow }
---
apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: default-kv
spec:
  sku: { family: A, name: standard }
---
apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: firewalled-kv
spec:
  sku: { family: A, name: standard }
  publicNetworkAccess: Enabled
  networkAcls: { defaultAction: Deny }
)");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-003"),
      ElementsAre(Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:7:24"},
                  Located{"KW-KV-003", "spec.networkAcls.defaultAction", "m/res.yaml:15:33"},
                  Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:17:1"}));
}

TEST_F(KeyVaultRulesTest, IpRulesWiderThanThePrefixAreFoundPerEntry) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  publicNetworkAccess: Disabled
  networkAcls:
    defaultAction: Deny
    ipRules:
      - value: 203.0.113.7
      - value: 0.0.0.0/0
      - value: 198.51.100.0/24
      - value: 10.0.0.0/8
)");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-004"),
      ElementsAre(Located{"KW-KV-004", "spec.networkAcls.ipRules[1].value", "m/res.yaml:12:16"},
                  Located{"KW-KV-004", "spec.networkAcls.ipRules[3].value", "m/res.yaml:14:16"}));
}

TEST_F(KeyVaultRulesTest, IpPrefixIsConfigurable) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  publicNetworkAccess: Disabled
  networkAcls:
    defaultAction: Deny
    ipRules:
      - value: 198.51.100.0/24
)",
       "guardrails:\n  rules:\n    KW-KV-004: { parameters: { minimumIpv4PrefixLength: 28 } }\n");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-004"),
      ElementsAre(Located{"KW-KV-004", "spec.networkAcls.ipRules[0].value", "m/res.yaml:11:16"}));
}

TEST_F(KeyVaultRulesTest, RbacAuthorizationIsLowSeverityAdvice) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  enableRbacAuthorization: false
)");
  const std::vector<gr::Finding> findings = Desired();
  ASSERT_THAT(Of(findings, "KW-KV-005"),
              ElementsAre(Located{"KW-KV-005", "spec.enableRbacAuthorization", "m/res.yaml:7:28"}));
  for (const gr::Finding& f : findings) {
    if (f.rule_id == "KW-KV-005") {
      EXPECT_EQ(f.severity, gr::Severity::kLow);
    }
  }
}

constexpr char kPolicyVault[] = R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  enablePurgeProtection: true
  publicNetworkAccess: Disabled
)";

TEST_F(KeyVaultRulesTest, AllAndPurgePermissionsAreFoundAtTheListItem) {
  Load(std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: AccessPolicy
metadata:
  name: admin
spec:
  vault: app-kv
  objectId: 4d7e2f10-8a3b-4c5d-9e6f-7a8b9c0d1e2f
  permissions:
    secrets: [get, list, ALL]
    keys:
      - get
      - purge
)");
  EXPECT_THAT(Of(Desired(), "KW-KV-006"),
              ElementsAre(Located{"KW-KV-006", "spec.permissions.secrets[2]", "m/res.yaml:18:26"},
                          Located{"KW-KV-006", "spec.permissions.keys[1]", "m/res.yaml:21:9"}));
}

TEST_F(KeyVaultRulesTest, DeniedObjectIdsComeFromTheStack) {
  const std::string policy = std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: AccessPolicy
metadata:
  name: everyone
spec:
  vault: app-kv
  objectId: 4D7E2F10-8A3B-4C5D-9E6F-7A8B9C0D1E2F
  permissions: { secrets: [get] }
)";
  Load(policy);
  EXPECT_THAT(Of(Desired(), "KW-KV-007"), IsEmpty()) << "the deny list is empty by default";
  Load(policy,
       "guardrails:\n  rules:\n    KW-KV-007:\n      parameters:\n        deniedObjectIds: "
       "[4d7e2f10-8a3b-4c5d-9e6f-7a8b9c0d1e2f]\n");
  EXPECT_THAT(Of(Desired(), "KW-KV-007"),
              ElementsAre(Located{"KW-KV-007", "spec.objectId", "m/res.yaml:16:13"}));
}

std::string Writer(const std::string& name, const std::string& object_id,
                   const std::string& permissions) {
  return "---\napiVersion: keyward.dev/v1alpha1\nkind: AccessPolicy\nmetadata:\n  name: " + name +
         "\nspec:\n  vault: app-kv\n  objectId: " + object_id + "\n  permissions: " + permissions +
         "\n";
}

TEST_F(KeyVaultRulesTest, PrincipalsThatCanWriteSecretsOrDeleteKeysAreCappedPerVault) {
  const std::string three =
      std::string(kPolicyVault) +
      Writer("a", "00000000-0000-4000-8000-00000000000a", "{ secrets: [get, set] }") +
      Writer("b", "00000000-0000-4000-8000-00000000000b", "{ keys: [delete] }") +
      Writer("c", "00000000-0000-4000-8000-00000000000c", "{ secrets: [get], keys: [get] }") +
      Writer("d", "00000000-0000-4000-8000-00000000000d", "{ secrets: [all] }");
  Load(three);
  EXPECT_THAT(Of(Desired(), "KW-KV-008"), IsEmpty()) << "3 writers is the default cap";
  Load(three + Writer("e", "00000000-0000-4000-8000-00000000000e", "{ keys: [get, delete] }"));
  // Every writer's grant is reported while the vault is over the cap; the reader (c) is not.
  EXPECT_THAT(Of(Desired(), "KW-KV-008"),
              ElementsAre(Located{"KW-KV-008", "spec.permissions.secrets[1]", "m/res.yaml:17:33"},
                          Located{"KW-KV-008", "spec.permissions.keys[0]", "m/res.yaml:26:25"},
                          Located{"KW-KV-008", "spec.permissions.secrets[0]", "m/res.yaml:44:28"},
                          Located{"KW-KV-008", "spec.permissions.keys[1]", "m/res.yaml:53:30"}));
}

TEST_F(KeyVaultRulesTest, KeysWithoutExpiryOrRotationExpiry) {
  Load(std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: bare
spec:
  vault: app-kv
  kty: RSA
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: rotates-forever
spec:
  vault: app-kv
  kty: EC
  rotationPolicy:
    lifetimeActions:
      - trigger: { timeAfterCreate: P1Y }
        action: { type: rotate }
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: expires
spec:
  vault: app-kv
  kty: EC
  attributes: { exp: 1893456000 }
)");
  EXPECT_THAT(
      Of(Desired(), "KW-KV-009"),
      // Not written: the document; the expiry of a written rotation policy: inside that policy.
      ElementsAre(
          Located{"KW-KV-009", "spec.attributes.exp", "m/res.yaml:10:1"},
          Located{"KW-KV-009", "spec.rotationPolicy.attributes.expiryTime", "m/res.yaml:26:5"}));
}

TEST_F(KeyVaultRulesTest, RsaKeySizeMinimumIsConfigurable) {
  const std::string keys = std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: default-size
spec:
  vault: app-kv
  kty: RSA
  attributes: { exp: 1893456000 }
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: small
spec:
  vault: app-kv
  kty: RSA-HSM
  keySize: 2048
  attributes: { exp: 1893456000 }
)";
  Load(keys);
  EXPECT_THAT(Of(Desired(), "KW-KV-010"), IsEmpty()) << "2048 bits is the default minimum";
  Load(keys, "guardrails:\n  rules:\n    KW-KV-010: { parameters: { minimumRsaKeySize: 3072 } }\n");
  EXPECT_THAT(Of(Desired(), "KW-KV-010"),
              ElementsAre(Located{"KW-KV-010", "spec.kty", "m/res.yaml:16:8"},
                          Located{"KW-KV-010", "spec.keySize", "m/res.yaml:26:12"}));
}

TEST_F(KeyVaultRulesTest, SoftwareKeysThatWrapOnPremiumVaultsMustBeHsmBacked) {
  Load(std::string(kGoodVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: software-cmk
spec:
  vault: good-kv
  kty: RSA
  keyOps: [wrapKey, unwrapKey]
  attributes: { exp: 1893456000 }
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: all-ops
spec:
  vault: good-kv
  kty: EC
  attributes: { exp: 1893456000 }
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: signing
spec:
  vault: good-kv
  kty: EC
  keyOps: [sign, verify]
  attributes: { exp: 1893456000 }
---
apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: std-kv
spec:
  sku: { family: A, name: standard }
  enableRbacAuthorization: true
  enablePurgeProtection: true
  publicNetworkAccess: Disabled
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata:
  name: on-standard
spec:
  vault: std-kv
  kty: RSA
  keyOps: [wrapKey]
  attributes: { exp: 1893456000 }
)");
  EXPECT_THAT(Of(Desired(), "KW-KV-011"),
              ElementsAre(Located{"KW-KV-011", "spec.kty", "m/res.yaml:22:8"},
                          Located{"KW-KV-011", "spec.kty", "m/res.yaml:32:8"}));
}

TEST_F(KeyVaultRulesTest, SecretsWithoutExpiryOrContentType) {
  Load(std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: Secret
metadata:
  name: token
spec:
  vault: app-kv
  valueFrom: { env: TOKEN }
  attributes:
    enabled: true
)");
  const std::vector<gr::Finding> findings = Desired();
  EXPECT_THAT(Of(findings, "KW-KV-012"),
              ElementsAre(Located{"KW-KV-012", "spec.attributes.exp", "m/res.yaml:18:5"}));
  EXPECT_THAT(Of(findings, "KW-KV-013"),
              ElementsAre(Located{"KW-KV-013", "spec.contentType", "m/res.yaml:10:1"}));
}

TEST_F(KeyVaultRulesTest, ApprovedEndpointsOnlyFromOwnOrAllowedSubscriptions) {
  const std::string pecs = std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: PrivateEndpointConnection
metadata:
  name: foreign
spec:
  vault: app-kv
  privateEndpointId: /subscriptions/99999999-8888-4777-8666-555555555555/resourceGroups/x/providers/Microsoft.Network/privateEndpoints/pe
  status: Approved
---
apiVersion: keyward.dev/v1alpha1
kind: PrivateEndpointConnection
metadata:
  name: foreign-rejected
spec:
  vault: app-kv
  privateEndpointId: /subscriptions/99999999-8888-4777-8666-555555555555/resourceGroups/x/providers/Microsoft.Network/privateEndpoints/pe2
  status: Rejected
)";
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

engine::ObservedResource LiveVault(const std::string& name, engine::Json properties) {
  properties["tenantId"] = kTenant;
  if (!properties.contains("sku")) properties["sku"] = {{"family", "A"}, {"name", "standard"}};
  engine::ObservedResource o;
  o.kind = "Vault";
  o.arm_id = VaultId(name);
  o.address = "Vault/" + name;
  o.live = {{"id", o.arm_id},
            {"name", name},
            {"type", "Microsoft.KeyVault/vaults"},
            {"location", "westeurope"},
            {"properties", std::move(properties)}};
  return o;
}

TEST_F(KeyVaultRulesTest, PlannedStateJudgesFieldsTheManifestLeavesOutByTheirLiveValue) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  enablePurgeProtection: true
  enableRbacAuthorization: true
)");
  // The manifest does not set publicNetworkAccess: validate judges ARM's default (Enabled) ...
  EXPECT_THAT(Of(Desired(), "KW-KV-003"),
              ElementsAre(Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:1:1"}));
  // ... plan judges the live value: Disabled live passes, Enabled live is a finding located at
  // the document, since no line of the manifest sets it.
  engine::ObservedSet closed;
  closed.resources.push_back(LiveVault("app-kv", {{"publicNetworkAccess", "Disabled"}}));
  EXPECT_THAT(Of(Planned(closed), "KW-KV-003"), IsEmpty());
  engine::ObservedSet open;
  open.resources.push_back(LiveVault("app-kv", {{"publicNetworkAccess", "Enabled"},
                                                {"networkAcls", {{"defaultAction", "Allow"}}}}));
  const std::vector<gr::Finding> planned = Planned(open);
  EXPECT_THAT(Of(planned, "KW-KV-003"),
              ElementsAre(Located{"KW-KV-003", "spec.publicNetworkAccess", "m/res.yaml:1:1"}));
  for (const gr::Finding& f : planned) EXPECT_EQ(f.source, gr::FindingSource::kPlanned);
}

TEST_F(KeyVaultRulesTest, PlannedStateKeepsTheManifestsValuesOverLiveOnes) {
  Load(R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: app-kv
spec:
  sku: { family: A, name: standard }
  enablePurgeProtection: false
  publicNetworkAccess: Disabled
)");
  // Live has purge protection (ARM cannot turn it off; the plan says blocked), but the pull
  // request asks to turn it off: the finding points at the line that asks.
  engine::ObservedSet observed;
  observed.resources.push_back(
      LiveVault("app-kv", {{"enablePurgeProtection", true}, {"publicNetworkAccess", "Enabled"}}));
  EXPECT_THAT(Of(Planned(observed), "KW-KV-001"),
              ElementsAre(Located{"KW-KV-001", "spec.enablePurgeProtection", "m/res.yaml:7:26"}));
  EXPECT_THAT(Of(Planned(observed), "KW-KV-003"), IsEmpty());
}

TEST_F(KeyVaultRulesTest, PlannedAccessPolicyPermissionsAreTheManifestsWholeSet) {
  Load(std::string(kPolicyVault) + R"(---
apiVersion: keyward.dev/v1alpha1
kind: AccessPolicy
metadata:
  name: app
spec:
  vault: app-kv
  objectId: 9b2c4e1a-5f3d-4c7b-8a6e-1d0f2b3c4d5e
  permissions: { secrets: [get] }
)");
  // Live, the entry also holds keys: [all]; the plan removes it (a declared entry owns its whole
  // permission set), so the planned state must not borrow it from live.
  engine::ObservedSet observed;
  engine::Json vault_properties = {
      {"enablePurgeProtection", true},
      {"publicNetworkAccess", "Disabled"},
      {"accessPolicies",
       {{{"tenantId", kTenant},
         {"objectId", "9b2c4e1a-5f3d-4c7b-8a6e-1d0f2b3c4d5e"},
         {"permissions", {{"secrets", {"get"}}, {"keys", {"all"}}}}}}}};
  observed.resources.push_back(LiveVault("app-kv", vault_properties));
  for (auto& entry : ObservedAccessPolicies(observed.resources[0].live, false))
    observed.resources.push_back(std::move(entry));
  EXPECT_THAT(Of(Planned(observed), "KW-KV-006"), IsEmpty());
  EXPECT_THAT(Of(Live(observed), "KW-KV-006").size(), 1u) << "the live entry itself does hold it";
}

TEST_F(KeyVaultRulesTest, UndeclaredLiveEntriesCountTowardsTheCapButAreNotReported) {
  Load(std::string(kPolicyVault) +
       Writer("mine", "00000000-0000-4000-8000-00000000000a", "{ secrets: [set] }"));
  engine::Json entries = engine::Json::array();
  for (const char* id :
       {"00000000-0000-4000-8000-0000000000b1", "00000000-0000-4000-8000-0000000000b2",
        "00000000-0000-4000-8000-0000000000b3"})
    entries.push_back(
        {{"tenantId", kTenant}, {"objectId", id}, {"permissions", {{"keys", {"delete"}}}}});
  engine::ObservedSet observed;
  observed.resources.push_back(LiveVault("app-kv", {{"enablePurgeProtection", true},
                                                    {"publicNetworkAccess", "Disabled"},
                                                    {"accessPolicies", entries}}));
  for (auto& entry : ObservedAccessPolicies(observed.resources[0].live, false))
    observed.resources.push_back(std::move(entry));
  const std::vector<gr::Finding> planned = Planned(observed);
  EXPECT_THAT(Of(planned, "KW-KV-008"),
              ElementsAre(Located{"KW-KV-008", "spec.permissions.secrets[0]", "m/res.yaml:17:28"}));
}

// --- the example manifests (the demo and the end-to-end tests use them) ----------------------

TEST_F(KeyVaultRulesTest, ExampleManifestsBreakNoRuleThatIsNotWaivedWithAReason) {
  const char* source = std::getenv("KEYWARD_SOURCE_DIR");
  const std::filesystem::path root =
      source
          ? std::filesystem::path(source)
          : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
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
  const char* source = std::getenv("KEYWARD_SOURCE_DIR");
  const std::filesystem::path root =
      source
          ? std::filesystem::path(source)
          : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
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
