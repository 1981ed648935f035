// Scenario tests of the Key / ManagedHsmKey planning logic (pure: no ARM, no emulator).
#include "providers/azure/kinds/key_model.h"

#include <gtest/gtest.h>

#include "providers/azure/kinds/change_test_util.h"
#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/resource_json_test_util.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {
namespace {

const std::string kVaultId =
    "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-payments/providers/"
    "Microsoft.KeyVault/vaults/payments-kv";
const std::string kHsmId =
    "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-payments/providers/"
    "Microsoft.KeyVault/managedHSMs/payments-hsm";

engine::DesiredResource Desired(const KeyKind& kind, Json spec, const std::string& name = "cmk") {
  engine::DesiredResource d;
  d.kind = kind.kind;
  d.name = name;
  d.subscription = kSub;
  d.resource_group = "rg-payments";
  d.spec = std::move(spec);
  d.location = {"keys.yaml", 1, 1};
  d.field_locations["spec.keySize"] = {"keys.yaml", 9, 12};
  d.field_locations["spec.curveName"] = {"keys.yaml", 10, 14};
  d.field_locations["spec.vault"] = {"keys.yaml", 7, 10};
  d.field_locations["spec.attributes.exportable"] = {"keys.yaml", 12, 17};
  engine::ResolveRequest request{&d, nullptr};
  const engine::ResolveResponse resolved = ResolveKey(kind, request);
  d.address = resolved.address;
  d.arm_id = resolved.arm_id;
  return d;
}

// A key as ARM's GET returns it right after Keys_CreateIfNotExist with {kty: RSA} (createKey.json).
Json LiveRsaKey(const std::string& parent_id = kVaultId, const std::string& stack = kStack) {
  Json tags = Json::object();
  if (!stack.empty()) tags[kStackTag] = stack;
  Json key = ArmResource(parent_id + "/keys/cmk", "Microsoft.KeyVault/vaults/keys", "westeurope");
  key["tags"] = tags;
  key["properties"] =
      RsaKeyProperties("Recoverable+Purgeable", "https://payments-kv.vault.azure.net:443/keys/cmk");
  key["properties"]["keyUriWithVersion"] =
      "https://payments-kv.vault.azure.net:443/keys/cmk/fd618d9519b74f9aae94ade66b876acc";
  return key;
}

engine::ObservedResource Observed(const Json& live, const KeyKind& kind = VaultKeyKind()) {
  engine::ObservedResource o;
  o.kind = kind.kind;
  o.arm_id = live.value("id", "");
  o.address = KeyAddressFromId(kind, o.arm_id);
  o.live = live;
  return o;
}

class KeyModelTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.stack = kStack; }

  Change Plan(const KeyKind& kind, const engine::DesiredResource* desired,
              const engine::ObservedResource* observed) {
    engine::PlanChangeRequest request;
    request.desired = desired;
    request.observed = observed;
    request.options = &options_;
    return PlanKeyChange(kind, request);
  }
  // Plans the vault key of `spec` against the key ARM returns as `live`.
  Change PlanOver(Json spec, Json live) {
    const auto d = Desired(VaultKeyKind(), std::move(spec));
    const auto o = Observed(std::move(live));
    return Plan(VaultKeyKind(), &d, &o);
  }

  engine::PlanOptions options_;
};

TEST_F(KeyModelTest, ResolvesAddressArmIdAndARequiredReferenceToTheVaultByName) {
  const auto d = Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "RSA"}});
  engine::ResolveRequest request{&d, nullptr};
  const auto resolved = ResolveKey(VaultKeyKind(), request);
  EXPECT_EQ(resolved.address, "Key/payments-kv/cmk");
  EXPECT_EQ(resolved.arm_id, kVaultId + "/keys/cmk");
  ASSERT_EQ(resolved.references.size(), 1u);
  EXPECT_EQ(resolved.references[0].address, "Vault/payments-kv");
  EXPECT_TRUE(resolved.references[0].required);
  EXPECT_EQ(resolved.references[0].field, "spec.vault");
  EXPECT_FALSE(resolved.diagnostics.HasErrors());
}

