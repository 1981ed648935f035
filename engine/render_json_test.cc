#include "engine/render_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/plan_test_util.h"
#include "engine/planner.h"
#include "engine/saved_plan.h"
#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

using plan_testing::DetailedEveryActionPlan;
using plan_testing::EveryActionPlan;
using plan_testing::ExpectGolden;
using plan_testing::MakeChange;
using plan_testing::ValidatePlanJson;

const Json* ResourceChange(const Json& doc, const std::string& address) {
  for (const char* list : {"resource_changes", "resource_drift"})
    for (const Json& c : doc[list])
      if (c["address"] == address) return &c;
  return nullptr;
}

TEST(RenderJsonTest, PlanWithEveryActionMatchesGoldenAndValidates) {
  JsonRenderOptions options;
  options.keyward_version = "0.1.0";
  options.manifest_digest = std::string(64, 'a');
  const std::string text = RenderPlanJson(DetailedEveryActionPlan(), options);
  EXPECT_EQ(text.find("canary"), std::string::npos) << "a sensitive value leaked";
  EXPECT_EQ(ValidatePlanJson(text), "");
  ExpectGolden("render_json_every_action.json", text);
}

TEST(RenderJsonTest, MinimalPlansValidateToo) {
  EXPECT_EQ(ValidatePlanJson(RenderPlanJson(Plan{})), "");
  EXPECT_EQ(ValidatePlanJson(RenderPlanJson(EveryActionPlan())), "");
  Plan errored;
  errored.diagnostics.Error({}, "dependency cycle: Vault/a -> Key/a/k -> Vault/a");
  errored.diagnostics.Error({"a.yaml", 0, 0}, "no line known");
  EXPECT_EQ(ValidatePlanJson(RenderPlanJson(errored)), "");
}

TEST(RenderJsonTest, ActionsSpeakOnlyTerraformsVocabulary) {
  EXPECT_EQ(ActionsOf(Action::kNoOp), Json::array({"no-op"}));
  EXPECT_EQ(ActionsOf(Action::kCreate), Json::array({"create"}));
  EXPECT_EQ(ActionsOf(Action::kUpdate), Json::array({"update"}));
  EXPECT_EQ(ActionsOf(Action::kDelete), Json::array({"delete"}));
  EXPECT_EQ(ActionsOf(Action::kReplace), Json::array({"delete", "create"}));
  EXPECT_EQ(ActionsOf(Action::kPurgeThenCreate), Json::array({"delete", "create"}));
  EXPECT_EQ(ActionsOf(Action::kRecover), Json::array({"create"}));
  EXPECT_EQ(ActionsOf(Action::kAdopt), Json::array({"update"}));
  EXPECT_EQ(ActionsOf(Action::kBlocked), Json::array({"no-op"}));
  EXPECT_EQ(ActionsOf(Action::kUnsupported), Json::array({"no-op"}));
}

// A policy written for `terraform show -json` ("fail if any change updates a vault") must see
// an adopt, which writes the vault's tags; keyward's own word stays in `action`.
TEST(RenderJsonTest, AdoptIsAnImportingUpdateAndRecoverACreateWithItsReason) {
  const Json doc = PlanToJson(DetailedEveryActionPlan());
  const Json* adopt = ResourceChange(doc, "Vault/legacy-kv");
  ASSERT_NE(adopt, nullptr);
  EXPECT_EQ((*adopt)["action"], "adopt");
  EXPECT_EQ((*adopt)["change"]["actions"], Json::array({"update"}));
  EXPECT_EQ((*adopt)["change"]["importing"],
            Json({{"id",
                   "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/"
                   "rg-payments/providers/Microsoft.KeyVault/vaults/legacy-kv"}}));
  const Json* recover = ResourceChange(doc, "Vault/lost-kv");
  ASSERT_NE(recover, nullptr);
  EXPECT_EQ((*recover)["action"], "recover");
  EXPECT_EQ((*recover)["change"]["actions"], Json::array({"create"}));
  EXPECT_EQ((*recover)["action_reason"], "recover_soft_deleted");
  for (const char* address : {"Vault/held-kv", "Key/payments-kv/signing"}) {
    const Json* c = ResourceChange(doc, address);
    ASSERT_NE(c, nullptr) << address;
    EXPECT_EQ((*c)["change"]["actions"], Json::array({"no-op"})) << address;
    EXPECT_FALSE((*c)["change"].contains("importing")) << address;
  }
  // A recover always says why it is not a plain create, even when the handler gave no code.
  Plan plan;
  plan.changes.push_back(MakeChange(Action::kRecover, "Vault/x"));
  EXPECT_EQ(PlanToJson(plan)["resource_changes"][0]["action_reason"], "recover_soft_deleted");
}

