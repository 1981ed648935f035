// Keys_* scenarios against the real binary over HTTPS (ARM-NOTES §1.7, §5.4).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

class KeysTest : public VaultFixture {
 protected:
  KeysTest() : VaultFixture("kv-keys") {}
  std::string KeyPath(const std::string& name, const std::string& vault = "kv-keys") {
    return VaultPath("rg1", vault) + "/keys/" + name;
  }
  HttpsResult PutKey(const std::string& name, const json& properties) {
    return Call("PUT", KeyPath(name) + "?" + kKv, {{"properties", properties}});
  }
  // Follows nextLink to the end; returns every item and counts the pages.
  std::vector<json> ListAll(const std::string& path_and_query, int* pages) {
    std::vector<json> items;
    auto r = Call("GET", path_and_query);
    for (*pages = 1;; ++*pages) {
      EXPECT_EQ(r.status, 200) << r.body;
      json page = r.Json();
      for (const auto& item : page["value"]) items.push_back(item);
      if (!page.contains("nextLink")) break;
      EXPECT_TRUE(page["nextLink"].is_string());
      r = GetUrl(page["nextLink"]);
      if (*pages > 100) break;
    }
    return items;
  }
};

const std::regex kVersion("[0-9a-f]{32}");

std::string LastSegment(const std::string& uri) { return uri.substr(uri.rfind('/') + 1); }