TEST_F(KeyModelTest, ParentGivenByArmIdIsAnOptionalReferenceInItsOwnScope) {
  const std::string other =
      "/subscriptions/99999999-8888-4777-8666-555555555555/resourceGroups/rg-shared/providers/"
      "Microsoft.KeyVault/vaults/shared-kv/";
  const auto d = Desired(VaultKeyKind(), {{"vault", other}, {"kty", "EC"}});
  engine::ResolveRequest request{&d, nullptr};
  const auto resolved = ResolveKey(VaultKeyKind(), request);
  EXPECT_EQ(resolved.address, "Key/shared-kv/cmk");
  EXPECT_EQ(resolved.arm_id, other.substr(0, other.size() - 1) + "/keys/cmk");
  ASSERT_EQ(resolved.references.size(), 1u);
  EXPECT_EQ(resolved.references[0].address, "Vault/shared-kv");
  EXPECT_FALSE(resolved.references[0].required);
}

TEST_F(KeyModelTest, ManagedHsmKeyResolvesUnderManagedHSMs) {
  const auto d = Desired(ManagedHsmKeyKind(), {{"managedHsm", "payments-hsm"}, {"kty", "RSA-HSM"}});
  EXPECT_EQ(d.address, "ManagedHsmKey/payments-hsm/cmk");
  EXPECT_EQ(d.arm_id, kHsmId + "/keys/cmk");
  engine::ResolveRequest request{&d, nullptr};
  const auto resolved = ResolveKey(ManagedHsmKeyKind(), request);
  ASSERT_EQ(resolved.references.size(), 1u);
  EXPECT_EQ(resolved.references[0].address, "ManagedHsm/payments-hsm");
  EXPECT_EQ(resolved.references[0].field, "spec.managedHsm");
  EXPECT_EQ(KeyAddressFromId(ManagedHsmKeyKind(), kHsmId + "/keys/cmk"),
            "ManagedHsmKey/payments-hsm/cmk");
  EXPECT_EQ(KeyAddressFromId(VaultKeyKind(), kHsmId + "/keys/cmk"), "");
}

TEST_F(KeyModelTest, ParametersOfTheOtherKeyFamilyAreErrorsAtTheirLocation) {
  auto rsa_with_curve =
      Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "RSA"}, {"curveName", "P-256"}});
  engine::ResolveRequest r1{&rsa_with_curve, nullptr};
  auto out = ResolveKey(VaultKeyKind(), r1);
  ASSERT_TRUE(out.diagnostics.HasErrors());
  EXPECT_EQ(out.diagnostics.items()[0].location.ToString(), "keys.yaml:10:14");
  EXPECT_NE(out.diagnostics.items()[0].message.find("curveName applies to EC keys only"),
            std::string::npos);

  auto ec_with_size =
      Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "ec-hsm"}, {"keySize", 2048}});
  engine::ResolveRequest r2{&ec_with_size, nullptr};
  out = ResolveKey(VaultKeyKind(), r2);
  ASSERT_TRUE(out.diagnostics.HasErrors());
  EXPECT_EQ(out.diagnostics.items()[0].location.ToString(), "keys.yaml:9:12");
  // keySize's values are the schema's enum (key.schema.json), not a second copy here.
}

TEST_F(KeyModelTest, ExportableWithoutReleasePolicyIsAnError) {
  auto d = Desired(
      VaultKeyKind(),
      {{"vault", "payments-kv"}, {"kty", "RSA-HSM"}, {"attributes", {{"exportable", true}}}});
  engine::ResolveRequest request{&d, nullptr};
  auto out = ResolveKey(VaultKeyKind(), request);
  ASSERT_TRUE(out.diagnostics.HasErrors());
  EXPECT_EQ(out.diagnostics.items()[0].location.ToString(), "keys.yaml:12:17");
}

