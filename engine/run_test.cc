#include "engine/run.h"

#include <gtest/gtest.h>

#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

ValidationResult Loaded(std::vector<DesiredResource> resources) {
  ValidationResult loaded;
  loaded.set = MakeDesiredSet(std::move(resources));
  return loaded;
}

TEST(RunTest, RefreshAndPlanReadsLiveStateWithTheSettingsThenPlansAgainstIt) {
  FakeRegistry fakes;
  fakes.Add("Vault")->refresh_response.resources = {MakeObserved(
      "Vault", "Vault/kv", FakeArmId("Vault", "kv"), {{"properties", {{"sku", "standard"}}}})};
  ValidationResult loaded =
      Loaded({MakeDesired("Vault", "kv", {{"properties", {{"sku", "premium"}}}})});
  loaded.set.config.parallelism = 3;
  RunSettings settings;
  settings.read_cache_prefix = "/state/read-cache/test-stack";

  auto plan = RefreshAndPlan(loaded, settings, fakes.registry, Context{});
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->changes.size(), 1u);
  EXPECT_EQ(plan->changes[0].action, Action::kUpdate);
  EXPECT_EQ(fakes["Vault"]->refresh_parallelism, std::vector<size_t>{3});  // keyward.yaml's
  EXPECT_EQ(fakes["Vault"]->refresh_cache_prefixes,
            std::vector<std::string>{"/state/read-cache/test-stack"});
  EXPECT_TRUE(fakes["Vault"]->refresh_scopes[0].empty());  // no prune: nothing extra to list
}

TEST(RunTest, ThePruneFlagListsTheManifestScopesAndPlansDeletesOfOwnedLeftovers) {
  FakeRegistry fakes;
  fakes.Add("Vault")->refresh_response.resources = {
      MakeObserved("Vault", "Vault/gone", FakeArmId("Vault", "gone"), {})};
  const ValidationResult loaded = Loaded({MakeDesired("Vault", "kv", {})});
  RunSettings settings;
  settings.parallelism = 5;

  auto kept = RefreshAndPlan(loaded, settings, fakes.registry, Context{});
  ASSERT_TRUE(kept);
  for (const Change& change : kept->changes) EXPECT_NE(change.action, Action::kDelete);

  settings.prune = true;
  auto pruned = RefreshAndPlan(loaded, settings, fakes.registry, Context{});
  ASSERT_TRUE(pruned);
  EXPECT_EQ(fakes["Vault"]->refresh_parallelism.back(), 5u);  // the flag over keyward.yaml's
  EXPECT_FALSE(fakes["Vault"]->refresh_scopes.back().empty());
  bool deleted = false;
  for (const Change& change : pruned->changes)
    deleted = deleted || (change.address == "Vault/gone" && change.action == Action::kDelete);
  EXPECT_TRUE(deleted);
}

TEST(RunTest, KeywardYamlCanTurnPruneOnAndTheFlagCannotTurnItOff) {
  ValidationResult loaded = Loaded({});
  loaded.set.config.prune = true;
  loaded.purge_then_create = true;
  const PlanOptions options = PlanOptionsFor(loaded, RunSettings{});
  EXPECT_TRUE(options.prune);
  EXPECT_TRUE(options.purge_then_create);
  EXPECT_EQ(options.stack, testing::kTestStack);
}

TEST(RunTest, AFailedRefreshSaysLiveStateCouldNotBeReadAndKeepsTheCode) {
  FakeRegistry fakes;
  fakes.Add("Vault")->refresh_error =
      Error{ErrorCode::kPermissionDenied, "403 Forbidden", "ARM code=AuthorizationFailed"};
  auto plan = RefreshAndPlan(Loaded({}), RunSettings{}, fakes.registry, Context{});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(plan.error().message,
            "reading live state from Azure failed: refresh Vault: 403 Forbidden");
  EXPECT_EQ(plan.error().detail, "ARM code=AuthorizationFailed");
}

TEST(RunTest, ReplanUsesTheOptionsItIsGivenNotKeywardYamls) {
  FakeRegistry fakes;
  fakes.Add("Vault")->refresh_response.resources = {
      MakeObserved("Vault", "Vault/gone", FakeArmId("Vault", "gone"), {})};
  const DesiredSet desired = MakeDesiredSet({});  // keyward.yaml: no prune
  PlanOptions saved = testing::TestPlanOptions(/*prune=*/true);

  auto plan = Replan(desired, saved, RunSettings{}, fakes.registry, Context{});
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->changes.size(), 1u);
  EXPECT_EQ(plan->changes[0].action, Action::kDelete);
}

TEST(RunTest, ApplyOptionsTakeTheFlagsAndKeywardYamlsParallelism) {
  StackConfig config;
  config.parallelism = 4;
  RunSettings settings;
  settings.allow_destroy = true;
  ApplyOptions options = ApplyOptionsFor(config, settings);
  EXPECT_EQ(options.parallelism, 4);
  EXPECT_TRUE(options.allow_destroy);
  EXPECT_FALSE(options.allow_replace);
  settings.parallelism = 9;
  EXPECT_EQ(ApplyOptionsFor(config, settings).parallelism, 9);
}

TEST(RunTest, JoinErrorsKeepsOnlyErrorsOnOneLine) {
  Diagnostics diagnostics;
  diagnostics.Error({}, "first");
  diagnostics.Warning({}, "only a warning");
  diagnostics.Error({}, "second");
  EXPECT_EQ(JoinErrors(diagnostics), "<input>: error: first; <input>: error: second");
  EXPECT_EQ(JoinErrors(Diagnostics{}), "");
}

}  // namespace
}  // namespace keyward::engine