TEST_F(KeysTest, CreateAnswers200WithDefaultsAndA32HexVersion) {
  auto r = PutKey("key-1", {{"kty", "RSA"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json k = r.Json();
  ExpectResource(k, VaultPath("rg1", "kv-keys") + "/keys/key-1", "key-1",
                 "Microsoft.KeyVault/vaults/keys");
  const json& p = k["properties"];
  EXPECT_EQ(p["kty"], "RSA");
  EXPECT_EQ(p["keySize"], 2048);
  EXPECT_FALSE(p.contains("curveName"));
  EXPECT_EQ(p["keyOps"], json({"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}));
  EXPECT_EQ(p["attributes"]["enabled"], true);
  EXPECT_EQ(p["attributes"]["exportable"], false);
  EXPECT_TRUE(p["attributes"]["created"].is_number_integer());
  EXPECT_EQ(p["attributes"]["created"], p["attributes"]["updated"]);
  EXPECT_EQ(p["attributes"]["recoveryLevel"], "Recoverable+Purgeable");
  EXPECT_EQ(p["keyUri"], "https://kv-keys.vault.azure.net:443/keys/key-1");
  std::string with_version = p["keyUriWithVersion"];
  EXPECT_EQ(with_version.rfind("https://kv-keys.vault.azure.net:443/keys/key-1/", 0), 0u);
  EXPECT_TRUE(std::regex_match(LastSegment(with_version), kVersion)) << with_version;
  EXPECT_EQ(Call("GET", KeyPath("key-1") + "?" + kKv).Json(), k);
}

TEST_F(KeysTest, SecondPutWithDifferentPropertiesKeepsTheFirstKeyUnchanged) {
  auto first = PutKey("cmk", {{"kty", "RSA"}, {"keySize", 2048}, {"keyOps", {"wrapKey"}}});
  ASSERT_EQ(first.status, 200) << first.body;
  auto second =
      Call("PUT", KeyPath("cmk") + "?" + kKv,
           {{"tags", {{"a", "b"}}}, {"properties", {{"kty", "EC"}, {"curveName", "P-384"}}}});
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Json(), first.Json());
  EXPECT_EQ(Call("GET", KeyPath("cmk") + "?" + kKv).Json(), first.Json());
  int pages = 0;
  auto versions = ListAll(KeyPath("cmk") + "/versions?" + kKv, &pages);
  EXPECT_EQ(versions.size(), 1u);
}

TEST_F(KeysTest, EcDefaultsToP256AndValidationRejectsBadInput) {
  auto ec = PutKey("ec-key", {{"kty", "ec"}});
  ASSERT_EQ(ec.status, 200) << ec.body;
  EXPECT_EQ(ec.Json()["properties"]["kty"], "EC");
  EXPECT_EQ(ec.Json()["properties"]["curveName"], "P-256");
  EXPECT_FALSE(ec.Json()["properties"].contains("keySize"));
  EXPECT_EQ(PutKey("bad_name", {{"kty", "RSA"}}).status, 400);
  EXPECT_EQ(PutKey(std::string(128, 'a'), {{"kty", "RSA"}}).status, 400);
  EXPECT_EQ(PutKey("k", {{"kty", "AES"}}).status, 400);
  EXPECT_EQ(PutKey("k", {{"kty", "RSA"}, {"keySize", 1024}}).status, 400);
  EXPECT_EQ(PutKey("k", {{"kty", "EC"}, {"curveName", "P-999"}}).status, 400);
  EXPECT_EQ(PutKey("k", {{"kty", "RSA"}, {"keyOps", {"fly"}}}).status, 400);
  auto hsm = PutKey("k", {{"kty", "RSA-HSM"}});
  EXPECT_EQ(hsm.status, 400) << hsm.body;
  EXPECT_EQ(hsm.Json()["error"]["code"], "BadRequest");
  EXPECT_EQ(Call("GET", KeyPath("k") + "?" + kKv).status, 404);
}

TEST_F(KeysTest, HsmKeysNeedAPremiumVaultAndPurgeProtectionMeansRecoverable) {
  json body = VaultBody();
  body["properties"]["sku"]["name"] = "premium";
  body["properties"]["enablePurgeProtection"] = true;
  ASSERT_EQ(PutVault("rg1", "kv-premium", body).status, 200);
  auto r = Call("PUT", KeyPath("hsm-key", "kv-premium") + "?" + kKv,
                {{"properties", {{"kty", "RSA-HSM"}, {"keySize", 3072}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["properties"]["keySize"], 3072);
  EXPECT_EQ(r.Json()["properties"]["attributes"]["recoveryLevel"], "Recoverable");
}

TEST_F(KeysTest, ListPagesThroughNextLinkAndVersionsAreReadable) {
  std::set<std::string> created;
  for (int i = 0; i < 30; ++i) {
    std::string name = "key-" + std::to_string(i);
    ASSERT_EQ(PutKey(name, {{"kty", "RSA"}}).status, 200);
    created.insert(name);
  }
  int pages = 0;
  auto items = ListAll(VaultPath("rg1", "kv-keys") + "/keys?" + kKv, &pages);
  EXPECT_EQ(pages, 2);  // 25 per page
  std::set<std::string> listed;
  for (const auto& item : items) {
    listed.insert(item["name"]);
    EXPECT_EQ(item["type"], "Microsoft.KeyVault/vaults/keys");
    EXPECT_TRUE(item["properties"].contains("keyUri"));
    EXPECT_TRUE(item["properties"]["attributes"].contains("recoveryLevel"));
  }
  EXPECT_EQ(listed, created);

  json key = Call("GET", KeyPath("key-7") + "?" + kKv).Json();
  std::string version = LastSegment(key["properties"]["keyUriWithVersion"]);
  auto v = Call("GET", KeyPath("key-7") + "/versions/" + version + "?" + kKv);
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.Json()["type"], "Microsoft.KeyVault/vaults/keys/versions");
  EXPECT_EQ(v.Json()["name"], version);
  EXPECT_EQ(v.Json()["id"], key["id"].get<std::string>() + "/versions/" + version);
  EXPECT_EQ(v.Json()["properties"]["keyUriWithVersion"], key["properties"]["keyUriWithVersion"]);
  auto versions = ListAll(KeyPath("key-7") + "/versions?" + kKv, &pages);
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0]["name"], version);
  EXPECT_EQ(
      Call("GET", KeyPath("key-7") + "/versions/0123456789abcdef0123456789abcdef?" + kKv).status,
      404);
}

TEST_F(KeysTest, NoDeleteThroughArmAndMissingParentsAre404) {
  ASSERT_EQ(PutKey("key-1", {{"kty", "RSA"}}).status, 200);
  EXPECT_EQ(Call("DELETE", KeyPath("key-1") + "?" + kKv).status, 405);
  EXPECT_EQ(Call("PATCH", KeyPath("key-1") + "?" + kKv, {{"properties", json::object()}}).status,
            405);
  EXPECT_EQ(Call("GET", KeyPath("nope") + "?" + kKv).status, 404);
  auto missing = Call("PUT", VaultPath("rg1", "kv-none") + "/keys/k?" + kKv,
                      {{"properties", {{"kty", "RSA"}}}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["error"]["code"], "ResourceNotFound");
  // Keys go with their vault: a vault recreated after purge starts empty.
  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-keys") + "?" + kKv).status, 200);
  EXPECT_EQ(Call("GET", KeyPath("key-1") + "?" + kKv).status, 404);
}

TEST_F(KeysTest, SoftDeleteHidesKeysAndSecretsAndRecoverBringsThemBack) {
  auto created = PutKey("kept-key", {{"kty", "EC"}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string first_uri = created.Json()["properties"]["keyUriWithVersion"];
  auto secret = Call("PUT", VaultPath("rg1", "kv-keys") + "/secrets/kept-secret?" + kKv,
                     {{"properties", {{"value", "canary-recover-7f3a"}}}});
  ASSERT_EQ(secret.status, 200) << secret.body;

  ASSERT_EQ(Call("DELETE", VaultPath("rg1", "kv-keys") + "?" + kKv).status, 200);
  EXPECT_EQ(Call("GET", KeyPath("kept-key") + "?" + kKv).status, 404);
  auto deleted = Call("GET", "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) +
                                 "/providers/Microsoft.KeyVault/locations/westus/deletedVaults/"
                                 "kv-keys?" +
                                 kKv);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body.find("_internal"), std::string::npos) << "internal state never leaks";
  EXPECT_EQ(deleted.body.find("canary-recover-7f3a"), std::string::npos);

  json recover = {{"location", "westus"},
                  {"properties",
                   {{"tenantId", keyward::testing::kTenantId},
                    {"sku", {{"family", "A"}, {"name", "standard"}}},
                    {"createMode", "recover"}}}};
  ASSERT_EQ(PutVault("rg1", "kv-keys", recover).status, 200);
  auto key = Call("GET", KeyPath("kept-key") + "?" + kKv);
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(key.Json()["properties"]["keyUriWithVersion"], first_uri) << "same key, same version";
  EXPECT_EQ(key.Json()["id"], VaultPath("rg1", "kv-keys") + "/keys/kept-key");
  EXPECT_EQ(Call("GET", VaultPath("rg1", "kv-keys") + "/secrets/kept-secret?" + kKv).status, 200);
}

}  // namespace
}  // namespace keyward::emulator::test
