// Helpers shared by the emulator's scenario tests (test-only header; the *_test.cc glob builds the
// tests, this file is included by them). Every scenario runs the real binary over HTTPS.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::emulator::test {

// The support names every scenario uses, imported once for all of them.
using keyward::testing::ArmRequest, keyward::testing::EmulatorOptions,
    keyward::testing::EmulatorProcess, keyward::testing::FormEncode, keyward::testing::HttpsRequest,
    keyward::testing::HttpsResult;
using keyward::testing::kClientId, keyward::testing::kClientSecret, keyward::testing::kObjectId,
    keyward::testing::kOtherSubscriptionId, keyward::testing::kSubscriptionId,
    keyward::testing::kTenantId;
using nlohmann::json;

inline constexpr char kKv[] = "api-version=2024-11-01";
inline constexpr char kRgApi[] = "api-version=2021-04-01";

inline std::string RgPath(const std::string& rg,
                          const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/resourcegroups/" + rg;
}
inline std::string VaultPath(const std::string& rg, const std::string& name,
                             const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/resourceGroups/" + rg +
         "/providers/Microsoft.KeyVault/vaults/" + name;
}

inline std::string HsmPath(const std::string& rg, const std::string& name,
                           const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/resourceGroups/" + rg +
         "/providers/Microsoft.KeyVault/managedHSMs/" + name;
}

// A deleted record: "/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/
// {collection}/{name}", collection "deletedVaults" or "deletedManagedHSMs".
inline std::string DeletedResourcePath(const std::string& collection, const std::string& location,
                                       const std::string& name,
                                       const std::string& sub = keyward::testing::kSubscriptionId) {
  return "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" + location + "/" +
         collection + "/" + name;
}
inline std::string DeletedVaultPath(const std::string& location, const std::string& name,
                                    const std::string& sub = keyward::testing::kSubscriptionId) {
  return DeletedResourcePath("deletedVaults", location, name, sub);
}
inline std::string DeletedHsmPath(const std::string& location, const std::string& name) {
  return DeletedResourcePath("deletedManagedHSMs", location, name);
}

// A Standard_B1 HSM with the fixture's tenant and administrator.
inline json HsmBody(const std::string& location = "westus") {
  return {{"location", location},
          {"sku", {{"family", "B"}, {"name", "Standard_B1"}}},
          {"tags", {{"Dept", "hsm"}}},
          {"properties",
           {{"tenantId", keyward::testing::kTenantId},
            {"initialAdminObjectIds", {keyward::testing::kObjectId}}}}};
}

inline json VaultBody(const std::string& location = "westus") {
  return {{"location", location},
          {"properties",
           {{"tenantId", keyward::testing::kTenantId},
            {"sku", {{"family", "A"}, {"name", "standard"}}},
            {"accessPolicies",
             {{{"tenantId", keyward::testing::kTenantId},
               {"objectId", keyward::testing::kObjectId},
               {"permissions", {{"secrets", {"get", "list"}}}}}}}}}};
}

// What every ARM resource body starts with: its id, name and type, and the location westus.
// (`body` by value: a missing field reads as null instead of asserting on a const json.)
inline void ExpectResource(json body, const std::string& id, const std::string& name,
                           const std::string& type) {
  EXPECT_EQ(body["id"], id);
  EXPECT_EQ(body["name"], name);
  EXPECT_EQ(body["type"], type);
  EXPECT_EQ(body["location"], "westus");
}

// Emulator options with these command-line arguments.
inline EmulatorOptions WithArgs(std::vector<std::string> args) {
  EmulatorOptions options;
  options.extra_args = std::move(args);
  return options;
}

