#include "providers/azure/kinds/key_read_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure {
namespace {

constexpr char kVault[] =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

Json ListItem(const std::string& name, int64_t updated) {
  return {{"id", std::string(kVault) + "/keys/" + name},
          {"name", name},
          {"tags", {{"team", "payments"}}},
          {"properties", {{"attributes", {{"enabled", true}, {"updated", updated}}}}}};
}

Json FullKey(const std::string& name, int64_t updated) {
  Json key = ListItem(name, updated);
  key["properties"]["kty"] = "RSA";
  key["properties"]["keyOps"] = {"wrapKey"};
  return key;
}

class KeyReadCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("key-read-cache-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int64_t now_ = 1'700'000'000;
  std::function<int64_t()> clock_ = [this] { return now_; };
  std::filesystem::path dir_;
};

TEST_F(KeyReadCacheTest, AnUnchangedListEntryFindsTheRememberedKey) {
  KeyReadCache cache(clock_);
  EXPECT_FALSE(cache.Find(ListItem("cmk", 100)));
  cache.Remember(ListItem("cmk", 100), FullKey("cmk", 100));
  auto found = cache.Find(ListItem("cmk", 100));
  ASSERT_TRUE(found);
  EXPECT_EQ((*found)["properties"]["kty"], "RSA");
}

TEST_F(KeyReadCacheTest, AnyChangeInTheListEntryMeansReadingTheKeyAgain) {
  KeyReadCache cache(clock_);
  cache.Remember(ListItem("cmk", 100), FullKey("cmk", 100));
  EXPECT_FALSE(cache.Find(ListItem("cmk", 101)));  // a new version or an update
  Json retagged = ListItem("cmk", 100);
  retagged["tags"]["team"] = "identity";
  EXPECT_FALSE(cache.Find(retagged));
  Json disabled = ListItem("cmk", 100);
  disabled["properties"]["attributes"]["enabled"] = false;
  EXPECT_FALSE(cache.Find(disabled));
}

TEST_F(KeyReadCacheTest, AnEntryOlderThanTheMaximumAgeIsReadAgain) {
  KeyReadCache cache(clock_);
  cache.Remember(ListItem("cmk", 100), FullKey("cmk", 100));
  now_ += KeyReadCache::kMaxAge.count() - 1;
  EXPECT_TRUE(cache.Find(ListItem("cmk", 100)));
  now_ += 1;
  EXPECT_FALSE(cache.Find(ListItem("cmk", 100)));
  now_ -= 2 * KeyReadCache::kMaxAge.count();  // a clock that went back: not trusted either
  EXPECT_FALSE(cache.Find(ListItem("cmk", 100)));
}

TEST_F(KeyReadCacheTest, WithoutAnAgeBoundAnOldEntryStandsWhileItsListEntryIsUnchanged) {
  KeyReadCache cache(clock_);
  cache.Remember(ListItem("cmk", 100), FullKey("cmk", 100));
  now_ += 100 * KeyReadCache::kMaxAge.count();
  EXPECT_FALSE(cache.Find(ListItem("cmk", 100)));
  EXPECT_TRUE(cache.Find(ListItem("cmk", 100), KeyReadCache::AgeBound::kNone));
  EXPECT_FALSE(cache.Find(ListItem("cmk", 101), KeyReadCache::AgeBound::kNone));
}

TEST_F(KeyReadCacheTest, AnAnswerForAnotherKeyIsNotKept) {
  KeyReadCache cache(clock_);
  cache.Remember(ListItem("cmk", 100), FullKey("other", 100));
  EXPECT_EQ(cache.size(), 0u);
  cache.Remember(ListItem("cmk", 100), FullKey("cmk", 100));
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(KeyReadCacheTest, KeysTheListsNoLongerShowAreForgottenOnlyUnderListedParents) {
  KeyReadCache cache(clock_);
  cache.Remember(ListItem("a", 1), FullKey("a", 1));
  cache.Remember(ListItem("b", 1), FullKey("b", 1));
  Json other = FullKey("c", 1);
  other["id"] = "/subscriptions/s2/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv/keys/c";
  cache.Remember(other, other);
  ASSERT_EQ(cache.size(), 3u);
  const std::string vault = Lower(kVault);
  cache.ForgetUnlisted({vault}, {vault + "/keys/a"});
  EXPECT_TRUE(cache.Find(ListItem("a", 1)));
  EXPECT_FALSE(cache.Find(ListItem("b", 1)));
  EXPECT_TRUE(cache.Find(other)) << "a parent that was not listed keeps its entries";
}

TEST_F(KeyReadCacheTest, TheFileCarriesTheCacheToTheNextRunAndIsPrivate) {
  const std::string file = (dir_ / "read-cache" / "payments.key.json").string();
  {
    KeyReadCache empty(clock_);
    empty.UseFile(file);
    ASSERT_TRUE(empty.Save().has_value());
    EXPECT_FALSE(std::filesystem::exists(file)) << "nothing to keep: no file";
  }
  {
    KeyReadCache cache(clock_);
    cache.UseFile(file);
    cache.Remember(ListItem("cmk", 100), FullKey("cmk", 100));
    ASSERT_TRUE(cache.Save().has_value());
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  KeyReadCache next(clock_);
  next.UseFile(file);
  EXPECT_TRUE(next.Find(ListItem("cmk", 100)));
  // Another stack's file starts from what that file holds, never from this one's entries.
  next.UseFile((dir_ / "read-cache" / "other.key.json").string());
  EXPECT_EQ(next.size(), 0u);
}

TEST_F(KeyReadCacheTest, ACorruptOrForeignFileIsAColdCacheNotAnError) {
  std::filesystem::create_directories(dir_);
  const std::vector<std::string> bad = {
      "not json",
      "[1, 2]",
      R"({"version": 99, "entries": {}})",
      // An entry filed under another key's id, and one with a wrong type: both ignored.
      R"({"version": 1, "entries": {"/x/keys/a": {"listed": "f", "readAt": 1, "key": {"id": "/x/keys/b"}},
                                    "/x/keys/c": {"listed": 7, "readAt": 1, "key": {"id": "/x/keys/c"}}}})",
  };
  for (const std::string& text : bad) {
    const std::string file = (dir_ / "bad.json").string();
    std::ofstream(file) << text;
    KeyReadCache cache(clock_);
    cache.UseFile(file);
    EXPECT_EQ(cache.size(), 0u) << text;
    cache.UseFile("");
  }
  KeyReadCache cache(clock_);
  cache.UseFile(dir_.string());  // a directory, not a file
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace keyward::azure
