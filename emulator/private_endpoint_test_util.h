// Helpers shared by the private endpoint (network_test.cc) and private endpoint connection
// (private_endpoint_connections_test.cc) scenarios. Test-only header.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {

inline constexpr char kNetApi[] = "api-version=2023-11-01";

inline std::string EndpointPath(const std::string& rg, const std::string& name) {
  return "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) + "/resourceGroups/" +
         rg + "/providers/Microsoft.Network/privateEndpoints/" + name;
}

// A private endpoint body linking `target_id`; manual => Pending on the target, else Approved.
inline json EndpointBody(const std::string& target_id, bool manual,
                         const std::string& group = "vault") {
  json connection = {{"name", "conn"},
                     {"properties",
                      {{"privateLinkServiceId", target_id},
                       {"groupIds", {group}},
                       {"requestMessage", "please approve"}}}};
  return {{"location", "westus"},
          {"properties",
           {{"subnet",
             {{"id", "/subscriptions/" + std::string(keyward::testing::kSubscriptionId) +
                         "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet/"
                         "subnets/default"}}},
            {manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections",
             json::array({connection})}}}};
}

// Fixture: rg1 with vault kv1, the usual private link target.
class PrivateEndpointFixture : public VaultFixture {
 protected:
  PrivateEndpointFixture() : VaultFixture("kv1") {}

  HttpsResult PutEndpoint(const std::string& name, const std::string& target_id, bool manual,
                          const std::string& group = "vault") {
    return Call("PUT", EndpointPath("rg1", name) + "?" + kNetApi,
                EndpointBody(target_id, manual, group));
  }

  // The connections listed on a vault or HSM.
  json Connections(const std::string& parent_path) {
    auto r = Call("GET", parent_path + "/privateEndpointConnections?" + kKv);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json()["value"];
  }

  // Creates a managed HSM and waits until it is ready; false when the HSM family is not there.
  bool CreateHsm(const std::string& name) {
    json body = {{"location", "westus"},
                 {"sku", {{"name", "Standard_B1"}}},  // family derived from the name
                 {"properties",
                  {{"tenantId", keyward::testing::kTenantId},
                   {"initialAdminObjectIds", {keyward::testing::kObjectId}},
                   {"enableSoftDelete", true},
                   {"softDeleteRetentionInDays", 90}}}};
    auto r = Call("PUT", HsmPath("rg1", name) + "?" + kKv, body);
    if (r.status == 404) return false;
    EXPECT_TRUE(r.status == 200 || r.status == 201 || r.status == 202) << r.status << r.body;
    if (r.status == 202 && r.HasHeader("Location")) PollLocation(r.Header("Location"));
    for (int i = 0; i < 100; ++i) {
      auto got = Call("GET", HsmPath("rg1", name) + "?" + kKv);
      if (got.status == 200 &&
          got.Json()["properties"].value("provisioningState", "") == "Succeeded") {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "managed HSM " << name << " never became Succeeded";
    return false;
  }
};

}  // namespace keyward::emulator::test