TEST_F(KeyModelTest, ParentThatIsNotAVaultIdIsAnErrorAtSpecVault) {
  auto d = Desired(VaultKeyKind(),
                   {{"vault", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/x/y"},
                    {"kty", "RSA"}});
  engine::ResolveRequest request{&d, nullptr};
  auto out = ResolveKey(VaultKeyKind(), request);
  ASSERT_TRUE(out.diagnostics.HasErrors());
  EXPECT_EQ(out.diagnostics.items()[0].location.ToString(), "keys.yaml:7:10");
}

TEST_F(KeyModelTest, AbsentKeyIsCreatedWithTheOwnershipTagAndSpecDefaults) {
  const auto d = Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "rsa"}});
  const Change c = Plan(VaultKeyKind(), &d, nullptr);
  EXPECT_EQ(c.action, Action::kCreate);
  EXPECT_EQ(c.reason_code, "absent");
  EXPECT_EQ(c.after["tags"], Json({{kStackTag, kStack}}));
  EXPECT_EQ(c.after["properties"]["kty"], "RSA");
  EXPECT_EQ(c.after["properties"]["keySize"], kDefaultRsaKeySize);
  EXPECT_FALSE(c.after["properties"].contains("curveName"));
  std::vector<std::string> paths;
  for (const auto& fc : c.field_changes) paths.push_back(fc.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"properties.keySize", "properties.kty",
                                             "tags.keyward-stack"}));

  const auto ec = Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "EC"}});
  const Change e = Plan(VaultKeyKind(), &ec, nullptr);
  EXPECT_EQ(e.after["properties"]["curveName"], "P-256");
  EXPECT_FALSE(e.after["properties"].contains("keySize"));
}

TEST_F(KeyModelTest, FreshlyCreatedKeyWithServerDefaultsIsNoOp) {
  const Change c = PlanOver({{"vault", "payments-kv"}, {"kty", "RSA"}}, LiveRsaKey());
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_EQ(c.reason_code, "up_to_date");
  EXPECT_FALSE(c.fingerprint.empty());
}

TEST_F(KeyModelTest, CaseSetOrderAndQuotedScalarsAreNotDrift) {
  const auto d = Desired(
      VaultKeyKind(),
      {{"vault", "payments-kv"},
       {"kty", "rsa"},
       {"keySize", "2048"},
       {"keyOps", {"UNWRAPKEY", "wrapkey", "wrapKey", "Sign", "verify", "decrypt", "encrypt"}},
       {"attributes", {{"enabled", "true"}, {"exportable", false}}}});
  const auto o = Observed(LiveRsaKey());
  const Change c = Plan(VaultKeyKind(), &d, &o);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
}

TEST_F(KeyModelTest, NormalizationDropsReadOnlyFieldsAndDefaultsExportable) {
  const Json n = NormalizeKey(VaultKeyKind(), LiveRsaKey());
  const Json& p = n["properties"];
  EXPECT_FALSE(p.contains("keyUri"));
  EXPECT_FALSE(p.contains("keyUriWithVersion"));
  EXPECT_EQ(p["attributes"], Json({{"enabled", true}, {"exportable", false}}));
  EXPECT_EQ(p["keyOps"], Json({"decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"}));
  EXPECT_FALSE(n.contains("location"));
  EXPECT_TRUE(NormalizeKey(VaultKeyKind(), Json()).is_null());
}

