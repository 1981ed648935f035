// Planning of the Secret kind, pure: every action and reason the model can produce.
#include "providers/azure/kinds/secret_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/secret_source.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/secret_handler.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCanary[] = "canary-Qm3#never-in-a-plan";
constexpr char kKey[] = "test-fingerprint-key";

const std::string kVaultId = VaultArmId(kSub, "rg-payments", "payments-kv");

engine::DesiredResource Desired(Json extra = Json::object(), const std::string& value = kCanary,
                                const std::string& key = kKey) {
  engine::DesiredResource d;
  d.kind = kSecretKind;
  d.name = "db-password";
  d.subscription = kSub;
  d.resource_group = "rg-payments";
  d.spec = {{"vault", "payments-kv"}, {"valueFrom", {{"env", "PAYMENTS_DB_PASSWORD"}}}};
  if (extra.is_object()) d.spec.update(extra);  // `{}` in a call is null
  d.address = "Secret/payments-kv/db-password";
  d.arm_id = SecretArmId(kVaultId, d.name);
  d.value_fingerprint = engine::ValueFingerprint(key, value);
  return d;
}

// A live secret as ARM returns it (no value, server fields present).
engine::ObservedResource Live(Json tags, Json properties = Json::object()) {
  engine::ObservedResource o;
  o.kind = kSecretKind;
  o.arm_id = SecretArmId(kVaultId, "db-password");
  o.address = "Secret/payments-kv/db-password";
  Json props = {
      {"secretUri", "https://payments-kv.vault.azure.net/secrets/db-password"},
      {"attributes", {{"enabled", true}, {"created", 1700000000}, {"updated", 1700000000}}}};
  props.update(properties);
  o.live = {{"id", o.arm_id}, {"name", "db-password"}, {"tags", tags}, {"properties", props}};
  return o;
}

Json OwnedTags(const std::string& value = kCanary, const std::string& key = kKey) {
  return {{"keyward-stack", kStack}, {"keyward-value-hmac", engine::ValueFingerprint(key, value)}};
}

class SecretModelTest : public ::testing::Test {
 protected:
  Change Plan(const engine::DesiredResource* desired, const engine::ObservedResource* observed,
              bool disable_pruned = false) {
    set_.config.stack = kStack;
    set_.config.disable_pruned_secrets = disable_pruned;
    options_.stack = kStack;
    engine::PlanChangeRequest request;
    request.desired = desired;
    request.observed = observed;
    request.options = &options_;
    request.desired_set = &set_;
    return PlanSecretChange(SecretDescriptor(), request);
  }

  engine::PlanOptions options_;
  engine::DesiredSet set_;
};

TEST_F(SecretModelTest, AbsentSecretIsCreatedWithFingerprintTagAndNoValueInThePlan) {
  auto d = Desired({{"contentType", "text/plain"}});
  Change c = Plan(&d, nullptr);
  EXPECT_EQ(c.action, Action::kCreate);
  EXPECT_EQ(c.reason_code, "absent");
  EXPECT_EQ(c.after["tags"]["keyward-stack"], kStack);
  EXPECT_EQ(c.after["tags"]["keyward-value-hmac"], d.value_fingerprint);
  EXPECT_EQ(c.after["properties"]["contentType"], "text/plain");
  EXPECT_FALSE(c.after["properties"].contains("value"));
  EXPECT_THAT(c.sensitive_paths, ::testing::Contains("properties.value"));
  ASSERT_FALSE(c.field_changes.empty());
  EXPECT_EQ(c.field_changes[0].path, "properties.value");
  EXPECT_TRUE(WritesValue(c));
}

TEST_F(SecretModelTest, MatchingFingerprintAndFieldsIsANoOp) {
  auto d = Desired({{"contentType", "text/plain"}, {"attributes", {{"enabled", true}}}});
  auto o = Live(OwnedTags(), {{"contentType", "text/plain"}});
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_EQ(c.reason_code, "up_to_date");
  EXPECT_TRUE(c.field_changes.empty());
}

TEST_F(SecretModelTest, ChangedSourceValueIsAnUpdateThatWritesTheValue) {
  auto d = Desired({}, "new-value");
  auto o = Live(OwnedTags(kCanary));
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "source_value_changed");
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].path, "properties.value");
  EXPECT_TRUE(WritesValue(c));
}

TEST_F(SecretModelTest, RotatedFingerprintKeyIsReportedAsSuch) {
  auto d = Desired({}, kCanary, "rotated-key");
  auto o = Live(OwnedTags(kCanary, kKey));
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "fingerprint_key_changed");
  EXPECT_THAT(c.reason, HasSubstr(engine::FingerprintKeyId(kKey)));
  EXPECT_THAT(c.reason, HasSubstr(engine::FingerprintKeyId("rotated-key")));
}

