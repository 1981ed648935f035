// `keyward plan` keeps what it read of keys under the state directory (key_read_cache.h): the
// second plan of an unchanged estate GETs no key, --no-read-cache reads them all again, and the
// file holds nothing of a secret.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/e2e_test_util.h"

namespace keyward::testing {
namespace {

class ReadCacheTest : public KeywardE2eTest {
 protected:
  ReadCacheTest() : KeywardE2eTest("keyward-read-cache") {}
  void SetUpTest() override {
    WriteStack("manifests/", "cache", "rg-cache");
    Write("manifests/vault.yaml",
          "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: cache-kv-01\n"
          "spec:\n  sku: { family: A, name: premium }\n  softDeleteRetentionInDays: 7\n"
          "---\napiVersion: keyward.dev/v1alpha1\nkind: Key\nmetadata:\n  name: cmk\n"
          "spec:\n  vault: cache-kv-01\n  kty: RSA\n  keyOps: [wrapKey, unwrapKey]\n"
          "---\napiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: db\n"
          "spec:\n  vault: cache-kv-01\n  valueFrom: { env: CACHE_TEST_SECRET }\n");
    env_ = {{"KEYWARD_STATE_DIR", (dir_ / "state").string()},
            {"KEYWARD_FINGERPRINT_KEY", "read-cache-test-fingerprint-key"},
            {"CACHE_TEST_SECRET", kSecretValue}};
  }

  int KeyGetsOf(const std::vector<std::string>& args, int expected_exit) {
    const long before = Operation("Keys_Get");
    CommandResult result = RunKeyward(args, env_);
    EXPECT_EQ(result.exit_code, expected_exit) << result.out << result.err;
    return static_cast<int>(Operation("Keys_Get") - before);
  }
  long Operation(const std::string& name) {
    return HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {}, "",
                        emulator_->ca_file())
        .Json()["operations"]
        .value(name, 0L);
  }

  static constexpr char kSecretValue[] = "read-cache-canary-7f3e9a";
  std::map<std::string, std::string> env_;
};

TEST_F(ReadCacheTest, TheSecondPlanGetsNoKeyAndNoReadCacheReadsThemAgain) {
  const std::string manifests = (dir_ / "manifests").string();
  CommandResult applied = RunKeyward({"apply", manifests, "--auto-approve"}, env_);
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;

  const std::vector<std::string> plan = {"plan", manifests, "--detailed-exitcode"};
  EXPECT_EQ(KeyGetsOf(plan, 0), 1) << "cold: the key is read in full once";
  EXPECT_EQ(KeyGetsOf(plan, 0), 0) << "warm: its list entry is unchanged";
  std::vector<std::string> no_cache = plan;
  no_cache.push_back("--no-read-cache");
  EXPECT_EQ(KeyGetsOf(no_cache, 0), 1);

  // One file for the stack under the state directory, private, with no secret in it.
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "state" / "read-cache"))
    files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename().string().rfind("cache.key.", 0), 0u) << files[0];
  EXPECT_EQ(std::filesystem::status(files[0]).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::stringstream text;
  text << std::ifstream(files[0]).rdbuf();
  EXPECT_NE(text.str().find("/keys/cmk"), std::string::npos);
  EXPECT_EQ(text.str().find(kSecretValue), std::string::npos);

  // Deleting it only costs reads.
  std::filesystem::remove_all(dir_ / "state" / "read-cache");
  EXPECT_EQ(KeyGetsOf(plan, 0), 1);
}

}  // namespace
}  // namespace keyward::testing