TEST_F(KeyModelTest, RotationPolicyComparesCaseInsensitivelyAndActionsAsASet) {
  Json live = LiveRsaKey();
  live["properties"]["rotationPolicy"] = {
      {"attributes", {{"created", 1}, {"updated", 2}, {"expiryTime", "P1Y"}}},
      {"lifetimeActions",
       {{{"trigger", {{"timeBeforeExpiry", "P30D"}}}, {"action", {{"type", "Notify"}}}},
        {{"trigger", {{"timeAfterCreate", "P90D"}}}, {"action", {{"type", "Rotate"}}}}}}};
  const auto d = Desired(
      VaultKeyKind(),
      {{"vault", "payments-kv"},
       {"kty", "RSA"},
       {"rotationPolicy",
        {{"attributes", {{"expiryTime", "p1y"}}},
         {"lifetimeActions",
          {{{"trigger", {{"timeAfterCreate", "P90D"}}}, {"action", {{"type", "rotate"}}}},
           {{"trigger", {{"timeBeforeExpiry", "P30D"}}}, {"action", {{"type", "notify"}}}}}}}}});
  const auto o = Observed(live);
  EXPECT_EQ(Plan(VaultKeyKind(), &d, &o).action, Action::kNoOp);

  auto changed = d;
  changed.spec["rotationPolicy"]["lifetimeActions"][0]["trigger"]["timeAfterCreate"] = "P60D";
  const Change c = Plan(VaultKeyKind(), &changed, &o);
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].path, "properties.rotationPolicy.lifetimeActions");
}

TEST_F(KeyModelTest, FieldsTheUserDidNotWriteAreNotManaged) {
  Json live = LiveRsaKey();
  live["properties"]["keySize"] = 2048;
  live["properties"]["keyOps"] = {"sign"};
  live["properties"]["attributes"]["enabled"] = false;
  live["tags"]["owner"] = "someone";
  const Change c = PlanOver({{"vault", "payments-kv"}, {"kty", "RSA"}}, live);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_EQ(c.after["tags"]["owner"], "someone");  // unmanaged tags are shown as they are
}

// Every property difference on an existing key: ARM cannot change it, so each is unsupported
// with the field named (never an update, never a silent no-op).
TEST_F(KeyModelTest, EveryPropertyDifferenceOnAnExistingKeyIsUnsupportedNamingTheField) {
  struct Case {
    Json spec_extra;
    std::string path;
  };
  const std::vector<Case> cases = {
      {{{"kty", "RSA-HSM"}}, "properties.kty"},
      {{{"keySize", 4096}}, "properties.keySize"},
      {{{"keyOps", {"sign", "verify"}}}, "properties.keyOps"},
      {{{"attributes", {{"enabled", false}}}}, "properties.attributes.enabled"},
      {{{"attributes", {{"exp", 1893456000}}}}, "properties.attributes.exp"},
      {{{"attributes", {{"nbf", 1700000000}}}}, "properties.attributes.nbf"},
      {{{"attributes", {{"exportable", true}}},
        {"releasePolicy", {{"data", "eyJ2ZXJzaW9uIjoiMS4wLjAifQ"}}}},
       "properties.attributes.exportable"},
      {{{"rotationPolicy", {{"attributes", {{"expiryTime", "P2Y"}}}}}},
       "properties.rotationPolicy.attributes.expiryTime"},
      {{{"tags", {{"team", "payments"}}}}, "tags.team"},
  };
  for (const Case& test : cases) {
    Json spec = {{"vault", "payments-kv"}, {"kty", "RSA"}};
    spec.update(test.spec_extra);
    const Change c = PlanOver(spec, LiveRsaKey());
    EXPECT_EQ(c.action, Action::kUnsupported) << test.path;
    EXPECT_EQ(c.reason_code, "immutable_after_create") << test.path;
    ASSERT_FALSE(c.field_changes.empty()) << test.path;
    EXPECT_EQ(c.field_changes[0].path, test.path);
    EXPECT_NE(c.reason.find(test.path), std::string::npos) << c.reason;
    EXPECT_NE(c.reason.find("ARM cannot change a key after creation"), std::string::npos);
  }
}

TEST_F(KeyModelTest, CurveChangeOnAnEcKeyIsUnsupported) {
  Json live = LiveRsaKey();
  live["properties"] = {{"kty", "EC"}, {"curveName", "P-256"}, {"keyOps", {"sign", "verify"}}};
  const Change c =
      PlanOver({{"vault", "payments-kv"}, {"kty", "EC"}, {"curveName", "p-384"}}, live);
  EXPECT_EQ(c.action, Action::kUnsupported);
  ExpectOnlyFieldChange(c, "properties.curveName", "P-256", "P-384");
}

