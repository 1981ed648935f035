#include "engine/saved_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <iterator>

#include "engine/plan_test_util.h"
#include "engine/render_text.h"

namespace keyward::engine {
namespace {

using plan_testing::DetailedEveryActionPlan;
using plan_testing::MakeChange;
using ::testing::HasSubstr;

SavedPlan Sample() {
  SavedPlan saved;
  saved.keyward_version = "0.1.0";
  saved.options.prune = true;
  saved.options.stack = "payments";
  saved.desired.digest = std::string(64, 'b');
  saved.desired.config.stack = "payments";
  saved.desired.config.default_location = "westeurope";
  saved.desired.config.parallelism = 4;
  DesiredResource vault;
  vault.kind = "Vault";
  vault.name = "payments-kv";
  vault.subscription = "11111111-1111-1111-1111-111111111111";
  vault.resource_group = "rg-payments";
  vault.address = "Vault/payments-kv";
  vault.arm_id =
      "/subscriptions/x/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/payments-kv";
  vault.spec = {{"location", "westeurope"}, {"sku", {{"family", "A"}, {"name", "premium"}}}};
  vault.annotations = {{"keyward.dev/reconcile-policy", "manage"}};
  vault.location = {"manifests/vault.yaml", 1, 1};
  saved.desired.resources.push_back(vault);
  DesiredResource secret;
  secret.kind = "Secret";
  secret.name = "db-password";
  secret.address = "Secret/payments-kv/db-password";
  secret.spec = {{"vault", "payments-kv"}, {"valueFrom", {{"env", "DB_PASSWORD"}}}};
  secret.depends_on = {"Vault/payments-kv"};
  secret.value_fingerprint = "hmac-of-the-value";
  secret.policy = ReconcilePolicy::kDetachOnDelete;
  saved.desired.resources.push_back(secret);
  saved.plan = DetailedEveryActionPlan();
  return saved;
}

TEST(SavedPlanTest, RoundTripsEverythingApplyNeeds) {
  const SavedPlan saved = Sample();
  auto parsed = ParseSavedPlan(SerializeSavedPlan(saved), "plan.kwplan");
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->keyward_version, "0.1.0");
  EXPECT_TRUE(parsed->options.prune);
  EXPECT_EQ(parsed->options.stack, "payments");
  EXPECT_EQ(parsed->desired.digest, saved.desired.digest);
  EXPECT_EQ(parsed->desired.config.parallelism, 4);
  EXPECT_EQ(parsed->desired.config.default_location, "westeurope");
  ASSERT_EQ(parsed->desired.resources.size(), 2u);
  const DesiredResource& secret = parsed->desired.resources[1];
  EXPECT_EQ(secret.value_fingerprint, "hmac-of-the-value");
  EXPECT_EQ(secret.policy, ReconcilePolicy::kDetachOnDelete);
  EXPECT_EQ(secret.depends_on, std::vector<std::string>{"Vault/payments-kv"});
  EXPECT_EQ(parsed->desired.resources[0].spec, saved.desired.resources[0].spec);
  EXPECT_EQ(parsed->desired.resources[0].location.ToString(), "manifests/vault.yaml:1:1");
  // The plan renders identically, and fingerprints / dependencies survive.
  EXPECT_EQ(RenderPlanText(parsed->plan), RenderPlanText(saved.plan));
  ASSERT_EQ(parsed->plan.findings.size(), 3u) << "guardrail findings are kept for show";
  EXPECT_EQ(guardrails::FindingsToJson(parsed->plan.findings),
            guardrails::FindingsToJson(saved.plan.findings));
  const Change* fresh = parsed->plan.Find("Secret/payments-kv/db-password");
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->fingerprint, "fp-db-password");
  EXPECT_EQ(fresh->depends_on, std::vector<std::string>{"Vault/payments-kv"});
  EXPECT_EQ(fresh->sensitive_paths, std::vector<std::string>{"properties.value"});
  EXPECT_EQ(parsed->plan.Find("Vault/audited-kv")->report_only, true);
  EXPECT_EQ(parsed->plan.Find("Vault/lost-kv")->reason_code, "recover_soft_deleted");
  EXPECT_EQ(parsed->plan.diagnostics.items().size(), 1u);
}

TEST(SavedPlanTest, NeverHoldsSensitiveValues) {
  const std::string text = SerializeSavedPlan(Sample());
  EXPECT_EQ(text.find("canary"), std::string::npos);
  auto parsed = ParseSavedPlan(text, "plan.kwplan");
  ASSERT_TRUE(parsed);
  const Change* secret = parsed->plan.Find("Secret/payments-kv/db-password");
  // Dropped, not replaced: a placeholder must never reach a handler as if it were the value.
  EXPECT_FALSE(secret->after["properties"].contains("value"));
  EXPECT_EQ(secret->after["properties"]["contentType"], "text/plain");
}

