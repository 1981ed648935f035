// The minimal Microsoft.Network surface (private endpoints) against the real binary.
#include <gtest/gtest.h>

#include "emulator/private_endpoint_test_util.h"

namespace keyward::emulator::test {
namespace {

class NetworkTest : public PrivateEndpointFixture {};

TEST_F(NetworkTest, PrivateEndpointPutGetDeleteWithNetworkShapes) {
  auto r = PutEndpoint("pe1", VaultPath("rg1", "kv1"), true);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.HasHeader("x-ms-keyvault-service-version"));
  json pe = r.Json();
  ExpectResource(pe, EndpointPath("rg1", "pe1"), "pe1", "Microsoft.Network/privateEndpoints");
  EXPECT_FALSE(pe["etag"].get<std::string>().empty());
  EXPECT_EQ(pe["properties"]["provisioningState"], "Succeeded");
  EXPECT_TRUE(pe["properties"]["subnet"]["id"].is_string());
  EXPECT_EQ(pe["properties"]["privateLinkServiceConnections"], json::array());
  ASSERT_EQ(pe["properties"]["manualPrivateLinkServiceConnections"].size(), 1u);
  json c = pe["properties"]["manualPrivateLinkServiceConnections"][0];
  EXPECT_EQ(c["name"], "conn");
  EXPECT_EQ(c["properties"]["privateLinkServiceId"], VaultPath("rg1", "kv1"));
  EXPECT_EQ(c["properties"]["groupIds"], json({"vault"}));
  EXPECT_EQ(c["properties"]["requestMessage"], "please approve");
  EXPECT_EQ(c["properties"]["privateLinkServiceConnectionState"]["status"], "Pending");
  EXPECT_FALSE(pe.contains("_internal"));

  auto got = Call("GET", EndpointPath("rg1", "pe1") + "?" + kNetApi);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Json()["properties"]["resourceGuid"], pe["properties"]["resourceGuid"]);

  // Re-PUT with the same link keeps the connection (and its state).
  auto again = PutEndpoint("pe1", VaultPath("rg1", "kv1"), true);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Connections(VaultPath("rg1", "kv1")).size(), 1u);

  EXPECT_EQ(Call("DELETE", EndpointPath("rg1", "pe1") + "?" + kNetApi).status, 200);
  auto missing = Call("GET", EndpointPath("rg1", "pe1") + "?" + kNetApi);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["error"]["code"], "ResourceNotFound");
  EXPECT_EQ(Call("DELETE", EndpointPath("rg1", "pe1") + "?" + kNetApi).status, 204);
}

TEST_F(NetworkTest, ApiVersionsAreNetworkOnes) {
  for (const char* version :
       {"2023-09-01", "2023-11-01", "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01"}) {
    auto r = Call("GET", EndpointPath("rg1", "none") + "?api-version=" + version);
    EXPECT_EQ(r.status, 404) << version;
  }
  for (const char* version : {"2024-11-01", "2022-01-01"}) {
    auto r = Call("GET", EndpointPath("rg1", "none") + "?api-version=" + version);
    EXPECT_EQ(r.status, 400) << version;
    EXPECT_EQ(r.Json()["error"]["code"], "InvalidApiVersionParameter");
  }
  EXPECT_EQ(Call("GET", EndpointPath("rg-missing", "pe") + "?" + kNetApi).Json()["error"]["code"],
            "ResourceGroupNotFound");
}

TEST_F(NetworkTest, PutValidatesTheLink) {
  auto missing = PutEndpoint("pe1", VaultPath("rg1", "no-such-vault"), true);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["error"]["code"], "ResourceNotFound");
  auto bad_id = PutEndpoint("pe1", "/subscriptions/x/whatever", true);
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(bad_id.Json()["error"]["code"], "InvalidPrivateLinkServiceId");
  auto bad_group = PutEndpoint("pe1", VaultPath("rg1", "kv1"), true, "blob");
  EXPECT_EQ(bad_group.status, 400);
  EXPECT_EQ(bad_group.Json()["error"]["code"], "InvalidPrivateLinkServiceGroupId");
  json no_location = EndpointBody(VaultPath("rg1", "kv1"), true);
  no_location.erase("location");
  EXPECT_EQ(Call("PUT", EndpointPath("rg1", "pe1") + "?" + kNetApi, no_location).status, 400);
  json none = {{"location", "westus"}, {"properties", json::object()}};
  auto empty = Call("PUT", EndpointPath("rg1", "pe1") + "?" + kNetApi, none);
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.Json()["error"]["code"], "InvalidPrivateEndpointConnectionCount");
  EXPECT_EQ(Call("GET", EndpointPath("rg1", "pe1") + "?" + kNetApi).status, 404);
  EXPECT_TRUE(Connections(VaultPath("rg1", "kv1")).empty()) << "failed PUTs create nothing";
}

TEST_F(NetworkTest, RetargetingAnEndpointDisconnectsTheOldLink) {
  ASSERT_EQ(PutVault("rg1", "kv2", VaultBody()).status, 200);
  ASSERT_EQ(PutEndpoint("pe1", VaultPath("rg1", "kv1"), false).status, 201);
  ASSERT_EQ(PutEndpoint("pe1", VaultPath("rg1", "kv2"), false).status, 200);
  json old_list = Connections(VaultPath("rg1", "kv1"));
  ASSERT_EQ(old_list.size(), 1u);
  EXPECT_EQ(old_list[0]["properties"]["privateLinkServiceConnectionState"]["status"],
            "Disconnected");
  json new_list = Connections(VaultPath("rg1", "kv2"));
  ASSERT_EQ(new_list.size(), 1u);
  EXPECT_EQ(new_list[0]["properties"]["privateLinkServiceConnectionState"]["status"], "Approved");
}

TEST_F(NetworkTest, DeletingTheEndpointsResourceGroupDisconnects) {
  CreateRg("rg-net");
  json body = EndpointBody(VaultPath("rg1", "kv1"), false);
  ASSERT_EQ(Call("PUT", EndpointPath("rg-net", "pe1") + "?" + kNetApi, body).status, 201);
  auto del = Call("DELETE", RgPath("rg-net") + "?" + kRgApi);
  ASSERT_EQ(del.status, 202) << del.body;
  PollLocation(del.Header("Location"));
  json list = Connections(VaultPath("rg1", "kv1"));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["properties"]["privateLinkServiceConnectionState"]["status"], "Disconnected");
}

}  // namespace
}  // namespace keyward::emulator::test