TEST_F(SecretModelTest, MissingFingerprintTagOnAnOwnedSecretIsDriftOutsideKeyward) {
  auto d = Desired();
  auto o = Live({{"keyward-stack", kStack}});
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "value_changed_outside_keyward");
  EXPECT_TRUE(WritesValue(c));
}

TEST_F(SecretModelTest, AttributeAndContentTypeDriftIsAnUpdateWithoutValueWrite) {
  auto d = Desired({{"contentType", "text/plain"},
                    {"attributes", {{"enabled", true}, {"exp", "2030-01-01T00:00:00Z"}}}});
  auto o =
      Live(OwnedTags(), {{"contentType", "application/json"},
                         {"attributes", {{"enabled", false}, {"created", 1}, {"updated", 2}}}});
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "drift");
  std::vector<std::string> paths;
  for (const auto& fc : c.field_changes) paths.push_back(fc.path);
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre("properties.contentType",
                                                     "properties.attributes.enabled",
                                                     "properties.attributes.exp"));
  EXPECT_FALSE(WritesValue(c));
  Json patch = BuildSecretPatchBody(c.after, c.before);
  EXPECT_EQ(patch["properties"]["contentType"], "text/plain");
  EXPECT_EQ(patch["properties"]["attributes"]["exp"], 1893456000);
  EXPECT_FALSE(patch["properties"].contains("value"));
}

TEST_F(SecretModelTest, ManagedTagDriftIsAnUpdateAndUnmanagedFieldsAreIgnored) {
  auto d = Desired({{"tags", {{"team", "payments"}}}});
  Json tags = OwnedTags();
  tags["team"] = "other";
  auto o = Live(tags, {{"contentType", "whatever"}});
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUpdate);
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].path, "tags.team");
}

TEST_F(SecretModelTest, UntaggedSecretIsAdoptedAndItsValueWritten) {
  auto d = Desired();
  auto o = Live(Json::object());
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kAdopt);
  EXPECT_EQ(c.reason_code, "adopt");
  EXPECT_THAT(c.reason, HasSubstr("write the value"));
  EXPECT_TRUE(WritesValue(c));
}

TEST_F(SecretModelTest, SecretOwnedByAnotherStackIsBlocked) {
  auto d = Desired();
  auto o = Live({{"keyward-stack", "other"}});
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "owned_by_other_stack");
}

TEST_F(SecretModelTest, UnresolvedValueIsBlockedNotWritten) {
  auto d = Desired();
  d.value_fingerprint.clear();
  Change c = Plan(&d, nullptr);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "value_not_resolved");
}

TEST_F(SecretModelTest, PrunedSecretIsUnsupportedBecauseArmCannotDeleteSecrets) {
  auto o = Live(OwnedTags());
  Change c = Plan(nullptr, &o);
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "arm_cannot_delete_secrets");
  EXPECT_THAT(c.reason, HasSubstr("ARM cannot delete secrets"));
  EXPECT_THAT(c.reason, HasSubstr("onPrune: disable"));
}

TEST_F(SecretModelTest, PrunedSecretIsDisabledWhenPolicyAsks) {
  auto o = Live(OwnedTags());
  Change c = Plan(nullptr, &o, /*disable_pruned=*/true);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "prune_disable");
  EXPECT_FALSE(WritesValue(c));
  Json patch = BuildSecretPatchBody(c.after, c.before);
  EXPECT_EQ(patch["properties"]["attributes"]["enabled"], false);
  EXPECT_FALSE(patch.contains("tags"));

  auto disabled = Live(OwnedTags(), {{"attributes", {{"enabled", false}}}});
  Change again = Plan(nullptr, &disabled, true);
  EXPECT_EQ(again.action, Action::kNoOp);
  EXPECT_EQ(again.reason_code, "pruned_secret_disabled");
}

TEST_F(SecretModelTest, UnownedPruneCandidateIsLeftAlone) {
  auto o = Live({{"keyward-stack", "other"}});
  EXPECT_EQ(Plan(nullptr, &o).action, Action::kNoOp);
}

TEST_F(SecretModelTest, NoValueAndNoUnkeyedHashInTheChangeJson) {
  auto d = Desired({{"contentType", "text/plain"}}, "new-value");
  auto o = Live(OwnedTags());
  for (const Change& c : {Plan(&d, nullptr), Plan(&d, &o)}) {
    const std::string dump = c.before.dump() + c.after.dump() + c.reason + c.fingerprint;
    std::string fields;
    for (const auto& fc : c.field_changes) fields += fc.before.dump() + fc.after.dump();
    EXPECT_THAT(dump + fields, Not(HasSubstr("new-value")));
    EXPECT_THAT(dump + fields, Not(HasSubstr(kCanary)));
  }
}