TEST(SavedPlanTest, RejectsWhatIsNotASavedPlanWithAClearMessage) {
  auto not_json = ParseSavedPlan("{ this is not json", "a.kwplan");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(not_json.error().message, HasSubstr("a.kwplan: not a keyward saved plan"));

  auto other_json =
      ParseSavedPlan(R"({"format_version": "1.0", "resource_changes": []})", "p.json");
  ASSERT_FALSE(other_json);
  EXPECT_THAT(other_json.error().message, HasSubstr("not a keyward saved plan"));

  Json doc = Json::parse(SerializeSavedPlan(Sample()));
  doc["format_version"] = 3;
  auto newer = ParseSavedPlan(doc.dump(), "p.kwplan");
  ASSERT_FALSE(newer);
  EXPECT_THAT(newer.error().message,
              HasSubstr("saved plan format version 3 is not supported by this keyward (it reads "
                        "version 2)"));
  doc["format_version"] = 1;  // unsigned, written before plans were signed
  EXPECT_FALSE(ParseSavedPlan(doc.dump(), "p.kwplan"));

  doc = Json::parse(SerializeSavedPlan(Sample()));
  doc["plan"]["changes"][0].erase("fingerprint");
  auto truncated = ParseSavedPlan(doc.dump(), "p.kwplan");
  ASSERT_FALSE(truncated);
  EXPECT_THAT(truncated.error().message, HasSubstr("p.kwplan: corrupt keyward saved plan"));
  EXPECT_THAT(truncated.error().message, HasSubstr("fingerprint"));

  doc = Json::parse(SerializeSavedPlan(Sample()));
  doc["plan"]["changes"][0]["action"] = "explode";
  auto bad_action = ParseSavedPlan(doc.dump(), "p.kwplan");
  ASSERT_FALSE(bad_action);
  EXPECT_THAT(bad_action.error().message, HasSubstr("unknown action 'explode'"));

  const std::string whole = SerializeSavedPlan(Sample());
  EXPECT_FALSE(ParseSavedPlan(whole.substr(0, whole.size() / 2), "half.kwplan"));
}

// Found by saved_plan_fuzz: with a second change of one address, the stale check compared the
// second with the first and called a plan stale against itself.
TEST(SavedPlanTest, RejectsTwoChangesOrResourcesOfOneAddress) {
  Json doc = Json::parse(SerializeSavedPlan(Sample()));
  Json second = doc["plan"]["changes"][1];
  second["address"] = doc["plan"]["changes"][0]["address"];
  doc["plan"]["changes"].push_back(second);
  auto twice = ParseSavedPlan(doc.dump(), "p.kwplan");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(twice.error().message,
              HasSubstr("p.kwplan: corrupt keyward saved plan: plan.changes has the address '" +
                        doc["plan"]["changes"][0]["address"].get<std::string>() + "' twice"));

  doc = Json::parse(SerializeSavedPlan(Sample()));
  doc["desired"].push_back(doc["desired"][0]);
  auto resource_twice = ParseSavedPlan(doc.dump(), "p.kwplan");
  ASSERT_FALSE(resource_twice);
  EXPECT_THAT(resource_twice.error().message,
              HasSubstr("desired has the address 'Vault/payments-kv' twice"));
}

TEST(SavedPlanTest, FileIsWrittenPrivatelyAndReplacedAtomically) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("keyward-saved-plan-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "plan.kwplan").string();
  std::ofstream(path) << "old";
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(WriteFilePrivateAtomically(path, "new contents"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "new contents");
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file left behind";

  auto missing_dir = WriteFilePrivateAtomically((dir / "no/such/dir/plan").string(), "x");
  ASSERT_FALSE(missing_dir);
  EXPECT_THAT(missing_dir.error().message, HasSubstr("cannot create a file in"));
  std::filesystem::remove_all(dir);
}

Plan OneChange(Action action, const std::string& fingerprint) {
  Plan plan;
  Change c = MakeChange(action, "Vault/a");
  c.fingerprint = fingerprint;
  plan.changes.push_back(c);
  return plan;
}

// The reason of the one difference between `saved` and `fresh` ("" when there is not exactly one).
std::string OnlyStale(const Plan& saved, const Plan& fresh) {
  const auto stale = FindStaleChanges(saved, fresh);
  EXPECT_EQ(stale.size(), 1u);
  return stale.size() == 1 ? stale[0].why : "";
}

TEST(SavedPlanTest, UnchangedLiveStateIsNotStale) {
  EXPECT_TRUE(FindStaleChanges(OneChange(Action::kUpdate, "fp1"), OneChange(Action::kUpdate, "fp1"))
                  .empty());
  EXPECT_TRUE(
      FindStaleChanges(OneChange(Action::kCreate, ""), OneChange(Action::kCreate, "")).empty());
}

TEST(SavedPlanTest, MovedFingerprintIsStale) {
  auto stale = FindStaleChanges(OneChange(Action::kUpdate, "aaaaaaaaaaaaaaaa1"),
                                OneChange(Action::kUpdate, "bbbbbbbbbbbbbbbb2"));
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].address, "Vault/a");
  EXPECT_EQ(stale[0].why,
            "changed since the plan (live fingerprint aaaaaaaaaaaa… -> bbbbbbbbbbbb…)");
}

