#include "engine/saved_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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
  doc["format_version"] = 2;
  auto newer = ParseSavedPlan(doc.dump(), "p.kwplan");
  ASSERT_FALSE(newer);
  EXPECT_THAT(newer.error().message,
              HasSubstr("saved plan format version 2 is not supported by this keyward (it reads "
                        "version 1)"));

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
  auto appeared =
      FindStaleChanges(OneChange(Action::kCreate, ""), OneChange(Action::kUpdate, "fp"));
  ASSERT_EQ(appeared.size(), 1u);
  EXPECT_EQ(appeared[0].why, "appeared since the plan");

  auto disappeared =
      FindStaleChanges(OneChange(Action::kUpdate, "fp"), OneChange(Action::kCreate, ""));
  ASSERT_EQ(disappeared.size(), 1u);
  EXPECT_EQ(disappeared[0].why, "disappeared since the plan");

  // A pruned resource that is gone is not planned at all any more.
  auto gone = FindStaleChanges(OneChange(Action::kDelete, "fp"), Plan{});
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].why, "disappeared since the plan");
}

TEST(SavedPlanTest, SameFingerprintButDifferentActionIsStale) {
  // e.g. a soft-deleted vault now holds the name: create became recover.
  auto stale = FindStaleChanges(OneChange(Action::kCreate, ""), OneChange(Action::kRecover, ""));
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].why, "would now be planned as recover instead of create");
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