TEST_F(SecretModelTest, PutBodyKeepsUnmanagedLiveFieldsAndCarriesTheValue) {
  auto d = Desired({{"attributes", {{"exp", 2000000000}}}}, "new-value");
  auto o = Live(OwnedTags(), {{"contentType", "kept"}, {"attributes", {{"enabled", false}}}});
  Change c = Plan(&d, &o);
  Json body = BuildSecretPutBody(c.after, c.before, "new-value");
  EXPECT_EQ(body["properties"]["value"], "new-value");
  EXPECT_EQ(body["properties"]["contentType"], "kept");
  EXPECT_EQ(body["properties"]["attributes"]["enabled"], false);
  EXPECT_EQ(body["properties"]["attributes"]["exp"], 2000000000);
  EXPECT_EQ(body["tags"]["keyward-value-hmac"], d.value_fingerprint);
}

TEST(SecretModelHelpersTest, NormalizeDropsServerFieldsAndDefaultsEnabled) {
  Json live = {
      {"id", "x"},
      {"properties",
       {{"secretUri", "u"},
        {"secretUriWithVersion", "v"},
        {"attributes", {{"created", 1}, {"updated", 2}, {"recoveryLevel", "Purgeable"}}}}}};
  EXPECT_EQ(NormalizeSecret(live), Json({{"tags", Json::object()},
                                         {"properties", {{"attributes", {{"enabled", true}}}}}}));
  EXPECT_TRUE(NormalizeSecret(Json()).is_null());
}

TEST(SecretModelHelpersTest, UnixSecondsFromIntegersAndRfc3339Utc) {
  EXPECT_EQ(UnixSecondsOf(Json(1893456000)), 1893456000);
  EXPECT_EQ(UnixSecondsOf(Json("2030-01-01T00:00:00Z")), 1893456000);
  EXPECT_FALSE(UnixSecondsOf(Json("2030-01-01")));
  EXPECT_FALSE(UnixSecondsOf(Json("2030-13-01T00:00:00Z")));
  EXPECT_FALSE(UnixSecondsOf(Json("2030-01-01T00:00:00+01:00")));
  EXPECT_FALSE(UnixSecondsOf(Json(true)));
}

TEST(SecretModelHelpersTest, VaultReferenceByNameOrArmId) {
  engine::DesiredResource d = Desired();
  auto by_name = SecretVaultOf(d);
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->vault_id, kVaultId);
  EXPECT_FALSE(by_name->external);

  d.spec["vault"] = "/subscriptions/s/resourceGroups/other/providers/Microsoft.KeyVault/vaults/ext";
  auto by_id = SecretVaultOf(d);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->vault_name, "ext");
  EXPECT_TRUE(by_id->external);

  d.spec["vault"] = "/subscriptions/s/resourceGroups/other/providers/Microsoft.Storage/x/ext";
  EXPECT_FALSE(SecretVaultOf(d));
  d.spec["vault"] = "a/b";
  EXPECT_FALSE(SecretVaultOf(d));
}

TEST(SecretHandlerResolveTest, ResolveGivesAddressIdReferenceAndChecksReservedTagAndTimes) {
  SecretHandler handler(nullptr);
  engine::DesiredResource d =
      Desired({{"tags", {{"keyward-value-hmac", "x"}}}, {"attributes", {{"exp", "tomorrow"}}}});
  d.field_locations["spec.tags"] = {"m/s.yaml", 8, 3};
  engine::ResolveResponse r = handler.Resolve({&d, nullptr});
  EXPECT_EQ(r.address, "Secret/payments-kv/db-password");
  EXPECT_EQ(r.arm_id, kVaultId + "/secrets/db-password");
  ASSERT_EQ(r.references.size(), 1u);
  EXPECT_EQ(r.references[0].address, "Vault/payments-kv");
  EXPECT_TRUE(r.references[0].required);
  ASSERT_EQ(r.diagnostics.items().size(), 2u);
  EXPECT_EQ(r.diagnostics.items()[0].location.ToString(), "m/s.yaml:8:3");
  EXPECT_THAT(r.diagnostics.items()[0].message, HasSubstr("reserved"));
  EXPECT_THAT(r.diagnostics.items()[1].message, HasSubstr("attributes.exp"));

  d.spec = {{"vault", "/subscriptions/s/resourceGroups/x/providers/Microsoft.KeyVault/vaults/ext"},
            {"valueFrom", {{"env", "A"}}}};
  engine::ResolveResponse external = handler.Resolve({&d, nullptr});
  EXPECT_TRUE(external.diagnostics.empty());
  EXPECT_EQ(external.address, "Secret/ext/db-password");
  EXPECT_FALSE(external.references[0].required);
}

TEST(SecretHandlerRegistrationTest, SecretIsRefreshedAfterVault) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  size_t vault = 0, secret = 0;
  for (size_t i = 0; i < registry.all().size(); ++i) {
    if (registry.all()[i]->Kind() == "Vault") vault = i;
    if (registry.all()[i]->Kind() == "Secret") secret = i;
  }
  ASSERT_NE(registry.Find("Secret"), nullptr);
  EXPECT_LT(vault, secret);
}

}  // namespace
}  // namespace keyward::azure::model_test