TEST(SavedPlanTest, AppearedAndDisappearedResourcesAreStale) {
  EXPECT_EQ(OnlyStale(OneChange(Action::kCreate, ""), OneChange(Action::kUpdate, "fp")),
            "appeared since the plan");
  EXPECT_EQ(OnlyStale(OneChange(Action::kUpdate, "fp"), OneChange(Action::kCreate, "")),
            "disappeared since the plan");
  // A pruned resource that is gone is not planned at all any more.
  EXPECT_EQ(OnlyStale(OneChange(Action::kDelete, "fp"), Plan{}), "disappeared since the plan");
}

TEST(SavedPlanTest, SameFingerprintButDifferentActionIsStale) {
  // e.g. a soft-deleted vault now holds the name: create became recover.
  EXPECT_EQ(OnlyStale(OneChange(Action::kCreate, ""), OneChange(Action::kRecover, "")),
            "would now be planned as recover instead of create");
}

TEST(SavedPlanTest, ChangesApplyWillNotExecuteAreNeverStale) {
  Plan saved = OneChange(Action::kBlocked, "fp1");
  saved.changes.push_back(OneChange(Action::kNoOp, "fp1").changes[0]);
  saved.changes.back().address = "Vault/b";
  Change drift = MakeChange(Action::kUpdate, "Vault/c");
  drift.report_only = true;
  drift.fingerprint = "fp1";
  saved.changes.push_back(drift);
  EXPECT_TRUE(FindStaleChanges(saved, Plan{}).empty());
}

constexpr char kPlanKey[] = "plan-signing-key-for-tests";