TEST_F(KeyModelTest, UntaggedExistingKeyCannotBeAdopted) {
  const Change c = PlanOver({{"vault", "payments-kv"}, {"kty", "RSA"}}, LiveRsaKey(kVaultId, ""));
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "adopt_not_possible");
  EXPECT_NE(c.reason.find("ARM cannot add it"), std::string::npos);
  EXPECT_TRUE(c.field_changes.empty());  // the ownership tag is not a field difference
}

TEST_F(KeyModelTest, UntaggedKeyThatAlsoDiffersNamesTheFields) {
  const Change c = PlanOver({{"vault", "payments-kv"}, {"kty", "RSA"}, {"keySize", 3072}},
                            LiveRsaKey(kVaultId, ""));
  EXPECT_EQ(c.reason_code, "adopt_not_possible");
  EXPECT_NE(c.reason.find("properties.keySize"), std::string::npos);
}

TEST_F(KeyModelTest, KeyOfAnotherStackIsUnsupported) {
  const Change c =
      PlanOver({{"vault", "payments-kv"}, {"kty", "RSA"}}, LiveRsaKey(kVaultId, "billing"));
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "owned_by_other_stack");
  EXPECT_NE(c.reason.find("billing"), std::string::npos);
}

TEST_F(KeyModelTest, WithoutAStackThereIsNoOwnershipToCheck) {
  options_.stack = "";
  const auto d = Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "RSA"}});
  const auto o = Observed(LiveRsaKey(kVaultId, ""));
  EXPECT_EQ(Plan(VaultKeyKind(), &d, &o).action, Action::kNoOp);
}

TEST_F(KeyModelTest, PruneCandidateIsUnsupportedBecauseArmCannotDeleteKeys) {
  const auto o = Observed(LiveRsaKey());
  const Change c = Plan(VaultKeyKind(), nullptr, &o);
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "arm_cannot_delete");
  EXPECT_EQ(c.reason.rfind("ARM cannot delete keys; ", 0), 0u) << c.reason;
  EXPECT_NE(c.reason.find("az keyvault key delete --vault-name payments-kv --name cmk"),
            std::string::npos);

  Json hsm_live = LiveRsaKey(kHsmId);
  const auto h = Observed(hsm_live, ManagedHsmKeyKind());
  const Change hc = Plan(ManagedHsmKeyKind(), nullptr, &h);
  EXPECT_EQ(hc.action, Action::kUnsupported);
  EXPECT_EQ(hc.address, "ManagedHsmKey/payments-hsm/cmk");
  EXPECT_NE(hc.reason.find("--hsm-name payments-hsm"), std::string::npos);
}

TEST_F(KeyModelTest, UnownedPruneCandidateIsLeftAlone) {
  const auto o = Observed(LiveRsaKey(kVaultId, "billing"));
  EXPECT_EQ(Plan(VaultKeyKind(), nullptr, &o).action, Action::kNoOp);
}

TEST_F(KeyModelTest, HsmKeyTypesInAManagedHsmAreEquivalentToTheirSoftwareSpelling) {
  Json live = LiveRsaKey(kHsmId);
  live["properties"]["kty"] = "RSA-HSM";
  const auto o = Observed(live, ManagedHsmKeyKind());
  for (const char* kty : {"RSA", "rsa-hsm", "RSA-HSM"}) {
    const auto d = Desired(ManagedHsmKeyKind(), {{"managedHsm", "payments-hsm"}, {"kty", kty}});
    EXPECT_EQ(Plan(ManagedHsmKeyKind(), &d, &o).action, Action::kNoOp) << kty;
  }
  // ... but not in a vault, where RSA and RSA-HSM are different protection levels.
  Json vault_live = LiveRsaKey();
  vault_live["properties"]["kty"] = "RSA-HSM";
  const auto v = Observed(vault_live);
  const auto d = Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "RSA"}});
  const Change c = Plan(VaultKeyKind(), &d, &v);
  EXPECT_EQ(c.action, Action::kUnsupported);
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].before, "RSA-HSM");
  EXPECT_EQ(c.field_changes[0].after, "RSA");
}