TEST(RenderJsonTest, SensitiveValuesAreReplacedAndMarked) {
  const Json doc = PlanToJson(DetailedEveryActionPlan());
  const Json* secret = ResourceChange(doc, "Secret/payments-kv/db-password");
  ASSERT_NE(secret, nullptr);
  const Json& change = (*secret)["change"];
  EXPECT_EQ(change["after"]["properties"]["value"], "(sensitive value)");
  EXPECT_EQ(change["after"]["properties"]["contentType"], "text/plain");
  EXPECT_EQ(change["after_sensitive"], Json::parse(R"({"properties":{"value":true}})"));
  EXPECT_EQ(change["before_sensitive"], Json::parse(R"({"properties":{"value":true}})"));
  EXPECT_EQ(change["field_changes"][0]["before"], "(sensitive value)");
  EXPECT_EQ(change["field_changes"][0]["sensitive"], true);
  const Json* vault = ResourceChange(doc, "Vault/orders-kv");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ((*vault)["change"]["after_sensitive"], false);
}

TEST(RenderJsonTest, ReplaceNamesItsPathsAndReasonCode) {
  const Json doc = PlanToJson(DetailedEveryActionPlan());
  const Json* hsm = ResourceChange(doc, "ManagedHsm/hsm1");
  ASSERT_NE(hsm, nullptr);
  EXPECT_EQ((*hsm)["change"]["replace_paths"], Json::parse(R"([["properties","tenantId"]])"));
  EXPECT_EQ((*hsm)["action_reason"], "immutable_after_create");
  EXPECT_EQ((*hsm)["action"], "replace");
  const Json* recover = ResourceChange(doc, "Vault/lost-kv");
  ASSERT_NE(recover, nullptr);
  EXPECT_EQ((*recover)["action_reason"], "recover_soft_deleted");
  EXPECT_FALSE((*recover)["change"].contains("replace_paths"));
}

TEST(RenderJsonTest, ReplacePathsSplitIndexesAndQuotedKeys) {
  Plan plan;
  Change c = MakeChange(Action::kReplace, "Vault/x");
  c.field_changes = {{"properties.regions[1].name", "a", "b"},
                     {R"(tags["cost.center"])", "1", "2"}};
  plan.changes.push_back(c);
  const Json doc = PlanToJson(plan);
  EXPECT_EQ(doc["resource_changes"][0]["change"]["replace_paths"],
            Json::parse(R"([["properties","regions",1,"name"],["tags","cost.center"]])"));
}

TEST(RenderJsonTest, DriftIsSeparateAndErrorsMakeThePlanUnappliable) {
  Plan plan = EveryActionPlan();
  Json doc = PlanToJson(plan);
  EXPECT_EQ(doc["resource_drift"].size(), 1u);
  EXPECT_EQ(doc["resource_drift"][0]["address"], "Vault/audited-kv");
  EXPECT_EQ(doc["resource_drift"][0]["report_only"], true);
  EXPECT_EQ(doc["applyable"], true);
  EXPECT_EQ(doc["errored"], false);
  EXPECT_EQ(doc["summary"]["add"], 3);
  EXPECT_EQ(doc["summary"]["drift"], 1);

  plan.diagnostics.Error({"vault.yaml", 3, 5}, "dependency cycle");
  doc = PlanToJson(plan);
  EXPECT_EQ(doc["errored"], true);
  EXPECT_EQ(doc["applyable"], false);
  EXPECT_EQ(doc["diagnostics"][0], Json::parse(R"({"severity":"error","summary":"dependency cycle",
                            "range":{"filename":"vault.yaml","start":{"line":3,"column":5}}})"));
}

TEST(RenderJsonTest, SchemaRejectsWhatItShould) {
  Json doc = PlanToJson(EveryActionPlan());
  doc["format_version"] = "1.0";
  EXPECT_THAT(ValidatePlanJson(doc.dump()), ::testing::HasSubstr("format_version"));
  doc = PlanToJson(EveryActionPlan());
  doc["resource_changes"][0]["change"]["actions"] = Json::array({"explode"});
  EXPECT_THAT(ValidatePlanJson(doc.dump()), ::testing::HasSubstr("explode"));
}

