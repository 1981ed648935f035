// Managed HSM key scenarios against the real binary (ARM-NOTES §1.7, §5.4; keysManagedHsm.json).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "emulator/emulator_test_util.h"
#include "emulator/key_family.h"

namespace keyward::emulator::test {
namespace {

class MhsmKeysTest : public HsmFixture {
 protected:
  MhsmKeysTest() : HsmFixture(0.2) {}

  // Creates the HSM and waits for provisioning to finish.
  void CreateHsm(const std::string& name) {
    auto r = Call("PUT", HsmPath("rg1", name) + "?" + kKv, HsmBody());
    ASSERT_EQ(r.status, 202) << r.body;
    for (int i = 0; i < 100; ++i) {
      auto g = Call("GET", HsmPath("rg1", name) + "?" + kKv);
      if (g.Json()["properties"]["provisioningState"] == "Succeeded") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "HSM " << name << " never provisioned";
  }

  HttpsResult PutKey(const std::string& hsm, const std::string& key, const json& body) {
    return Call("PUT", HsmPath("rg1", hsm) + "/keys/" + key + "?" + kKv, body);
  }
};

TEST_F(MhsmKeysTest, CreateIfNotExistKeepsTheFirstKey) {
  CreateHsm("hsm-k");
  auto first = PutKey("hsm-k", "key1", {{"tags", {{"a", "1"}}}, {"properties", {{"kty", "RSA"}}}});
  ASSERT_EQ(first.status, 200) << first.body;
  json k = first.Json();
  EXPECT_EQ(k["type"], "Microsoft.KeyVault/managedHSMs/keys");
  EXPECT_EQ(k["id"], HsmPath("rg1", "hsm-k") + "/keys/key1");
  const json& p = k["properties"];
  EXPECT_EQ(p["kty"], "RSA");
  EXPECT_EQ(p["keySize"], 2048);
  EXPECT_EQ(p["keyOps"], json({"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}));
  EXPECT_EQ(p["keyUri"], "https://hsm-k.managedhsm.azure.net:443/keys/key1");
  std::string with_version = p["keyUriWithVersion"];
  std::string version = with_version.substr(with_version.rfind('/') + 1);
  EXPECT_EQ(version.size(), 32u);
  EXPECT_EQ(p["attributes"]["enabled"], true);
  EXPECT_EQ(p["attributes"]["recoveryLevel"], "Recoverable") << "purge protection is on";
  EXPECT_TRUE(p["attributes"]["created"].is_number_integer());

  auto second = PutKey("hsm-k", "KEY1", {{"properties", {{"kty", "EC"}}}});
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Json(), k) << "an existing key is returned unchanged";
  EXPECT_EQ(Call("GET", HsmPath("rg1", "hsm-k") + "/keys/key1?" + kKv).Json(), k);

  auto versions = Call("GET", HsmPath("rg1", "hsm-k") + "/keys/key1/versions?" + kKv);
  ASSERT_EQ(versions.status, 200);
  ASSERT_EQ(versions.Json()["value"].size(), 1u);
  EXPECT_EQ(versions.Json()["value"][0]["type"], "Microsoft.KeyVault/managedHSMs/keys/versions");
  EXPECT_EQ(versions.Json()["value"][0]["name"], version);
  auto got = Call("GET", HsmPath("rg1", "hsm-k") + "/keys/key1/versions/" + version + "?" + kKv);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Json()["properties"]["keyUriWithVersion"], with_version);
  EXPECT_EQ(Call("GET", HsmPath("rg1", "hsm-k") + "/keys/key1/versions/" + std::string(32, 'a') +
                            "?" + kKv)
                .status,
            404);
}

TEST_F(MhsmKeysTest, ValidatesKeysAndRejectsUnprovisionedOrMissingHsm) {
  auto absent = PutKey("nohsm", "k", {{"properties", {{"kty", "RSA"}}}});
  EXPECT_EQ(absent.status, 404);
  ASSERT_EQ(Call("PUT", HsmPath("rg1", "hsm-new") + "?" + kKv, HsmBody()).status, 202);
  auto early = PutKey("hsm-new", "k", {{"properties", {{"kty", "RSA"}}}});
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_EQ(early.Json()["error"]["code"], "ManagedHsmNotProvisioned");

  CreateHsm("hsm-v");
  EXPECT_EQ(PutKey("hsm-v", "k", {{"properties", json::object()}}).status, 400);
  EXPECT_EQ(PutKey("hsm-v", "k", {{"properties", {{"kty", "RSA"}, {"keySize", 1024}}}}).status,
            400);
  EXPECT_EQ(PutKey("hsm-v", "bad_name", {{"properties", {{"kty", "RSA"}}}}).status, 400);
  auto ec = PutKey("hsm-v", "ec", {{"properties", {{"kty", "EC-HSM"}}}});
  ASSERT_EQ(ec.status, 200);
  EXPECT_EQ(ec.Json()["properties"]["curveName"], "P-256");
  EXPECT_EQ(Call("GET", HsmPath("rg1", "hsm-v") + "/keys/none?" + kKv).status, 404);
}

TEST_F(MhsmKeysTest, ListPagesOf25WithNextLink) {
  CreateHsm("hsm-list");
  for (int i = 0; i < 27; ++i) {
    ASSERT_EQ(
        PutKey("hsm-list", "key" + std::to_string(i), {{"properties", {{"kty", "RSA"}}}}).status,
        200);
  }
  std::set<std::string> names;
  std::string url = emulator_->endpoint() + HsmPath("rg1", "hsm-list") + "/keys?" + kKv;
  int pages = 0;
  while (!url.empty()) {
    auto r = keyward::testing::HttpsRequest("GET", url, {{"Authorization", "Bearer " + token_}}, "",
                                            emulator_->ca_file());
    ASSERT_EQ(r.status, 200) << r.body;
    const json page = r.Json();  // keep the parsed body alive for the loop
    for (const auto& k : page["value"]) {
      names.insert(k["name"]);
      EXPECT_TRUE(k["properties"].contains("keyUri"));
      EXPECT_TRUE(k["properties"].contains("attributes"));
    }
    url = page.value("nextLink", "");
    ++pages;
  }
  EXPECT_EQ(names.size(), 27u);
  EXPECT_EQ(pages, 2);
}

}  // namespace
}  // namespace keyward::emulator::test