TEST_F(KeyModelTest, HsmKeyTypeChangeInAManagedHsmIsUnsupported) {
  Json live = LiveRsaKey(kHsmId);
  live["properties"]["kty"] = "RSA-HSM";
  const auto o = Observed(live, ManagedHsmKeyKind());
  const auto d = Desired(ManagedHsmKeyKind(), {{"managedHsm", "payments-hsm"}, {"kty", "EC-HSM"}});
  const Change c = Plan(ManagedHsmKeyKind(), &d, &o);
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "immutable_after_create");
  ASSERT_FALSE(c.field_changes.empty());
  EXPECT_EQ(c.field_changes[0].path, "properties.curveName");  // P-256 default vs none
}

TEST_F(KeyModelTest, HsmProtectedKeyInAStandardVaultIsBlocked) {
  engine::DesiredSet set;
  engine::DesiredResource vault;
  vault.kind = "Vault";
  vault.name = "payments-kv";
  vault.address = "Vault/payments-kv";
  vault.arm_id = kVaultId;
  vault.spec = {{"sku", {{"family", "A"}, {"name", "Standard"}}}};
  set.resources.push_back(vault);
  const auto d = Desired(VaultKeyKind(), {{"vault", "payments-kv"}, {"kty", "RSA-HSM"}});
  engine::PlanChangeRequest request;
  request.desired = &d;
  request.options = &options_;
  request.desired_set = &set;
  Change c = PlanKeyChange(VaultKeyKind(), request);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "hsm_key_needs_premium_vault");

  set.resources[0].spec["sku"]["name"] = "premium";
  EXPECT_EQ(PlanKeyChange(VaultKeyKind(), request).action, Action::kCreate);

  // A live vault keyward does not manage, seen through the observed set.
  engine::DesiredSet empty;
  engine::ObservedSet observed;
  engine::ObservedResource live_vault;
  live_vault.kind = "Vault";
  live_vault.arm_id = kVaultId;
  live_vault.live = {{"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}}}};
  observed.resources.push_back(live_vault);
  request.desired_set = &empty;
  request.observed_set = &observed;
  EXPECT_EQ(PlanKeyChange(VaultKeyKind(), request).action, Action::kBlocked);
}

TEST_F(KeyModelTest, ReleasePolicyIsSentUnderArmsNameWithTheDefaultContentType) {
  const auto d =
      Desired(VaultKeyKind(), {{"vault", "payments-kv"},
                               {"kty", "RSA-HSM"},
                               {"attributes", {{"exportable", true}}},
                               {"releasePolicy", {{"data", "eyJ2ZXJzaW9uIjoiMS4wLjAifQ"}}}});
  const Change c = Plan(VaultKeyKind(), &d, nullptr);
  EXPECT_EQ(c.after["properties"]["release_policy"],
            Json({{"contentType", "application/json; charset=utf-8"},
                  {"data", "eyJ2ZXJzaW9uIjoiMS4wLjAifQ"}}));
  EXPECT_FALSE(c.after["properties"].contains("releasePolicy"));

  Json live = LiveRsaKey();
  live["properties"]["kty"] = "RSA-HSM";
  live["properties"]["attributes"]["exportable"] = true;
  live["properties"]["release_policy"] = {{"contentType", "application/json; charset=utf-8"},
                                          {"data", "eyJ2ZXJzaW9uIjoiMS4wLjAifQ"}};
  const auto o = Observed(live);
  EXPECT_EQ(Plan(VaultKeyKind(), &d, &o).action, Action::kNoOp);
}

}  // namespace
}  // namespace keyward::azure::model_test
