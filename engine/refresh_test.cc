#include "engine/refresh.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/parallel.h"
#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine {
namespace {

TEST(RefreshTest, RunsHandlersInRegistrationOrderAndPassesParents) {
  FakeRegistry fakes;
  fakes.Add("Vault")->refresh_response.resources = {
      MakeObserved("Vault", "Vault/kv", FakeArmId("Vault", "kv"), {})};
  fakes["Vault"]->refresh_response.soft_deleted = {{"Vault", "gone", "s", "", "", "", "", false}};
  fakes["Vault"]->refresh_response.unavailable_names = {{"Vault/taken", "in use"}};
  fakes.Add("Key")->refresh_response.resources = {
      MakeObserved("Key", "Key/kv/k", FakeArmId("Vault", "kv") + "/keys/k", {})};
  // A handler that leaves kind empty gets its own kind filled in.
  fakes["Key"]->refresh_response.resources[0].kind.clear();

  DesiredSet desired =
      MakeDesiredSet({MakeDesired("Vault", "kv", {}), MakeDesired("Key", "k", {}),
                      MakeDesired("Key", "skipped", {}, {}, ReconcilePolicy::kSkip)});
  Context ctx;
  auto observed = Refresh(desired, fakes.registry, {}, ctx);
  ASSERT_TRUE(observed) << observed.error().ToString();
  EXPECT_EQ(fakes.log.events(), (std::vector<std::string>{"refresh Vault", "refresh Key"}));
  EXPECT_EQ(fakes["Vault"]->refresh_desired_counts, std::vector<size_t>{1});
  EXPECT_EQ(fakes["Key"]->refresh_desired_counts, std::vector<size_t>{1});  // skip is not read
  EXPECT_EQ(fakes["Key"]->refresh_parent_counts, std::vector<size_t>{1});   // saw the vault
  ASSERT_EQ(observed->resources.size(), 2u);
  EXPECT_EQ(observed->resources[1].kind, "Key");
  EXPECT_EQ(observed->soft_deleted.size(), 1u);
  EXPECT_EQ(observed->unavailable_names.at("Vault/taken"), "in use");
}

TEST(RefreshTest, ErrorNamesTheKindAndKeepsTheCode) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  fakes.Add("Key")->refresh_error =
      Error{ErrorCode::kPermissionDenied, "403 Forbidden", "ARM code=AuthorizationFailed"};
  fakes.Add("Secret");
  Context ctx;
  auto observed = Refresh(MakeDesiredSet({}), fakes.registry, {}, ctx);
  ASSERT_FALSE(observed);
  EXPECT_EQ(observed.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(observed.error().message, "refresh Key: 403 Forbidden");
  EXPECT_EQ(observed.error().detail, "ARM code=AuthorizationFailed");
  EXPECT_EQ(fakes.log.IndexOf("refresh Secret"), -1);  // stopped at the first error
}

TEST(RefreshTest, AHandlerThatThrowsFailsTheRefreshNamingTheKindNotTheProcess) {
  FakeRegistry fakes;
  fakes.Add("Vault")->on_refresh = [](const RefreshRequest&) {
    // What nlohmann throws when a handler reads a null list item as an object.
    Json item = nullptr;
    (void)item.value("id", "");
  };
  fakes.Add("Key");
  Context ctx;
  auto observed = Refresh(MakeDesiredSet({}), fakes.registry, {}, ctx);
  ASSERT_FALSE(observed);
  EXPECT_EQ(observed.error().code, ErrorCode::kInternal);
  EXPECT_EQ(
      observed.error().message.rfind("refresh Vault: unexpected error reading live state: ", 0), 0u)
      << observed.error().message;
  EXPECT_EQ(fakes.log.IndexOf("refresh Key"), -1);
}

TEST(RefreshTest, AnExceptionInAParallelWorkerIsContainedToo) {
  FakeRegistry fakes;
  fakes.Add("Vault")->on_refresh = [](const RefreshRequest&) {
    // Handlers list scopes on worker threads; an exception there used to call std::terminate.
    ForEachBounded(16, 4, [](size_t i) {
      if (i == 9) throw std::runtime_error("item 9 is not an object");
    });
  };
  Context ctx;
  auto observed = Refresh(MakeDesiredSet({}), fakes.registry, {}, ctx);
  ASSERT_FALSE(observed);
  EXPECT_EQ(observed.error().message,
            "refresh Vault: unexpected error reading live state: item 9 is not an object");
}

TEST(RefreshTest, CancellationStopsBeforeTheNextKind) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  Context ctx;
  ctx.cancelled->store(true);
  auto observed = Refresh(MakeDesiredSet({}), fakes.registry, {}, ctx);
  ASSERT_FALSE(observed);
  EXPECT_EQ(observed.error().code, ErrorCode::kCancelled);
  EXPECT_TRUE(fakes.log.events().empty());
}

TEST(RefreshTest, PassesPruneScopesToEveryHandler) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  fakes.Add("Key");
  RefreshOptions options;
  options.scopes = {"/subscriptions/s/resourceGroups/rg"};
  Context ctx;
  ASSERT_TRUE(Refresh(MakeDesiredSet({}), fakes.registry, options, ctx));
  for (const char* kind : {"Vault", "Key"}) {
    ASSERT_EQ(fakes[kind]->refresh_scopes.size(), 1u);
    EXPECT_EQ(fakes[kind]->refresh_scopes[0], options.scopes);
    EXPECT_EQ(fakes[kind]->refresh_desired_counts, std::vector<size_t>{0});
  }
}

// `--parallelism` governs refresh as well as apply: every handler gets it, and the read cache's
// place; 0 or less is one call at a time, never none.
TEST(RefreshTest, PassesParallelismAndTheReadCachePlaceToEveryHandler) {
  FakeRegistry fakes;
  fakes.Add("Vault");
  fakes.Add("Key");
  RefreshOptions options;
  options.parallelism = 3;
  options.read_cache_prefix = "/state/read-cache/payments";
  Context ctx;
  ASSERT_TRUE(Refresh(MakeDesiredSet({}), fakes.registry, options, ctx));
  options.parallelism = 0;
  options.read_cache_prefix.clear();
  ASSERT_TRUE(Refresh(MakeDesiredSet({}), fakes.registry, options, ctx));
  for (const char* kind : {"Vault", "Key"}) {
    EXPECT_EQ(fakes[kind]->refresh_parallelism, (std::vector<size_t>{3, 1}));
    EXPECT_EQ(fakes[kind]->refresh_cache_prefixes,
              (std::vector<std::string>{"/state/read-cache/payments", ""}));
  }
}

}  // namespace
}  // namespace keyward::engine