// Fixture: one emulator per test, a token, and shortcuts for common calls.
class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWith({}); }

  void StartWith(const EmulatorOptions& options) {
    emulator_ = EmulatorProcess::Start(options);
    ASSERT_NE(emulator_, nullptr);
    token_ = keyward::testing::GetToken(*emulator_);
    ASSERT_FALSE(token_.empty());
  }

  HttpsResult Call(const std::string& method, const std::string& path_and_query,
                   const json& body = nullptr) {
    return ArmRequest(*emulator_, token_, method, path_and_query, body);
  }

  void CreateRg(const std::string& rg, const std::string& sub = keyward::testing::kSubscriptionId) {
    auto r = Call("PUT", RgPath(rg, sub) + "?" + kRgApi, {{"location", "westus"}});
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
  }

  HttpsResult PutVault(const std::string& rg, const std::string& name, const json& body,
                       const std::string& sub = keyward::testing::kSubscriptionId) {
    return Call("PUT", VaultPath(rg, name, sub) + "?" + kKv, body);
  }

  // An authorized GET of an absolute URL (Location, nextLink).
  HttpsResult GetUrl(const std::string& url) {
    return keyward::testing::HttpsRequest("GET", url, {{"Authorization", "Bearer " + token_}}, "",
                                          emulator_->ca_file());
  }

  // Follows a Location URL until it stops answering 202 (bounded); counts the 202s.
  HttpsResult PollLocation(const std::string& url, int* polls_202 = nullptr) {
    for (int i = 0; i < 100; ++i) {
      auto r = GetUrl(url);
      if (r.status != 202) return r;
      if (polls_202 != nullptr) ++*polls_202;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  // After a DELETE of `live_path`: it is gone (GET 404, DELETE again 204) and the deleted record
  // at `deleted_path` shows what vaults and HSMs both show: its `type`, the live id under
  // `id_field`, location westus and the live resource's tags. Returns the record for the kind's
  // own checks (null when its GET failed).
  json ExpectSoftDeleted(const std::string& live_path, const std::string& deleted_path,
                         const std::string& type, const std::string& id_field, const json& tags) {
    EXPECT_EQ(Call("GET", live_path + "?" + kKv).status, 404);
    EXPECT_EQ(Call("DELETE", live_path + "?" + kKv).status, 204);
    auto deleted = Call("GET", deleted_path + "?" + kKv);
    EXPECT_EQ(deleted.status, 200) << deleted.body;
    if (deleted.status != 200) return nullptr;
    json d = deleted.Json();
    EXPECT_EQ(d["type"], type);
    EXPECT_EQ(d["properties"][id_field], live_path);
    EXPECT_EQ(d["properties"]["location"], "westus");
    EXPECT_EQ(d["properties"]["tags"], tags);
    return d;
  }

  // A purge-protected deleted record: shown as protected, and purge refused with 409.
  void ExpectPurgeRefused(const std::string& deleted_path) {
    auto deleted = Call("GET", deleted_path + "?" + kKv);
    EXPECT_EQ(deleted.Json()["properties"]["purgeProtectionEnabled"], true) << deleted.body;
    auto purge = Call("POST", deleted_path + "/purge?" + kKv);
    EXPECT_EQ(purge.status, 409);
    EXPECT_EQ(purge.Json()["error"]["code"], "PurgeProtectionEnabled");
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::string token_;
};

// Fixture: resource group rg1 holding one standard vault, for what lives under a vault.
class VaultFixture : public EmulatorTest {
 protected:
  explicit VaultFixture(std::string vault) : vault_(std::move(vault)) {}
  void SetUp() override {
    EmulatorTest::SetUp();
    CreateRg("rg1");
    auto r = PutVault("rg1", vault_, VaultBody());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  const std::string vault_;
};

// Fixture: short LROs (`lro_seconds`) and resource group rg1, for managed HSM scenarios.
class HsmFixture : public EmulatorTest {
 protected:
  explicit HsmFixture(double lro_seconds) : lro_seconds_(lro_seconds) {}
  void SetUp() override {
    StartWith({.lro_seconds = lro_seconds_});
    CreateRg("rg1");
  }

  const double lro_seconds_;
};

}  // namespace keyward::emulator::test
