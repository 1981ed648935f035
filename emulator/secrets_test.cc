// Secrets_* scenarios against the real binary over HTTPS (ARM-NOTES §1.7, §5.4): the value never
// comes back, versions change only when the versioned state changes.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

constexpr char kCanary[] = "canary-Zx81-do-not-echo";

class SecretsTest : public VaultFixture {
 protected:
  SecretsTest() : VaultFixture("kv-secrets") {}
  std::string SecretPath(const std::string& name) {
    return VaultPath("rg1", "kv-secrets") + "/secrets/" + name;
  }
  HttpsResult Put(const std::string& name, const json& body) {
    auto r = Call("PUT", SecretPath(name) + "?" + kKv, body);
    EXPECT_EQ(r.body.find(kCanary), std::string::npos) << r.body;
    return r;
  }
  HttpsResult Patch(const std::string& name, const json& body) {
    auto r = Call("PATCH", SecretPath(name) + "?" + kKv, body);
    EXPECT_EQ(r.body.find(kCanary), std::string::npos) << r.body;
    return r;
  }
  HttpsResult Get(const std::string& name) {
    auto r = Call("GET", SecretPath(name) + "?" + kKv);
    EXPECT_EQ(r.body.find(kCanary), std::string::npos) << r.body;
    return r;
  }
  static std::string Version(const HttpsResult& r) {
    return r.Json()["properties"]["secretUriWithVersion"];
  }
};

TEST_F(SecretsTest, CreateAnswers200WithUrisAndNeverTheValue) {
  auto r = Put("db-password", {{"properties", {{"value", kCanary}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json s = r.Json();
  ExpectResource(s, SecretPath("db-password"), "db-password", "Microsoft.KeyVault/vaults/secrets");
  const json& p = s["properties"];
  EXPECT_FALSE(p.contains("value"));
  EXPECT_EQ(p["secretUri"], "https://kv-secrets.vault.azure.net/secrets/db-password");
  std::string versioned = p["secretUriWithVersion"];
  EXPECT_EQ(versioned.size(), std::string(p["secretUri"]).size() + 33);
  EXPECT_EQ(p["attributes"]["enabled"], true);
  EXPECT_TRUE(p["attributes"]["created"].is_number_integer());
  EXPECT_TRUE(p["attributes"]["updated"].is_number_integer());
  EXPECT_EQ(Get("db-password").Json(), s);
  auto list = Call("GET", VaultPath("rg1", "kv-secrets") + "/secrets?" + kKv);
  EXPECT_EQ(list.body.find(kCanary), std::string::npos);
  EXPECT_EQ(list.Json()["value"].size(), 1u);
}

TEST_F(SecretsTest, IdenticalRePutCreatesNoVersionAndAChangedValueDoes) {
  json body = {{"properties", {{"value", kCanary}, {"contentType", "text/plain"}}}};
  auto first = Put("s1", body);
  ASSERT_EQ(first.status, 200) << first.body;
  auto again = Put("s1", body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Json(), first.Json());  // nothing written, not even `updated`
  auto changed = Put(
      "s1",
      {{"properties", {{"value", std::string(kCanary) + "-2"}, {"contentType", "text/plain"}}}});
  ASSERT_EQ(changed.status, 200);
  EXPECT_NE(Version(changed), Version(first));
  auto content_type =
      Put("s1", {{"properties",
                  {{"value", std::string(kCanary) + "-2"}, {"contentType", "application/json"}}}});
  EXPECT_NE(Version(content_type), Version(changed));
  EXPECT_EQ(content_type.Json()["properties"]["contentType"], "application/json");
  // Tags alone change in place.
  auto tagged =
      Put("s1", {{"tags", {{"env", "dev"}}},
                 {"properties",
                  {{"value", std::string(kCanary) + "-2"}, {"contentType", "application/json"}}}});
  EXPECT_EQ(Version(tagged), Version(content_type));
  EXPECT_EQ(tagged.Json()["tags"], json({{"env", "dev"}}));
}

TEST_F(SecretsTest, PatchChangesOnlyWhatItNames) {
  ASSERT_EQ(Put("s2", {{"tags", {{"a", "1"}}},
                       {"properties", {{"value", kCanary}, {"contentType", "text/plain"}}}})
                .status,
            200);
  std::string v1 = Version(Get("s2"));
  auto tags = Patch("s2", {{"tags", {{"b", "2"}}}});
  ASSERT_EQ(tags.status, 200) << tags.body;
  EXPECT_EQ(tags.Json()["tags"], json({{"b", "2"}}));
  EXPECT_EQ(tags.Json()["properties"]["contentType"], "text/plain");
  EXPECT_EQ(Version(tags), v1);
  auto disabled = Patch("s2", {{"properties", {{"attributes", {{"enabled", false}}}}}});
  ASSERT_EQ(disabled.status, 200);
  EXPECT_EQ(disabled.Json()["properties"]["attributes"]["enabled"], false);
  EXPECT_NE(Version(disabled), v1);
  auto value = Patch("s2", {{"properties", {{"value", std::string(kCanary) + "-new"}}}});
  ASSERT_EQ(value.status, 200);
  EXPECT_NE(Version(value), Version(disabled));
  EXPECT_EQ(value.Json()["properties"]["attributes"]["enabled"], false);
  EXPECT_EQ(Get("s2").Json(), value.Json());
  EXPECT_EQ(Patch("missing", {{"tags", json::object()}}).status, 404);
}

TEST_F(SecretsTest, CreateWithoutValueIsBadRequestAndThereIsNoDelete) {
  auto r = Put("novalue", {{"properties", {{"contentType", "text/plain"}}}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["code"], "BadRequest");
  EXPECT_EQ(r.Json()["error"]["message"], "An invalid value was provided for 'value'.");
  EXPECT_EQ(Put("bad_name", {{"properties", {{"value", "x"}}}}).status, 400);
  ASSERT_EQ(Put("s3", {{"properties", {{"value", kCanary}}}}).status, 200);
  EXPECT_EQ(Call("DELETE", SecretPath("s3") + "?" + kKv).status, 405);
  EXPECT_EQ(Get("nope").status, 404);
}

TEST_F(SecretsTest, ListPagesWithTopAndTheStateFileHoldsNoValue) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Put("s-" + std::to_string(i), {{"properties", {{"value", kCanary}}}}).status, 200);
  }
  std::set<std::string> names;
  auto r = Call("GET", VaultPath("rg1", "kv-secrets") + "/secrets?" + kKv + "&$top=2");
  int pages = 1;
  for (;; ++pages) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find(kCanary), std::string::npos);
    json page = r.Json();
    for (const auto& s : page["value"]) names.insert(s["name"].get<std::string>());
    if (!page.contains("nextLink")) break;
    r = keyward::testing::HttpsRequest(
        "GET", page["nextLink"], {{"Authorization", "Bearer " + token_}}, "", emulator_->ca_file());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 5u);
  // Only a salted hash is stored: the canary is nowhere in the SQLite file.
  for (const std::string suffix : {"", "-wal"}) {
    std::ifstream db(emulator_->state_file() + suffix, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(kCanary), std::string::npos) << suffix;
  }
}

}  // namespace
}  // namespace keyward::emulator::test