TEST(SavedPlanTest, SignedPlanVerifiesWithItsKeyOnly) {
  const std::string text = SerializeSavedPlan(Sample(), kPlanKey, "MY_PLAN_KEY");
  EXPECT_EQ(text.find(kPlanKey), std::string::npos) << "the key is never written";
  auto parsed = ParseSavedPlan(text, "p.kwplan");
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  ASSERT_TRUE(parsed->signature);
  EXPECT_EQ(parsed->signature->key_id, PlanKeyId(kPlanKey));
  EXPECT_EQ(parsed->signature->key_env, "MY_PLAN_KEY");
  EXPECT_TRUE(VerifySavedPlanSignature(*parsed, kPlanKey));

  auto other_key = VerifySavedPlanSignature(*parsed, "another-key");
  ASSERT_FALSE(other_key);
  EXPECT_EQ(other_key.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(other_key.error().message,
              HasSubstr("signed with another key (key id " + PlanKeyId(kPlanKey)));

  auto unsigned_plan = ParseSavedPlan(SerializeSavedPlan(Sample()), "p.kwplan");
  ASSERT_TRUE(unsigned_plan);
  EXPECT_FALSE(unsigned_plan->signature);
  auto refused = VerifySavedPlanSignature(*unsigned_plan, kPlanKey);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
}

TEST(SavedPlanTest, AnyEditToASignedPlanBreaksItsSignature) {
  const Json signed_doc = Json::parse(SerializeSavedPlan(Sample(), kPlanKey, "KEYWARD_PLAN_KEY"));
  // Re-formatting alone is not an edit: the signature covers the JSON value, not its layout.
  auto reformatted = ParseSavedPlan(signed_doc.dump(4), "p.kwplan");
  ASSERT_TRUE(reformatted);
  EXPECT_TRUE(VerifySavedPlanSignature(*reformatted, kPlanKey));

  std::vector<std::function<void(Json&)>> edits = {
      [](Json& d) { d["plan"]["changes"][0]["action"] = "delete"; },
      [](Json& d) { d["desired"][1]["spec"]["valueFrom"]["env"] = "AZURE_CLIENT_SECRET"; },
      [](Json& d) { d["config"]["secret_sources"]["allowed_directories"].push_back("/"); },
      [](Json& d) { d["options"]["prune"] = false; },
      [](Json& d) { d["manifest_digest"] = std::string(64, 'c'); },
      [](Json& d) { d["signature"]["key_env"] = "HOME"; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    Json doc = signed_doc;
    edits[i](doc);
    auto parsed = ParseSavedPlan(doc.dump(1), "p.kwplan");
    ASSERT_TRUE(parsed) << i << ": " << parsed.error().ToString();
    auto verified = VerifySavedPlanSignature(*parsed, kPlanKey);
    if (i + 1 == edits.size()) {
      // The hint outside the signed text changes nothing that is trusted.
      EXPECT_TRUE(verified) << "key_env is a hint, not signed content";
      continue;
    }
    ASSERT_FALSE(verified) << "edit " << i << " was not detected";
    EXPECT_THAT(verified.error().message, HasSubstr("changed after keyward plan signed it"));
  }
}

TEST(SavedPlanTest, ThePlanReadBackFromTheFileEqualsThePlanThatWroteIt) {
  // Apply compares the file's plan with a fresh re-plan: masking and dropping sensitive values
  // on the way to the file must not look like a difference.
  const SavedPlan saved = Sample();
  auto parsed = ParseSavedPlan(SerializeSavedPlan(saved), "p.kwplan");
  ASSERT_TRUE(parsed);
  const auto differences = FindStaleChanges(parsed->plan, saved.plan);
  EXPECT_TRUE(differences.empty()) << differences[0].address << " " << differences[0].why;
}

Change PolicyChange(std::vector<std::string> secrets) {
  Change c = MakeChange(Action::kCreate, "AccessPolicy/kv/app");
  c.after = {{"permissions", {{"secrets", secrets}}}};
  c.field_changes.push_back({"permissions.secrets", nullptr, secrets});
  return c;
}

TEST(SavedPlanTest, OtherPlannedValuesAreStaleAndNamed) {
  Plan saved, fresh;
  saved.changes.push_back(PolicyChange({"get", "list", "set", "delete", "purge"}));
  fresh.changes.push_back(PolicyChange({"get"}));
  const auto stale = FindStaleChanges(saved, fresh);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].address, "AccessPolicy/kv/app");
  EXPECT_EQ(stale[0].why, "would now be planned with other values (permissions.secrets)");

  // Only the body differs (a field the diff does not list).
  saved.changes[0] = PolicyChange({"get"});
  saved.changes[0].after["extra"] = 1;
  EXPECT_EQ(OnlyStale(saved, fresh), "would now be planned with other values (the request body)");

  saved.changes[0] = PolicyChange({"get"});
  saved.changes[0].arm_id = "/subscriptions/other";
  EXPECT_THAT(OnlyStale(saved, fresh), HasSubstr("now targets"));
}

TEST(SavedPlanTest, AWriteTheSavedPlanDoesNotHaveIsStale) {
  EXPECT_EQ(OnlyStale(Plan{}, OneChange(Action::kDelete, "fp")),
            "would now be planned as delete, and the saved plan does not have it");
  // Saved as a no-op, now a write.
  EXPECT_EQ(OnlyStale(OneChange(Action::kNoOp, "fp"), OneChange(Action::kUpdate, "fp")),
            "would now be planned as update instead of no-op");
}

TEST(SavedPlanTest, ChangedManifestsNameTheResources) {
  const SavedPlan saved = Sample();
  DesiredSet now = saved.desired;
  EXPECT_TRUE(FindChangedManifests(saved.desired, now).empty());
  now.resources[0].location = {"manifests/moved.yaml", 9, 1};
  now.resources[1].value_fingerprint.clear();  // manifests loaded without resolving secrets
  EXPECT_TRUE(FindChangedManifests(saved.desired, now).empty());

  now.resources[0].spec["sku"]["name"] = "standard";
  now.resources.pop_back();
  DesiredResource added = now.resources[0];
  added.address = "Vault/new-kv";
  now.resources.push_back(added);
  auto changed = FindChangedManifests(saved.desired, now);
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].address, "Vault/payments-kv");
  EXPECT_EQ(changed[0].why, "changed in the manifests");
  EXPECT_EQ(changed[1].address, "Secret/payments-kv/db-password");
  EXPECT_EQ(changed[1].why, "removed from the manifests");
  EXPECT_EQ(changed[2].address, "Vault/new-kv");
  EXPECT_EQ(changed[2].why, "added to the manifests");
}

}  // namespace
}  // namespace keyward::engine