// The schema pins the mapping: keyward's words are not Terraform actions, each action has its one
// list, an adopt needs change.importing (and only an adopt has it), a recover needs its reason.
TEST(RenderJsonTest, SchemaPinsEachActionToItsTerraformList) {
  const Json plan = PlanToJson(DetailedEveryActionPlan());
  auto with = [&](const std::string& address, auto edit) {
    Json doc = plan;
    for (Json& c : doc["resource_changes"])
      if (c["address"] == address) edit(c);
    return ValidatePlanJson(doc.dump());
  };
  ASSERT_EQ(ValidatePlanJson(plan.dump()), "");
  for (const char* word : {"adopt", "blocked"})
    EXPECT_NE(with("Vault/legacy-kv", [&](Json& c) { c["change"]["actions"] = {word}; }), "")
        << word << " is keyward's word, not Terraform's";
  EXPECT_NE(with("Vault/legacy-kv", [](Json& c) { c["change"].erase("importing"); }), "");
  EXPECT_NE(with("Vault/orders-kv", [](Json& c) { c["change"]["importing"] = {{"id", "x"}}; }), "");
  EXPECT_NE(with("Vault/lost-kv", [](Json& c) { c.erase("action_reason"); }), "");
  EXPECT_NE(with("Vault/lost-kv", [](Json& c) { c["change"]["actions"] = {"update"}; }), "");
  EXPECT_NE(with("Vault/held-kv", [](Json& c) { c["change"]["actions"] = {"update"}; }), "");
  EXPECT_NE(with("ManagedHsm/hsm1", [](Json& c) { c["change"]["actions"] = {"create"}; }), "");
  EXPECT_EQ(with("ManagedHsm/hsm1",
                 [](Json& c) {
                   c["change"]["actions"] = Json::array({"create", "delete"});
                 }),
            "")
      << "Terraform's create-before-destroy order is valid too";
}

// Plans as MakePlan builds them (not hand-built): create, update, recover, observe drift, prune,
// and an unknown kind's error diagnostic. Their JSON validates, and a saved copy of each is not
// stale against itself.
TEST(RenderJsonTest, PlansMadeByMakePlanValidate) {
  using namespace testing;
  FakeRegistry fakes;
  fakes.Add("Vault");
  const Json spec = {{"location", "westeurope"}, {"properties", {{"sku", {{"name", "premium"}}}}}};
  DesiredSet desired =
      MakeDesiredSet({MakeDesired("Vault", "new", spec), MakeDesired("Vault", "changed", spec),
                      MakeDesired("Vault", "lost", spec),
                      MakeDesired("Vault", "watched", spec, {}, ReconcilePolicy::kObserve),
                      MakeDesired("Mystery", "x", spec)});
  ObservedSet observed;
  Json standard = spec;
  standard["properties"]["sku"]["name"] = "standard";
  observed.resources.push_back(
      MakeObserved("Vault", "Vault/changed", FakeArmId("Vault", "changed"), standard));
  observed.resources.push_back(
      MakeObserved("Vault", "Vault/watched", FakeArmId("Vault", "watched"), standard));
  observed.resources.push_back(MakeObserved("Vault", "Vault/old", FakeArmId("Vault", "old"), {}));
  observed.soft_deleted.push_back({"Vault", "lost", kTestSubscription, "westeurope",
                                   FakeArmId("Vault", "lost"), "2026-11-01T00:00:00Z",
                                   "2027-01-30T00:00:00Z", false});
  for (bool prune : {false, true}) {
    const Plan plan = MakePlan(desired, observed, fakes.registry, TestPlanOptions(prune));
    const Json doc = PlanToJson(plan);
    EXPECT_EQ(ValidatePlanJson(doc.dump()), "") << plan.Dump();
    EXPECT_EQ(doc["errored"], true) << "the unknown kind is an error";
    EXPECT_EQ(doc["resource_drift"].size(), 1u);
    auto saved = ParseSavedPlan(
        SerializeSavedPlan({"0.1.0", TestPlanOptions(prune), desired, plan}), "p.kwplan");
    ASSERT_TRUE(saved) << saved.error().ToString();
    EXPECT_TRUE(FindStaleChanges(saved->plan, plan).empty());
    EXPECT_EQ(RenderPlanJson(saved->plan), RenderPlanJson(plan));
  }
}

}  // namespace
}  // namespace keyward::engine
