// Private endpoint connections on vaults and managed HSMs, driven through Microsoft.Network private
// endpoints, against the real binary (ARM-NOTES §1.7, §5.6).
#include <gtest/gtest.h>

#include "emulator/private_endpoint_test_util.h"

namespace keyward::emulator::test {
namespace {

class PrivateEndpointConnectionsTest : public PrivateEndpointFixture {
 protected:
  std::string Vault() { return VaultPath("rg1", "kv1"); }
  std::string Pec(const std::string& name) {
    return Vault() + "/privateEndpointConnections/" + name;
  }
  // Creates an endpoint to kv1 and returns the name of the connection it created.
  std::string Connect(const std::string& pe, bool manual) {
    auto r = PutEndpoint(pe, Vault(), manual);
    EXPECT_EQ(r.status, 201) << r.body;
    for (const auto& c : Connections(Vault())) {
      if (c["properties"]["privateEndpoint"]["id"] == EndpointPath("rg1", pe)) return c["name"];
    }
    ADD_FAILURE() << "no connection for " << pe;
    return "";
  }
  HttpsResult SetStatus(const std::string& pec, const std::string& status,
                        const std::string& if_match = "") {
    json body = {{"properties",
                  {{"privateLinkServiceConnectionState",
                    {{"status", status}, {"description", "by the owner"}}}}}};
    keyward::testing::Headers headers;
    if (!if_match.empty()) headers.emplace_back("If-Match", if_match);
    return keyward::testing::ArmRequest(*emulator_, token_, "PUT", Pec(pec) + "?" + kKv, body,
                                        headers);
  }
  // The connection body `pec` is in `status` with `description`, and endpoint `pe` shows the same
  // status on its manual or automatic link connection.
  void ExpectState(json pec, const std::string& pe, bool manual, const std::string& status,
                   const std::string& description) {
    EXPECT_EQ(
        pec["properties"]["privateLinkServiceConnectionState"],
        json({{"status", status}, {"description", description}, {"actionsRequired", "None"}}));
    auto endpoint = Call("GET", EndpointPath("rg1", pe) + "?" + kNetApi).Json();
    EXPECT_EQ(endpoint["properties"][manual ? "manualPrivateLinkServiceConnections"
                                            : "privateLinkServiceConnections"][0]["properties"]
                      ["privateLinkServiceConnectionState"]["status"],
              status);
  }
};

TEST_F(PrivateEndpointConnectionsTest, ManualEndpointCreatesPendingConnectionOnVault) {
  std::string name = Connect("pe-manual", true);
  ASSERT_FALSE(name.empty());
  EXPECT_EQ(name.rfind("pe-manual.", 0), 0u) << "named {endpoint}.{guid} like Azure: " << name;
  auto r = Call("GET", Pec(name) + "?" + kKv);
  ASSERT_EQ(r.status, 200) << r.body;
  json pec = r.Json();
  EXPECT_EQ(pec["id"], Pec(name));
  EXPECT_EQ(pec["type"], "Microsoft.KeyVault/vaults/privateEndpointConnections");
  EXPECT_FALSE(pec["etag"].get<std::string>().empty());
  EXPECT_EQ(pec["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(pec["properties"]["privateEndpoint"]["id"], EndpointPath("rg1", "pe-manual"));
  EXPECT_FALSE(pec.contains("_internal"));
  ExpectState(pec, "pe-manual", true, "Pending", "please approve");
}

TEST_F(PrivateEndpointConnectionsTest, ApproveChangesStatusAndEtagEverywhere) {
  std::string name = Connect("pe1", true);
  std::string etag = Call("GET", Pec(name) + "?" + kKv).Json()["etag"];
  auto r = SetStatus(name, "approved");
  ASSERT_EQ(r.status, 200) << r.body;
  json pec = r.Json();
  EXPECT_EQ(pec["properties"]["privateLinkServiceConnectionState"]["status"], "Approved");
  EXPECT_EQ(pec["properties"]["privateLinkServiceConnectionState"]["description"], "by the owner");
  EXPECT_EQ(pec["properties"]["privateLinkServiceConnectionState"]["actionsRequired"], "None");
  EXPECT_NE(pec["etag"], etag) << "the etag changes on every state change";
  // The endpoint and the vault body show the new state.
  auto pe = Call("GET", EndpointPath("rg1", "pe1") + "?" + kNetApi).Json();
  EXPECT_EQ(pe["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]
              ["privateLinkServiceConnectionState"]["status"],
            "Approved");
  json vault = Call("GET", Vault() + "?" + kKv).Json();
  ASSERT_EQ(vault["properties"]["privateEndpointConnections"].size(), 1u) << vault.dump();
  json summary = vault["properties"]["privateEndpointConnections"][0];
  EXPECT_EQ(summary["id"], Pec(name));
  EXPECT_EQ(summary["etag"], pec["etag"]);
  EXPECT_EQ(summary["properties"]["privateLinkServiceConnectionState"]["status"], "Approved");
  EXPECT_FALSE(summary.contains("name"));
  // An unchanged PUT keeps the etag.
  EXPECT_EQ(SetStatus(name, "Approved").Json()["etag"], pec["etag"]);
  // A vault update keeps the read-only list.
  ASSERT_EQ(PutVault("rg1", "kv1", VaultBody()).status, 200);
  EXPECT_EQ(
      Call("GET", Vault() + "?" + kKv).Json()["properties"]["privateEndpointConnections"].size(),
      1u);
}

TEST_F(PrivateEndpointConnectionsTest, IfMatchAndBodyEtagAreHonoured) {
  std::string name = Connect("pe1", true);
  std::string etag = Call("GET", Pec(name) + "?" + kKv).Json()["etag"];
  auto stale = SetStatus(name, "Approved", "W/\"00000000-0000-0000-0000-000000000000\"");
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(stale.Json()["error"]["code"], "PreconditionFailed");
  json body = {{"etag", "\"stale\""},
               {"properties", {{"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}};
  EXPECT_EQ(Call("PUT", Pec(name) + "?" + kKv, body).status, 412);
  body["etag"] = "";  // putPrivateEndpointConnection.json sends an empty etag: no condition
  EXPECT_EQ(Call("PUT", Pec(name) + "?" + kKv, body).status, 200);
  EXPECT_EQ(Call("GET", Pec(name) + "?" + kKv)
                .Json()["properties"]["privateLinkServiceConnectionState"]["status"],
            "Approved");
  std::string current = Call("GET", Pec(name) + "?" + kKv).Json()["etag"];
  EXPECT_NE(current, etag);
  EXPECT_EQ(SetStatus(name, "Rejected", etag).status, 412) << "the old etag is stale now";
  EXPECT_EQ(SetStatus(name, "Rejected", current).status, 200);
  EXPECT_EQ(SetStatus(name, "Rejected", "*").status, 200);
}

TEST_F(PrivateEndpointConnectionsTest, AutoApprovedEndpointGivesApprovedConnection) {
  std::string name = Connect("pe-auto", false);
  ExpectState(Call("GET", Pec(name) + "?" + kKv).Json(), "pe-auto", false, "Approved",
              "Auto-Approved");
}

TEST_F(PrivateEndpointConnectionsTest, StatusTransitionsFollowTheOwnerWorkflow) {
  std::string name = Connect("pe1", true);
  EXPECT_EQ(SetStatus(name, "Rejected").status, 200);
  auto back = SetStatus(name, "Approved");
  EXPECT_EQ(back.status, 400) << "Rejected is final";
  EXPECT_EQ(back.Json()["error"]["code"], "PrivateEndpointConnectionStatusChangeNotAllowed");
  EXPECT_EQ(SetStatus(name, "Pending").status, 400);
  EXPECT_EQ(SetStatus(name, "Bogus").status, 400);
  EXPECT_EQ(Call("PUT", Pec(name) + "?" + kKv, {{"properties", json::object()}}).status, 400);
  std::string other = Connect("pe2", true);
  EXPECT_EQ(SetStatus(other, "Approved").status, 200);
  EXPECT_EQ(SetStatus(other, "Pending").status, 400);
  EXPECT_EQ(SetStatus(other, "Rejected").status, 200);
  // PUT never creates: connections come from Microsoft.Network.
  EXPECT_EQ(SetStatus("nope", "Approved").status, 404);
}

TEST_F(PrivateEndpointConnectionsTest, DeletingTheEndpointDisconnectsTheConnection) {
  std::string name = Connect("pe1", false);
  std::string etag = Call("GET", Pec(name) + "?" + kKv).Json()["etag"];
  ASSERT_EQ(Call("DELETE", EndpointPath("rg1", "pe1") + "?" + kNetApi).status, 200);
  auto r = Call("GET", Pec(name) + "?" + kKv);
  ASSERT_EQ(r.status, 200) << "the connection stays until the owner deletes it";
  EXPECT_EQ(r.Json()["properties"]["privateLinkServiceConnectionState"]["status"], "Disconnected");
  EXPECT_NE(r.Json()["etag"], etag);
  EXPECT_EQ(Connections(Vault()).size(), 1u);
  EXPECT_EQ(SetStatus(name, "Approved").status, 400);
  json vault = Call("GET", Vault() + "?" + kKv).Json();
  EXPECT_EQ(vault["properties"]["privateEndpointConnections"][0]["properties"]
                 ["privateLinkServiceConnectionState"]["status"],
            "Disconnected");
}

TEST_F(PrivateEndpointConnectionsTest, DeleteIsALocationLroOnTheConnectionUrl) {
  // What this test checks while the delete runs takes a few requests; under ASan on a busy
  // machine they outlasted the fixture's 0.2 s operation, so its own emulator runs 3 s ones.
  StartWith({.lro_seconds = 3});
  CreateRg("rg1");
  ASSERT_EQ(PutVault("rg1", "kv1", VaultBody()).status, 200);
  std::string name = Connect("pe1", true);
  auto r = Call("DELETE", Pec(name) + "?" + kKv);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string location = r.Header("Location");
  EXPECT_NE(location.find("/privateEndpointConnections/" + name + "?"), std::string::npos)
      << location;
  EXPECT_NE(location.find("operationid="), std::string::npos) << location;
  EXPECT_TRUE(r.HasHeader("Retry-After"));
  // While it runs: Deleting, no further changes, a repeated DELETE answers the same operation.
  EXPECT_EQ(Call("GET", Pec(name) + "?" + kKv).Json()["properties"]["provisioningState"],
            "Deleting");
  EXPECT_EQ(SetStatus(name, "Approved").status, 409);
  EXPECT_EQ(Call("DELETE", Pec(name) + "?" + kKv).Header("Location"), location);
  int polls = 0;
  auto done = PollLocation(location, &polls);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_GE(polls, 1);
  json final_body = done.Json();
  EXPECT_EQ(final_body["id"], Pec(name));
  EXPECT_EQ(final_body["properties"]["privateLinkServiceConnectionState"]["status"],
            "Disconnected");
  EXPECT_FALSE(final_body["properties"].contains("provisioningState"))
      << "Go's Location poller would not stop on a non-terminal provisioningState";
  EXPECT_EQ(Call("GET", Pec(name) + "?" + kKv).status, 404);
  EXPECT_EQ(Call("DELETE", Pec(name) + "?" + kKv).status, 204);
  EXPECT_TRUE(Connections(Vault()).empty());
  EXPECT_FALSE(
      Call("GET", Vault() + "?" + kKv).Json()["properties"].contains("privateEndpointConnections"));
  // The endpoint shows the link as gone.
  auto pe = Call("GET", EndpointPath("rg1", "pe1") + "?" + kNetApi).Json();
  EXPECT_EQ(pe["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]
              ["privateLinkServiceConnectionState"]["status"],
            "Disconnected");
  // A foreign operation id is not accepted.
  EXPECT_EQ(GetUrl(emulator_->endpoint() + Pec(name) + "?" + kKv + "&operationid=bogus").status,
            404);
}

TEST_F(PrivateEndpointConnectionsTest, ListByResourceShowsEveryConnection) {
  EXPECT_TRUE(Connections(Vault()).empty());
  Connect("pe1", true);
  Connect("pe2", false);
  Connect("pe3", true);
  auto r = Call("GET", Vault() + "/privateEndpointConnections?" + kKv);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["value"].size(), 3u);
  EXPECT_FALSE(r.Json().contains("nextLink"));
  EXPECT_EQ(
      Call("GET", Vault() + "?" + kKv).Json()["properties"]["privateEndpointConnections"].size(),
      3u);
}

TEST_F(PrivateEndpointConnectionsTest, MissingConnectionOrParentIs404) {
  auto r = Call("GET", Pec("nope") + "?" + kKv);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "ResourceNotFound");
  EXPECT_EQ(Call("GET", VaultPath("rg1", "missing") + "/privateEndpointConnections?" + kKv).status,
            404);
  EXPECT_EQ(
      Call("DELETE", VaultPath("rg1", "missing") + "/privateEndpointConnections/x?" + kKv).status,
      404);
  EXPECT_EQ(Call("GET", Pec("nope") + "?api-version=2023-02-01").status, 400);
}

TEST_F(PrivateEndpointConnectionsTest, VaultSoftDeleteTakesItsConnectionsAlong) {
  std::string name = Connect("pe1", true);
  ASSERT_EQ(Call("DELETE", Vault() + "?" + kKv).status, 200);
  auto pe = Call("GET", EndpointPath("rg1", "pe1") + "?" + kNetApi).Json();
  EXPECT_EQ(pe["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]
              ["privateLinkServiceConnectionState"]["status"],
            "Disconnected");
}

TEST_F(PrivateEndpointConnectionsTest, ManagedHsmConnectionsLifecycle) {
  if (!CreateHsm("hsm1")) GTEST_SKIP() << "managed HSM family not registered yet";
  std::string hsm = HsmPath("rg1", "hsm1");
  ASSERT_EQ(PutEndpoint("pe-h", hsm, true, "vault").status, 400)
      << "HSMs take groupIds [managedhsm]";
  auto pe = PutEndpoint("pe-h", hsm, true, "managedhsm");
  ASSERT_EQ(pe.status, 201) << pe.body;
  json list = Connections(hsm);
  ASSERT_EQ(list.size(), 1u);
  std::string name = list[0]["name"];
  std::string pec = hsm + "/privateEndpointConnections/" + name;
  json got = Call("GET", pec + "?" + kKv).Json();
  EXPECT_EQ(got["type"], "Microsoft.KeyVault/managedHSMs/privateEndpointConnections");
  EXPECT_EQ(got["properties"]["privateLinkServiceConnectionState"]["status"], "Pending");
  json body = {{"properties", {{"privateLinkServiceConnectionState", {{"status", "Approved"}}}}}};
  auto approved = Call("PUT", pec + "?" + kKv, body);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_NE(approved.Json()["etag"], got["etag"]);
  json hsm_body = Call("GET", hsm + "?" + kKv).Json();
  EXPECT_EQ(hsm_body["properties"]["privateEndpointConnections"][0]["properties"]
                    ["privateLinkServiceConnectionState"]["status"],
            "Approved")
      << hsm_body.dump();
  auto del = Call("DELETE", pec + "?" + kKv);
  ASSERT_EQ(del.status, 202);
  EXPECT_EQ(PollLocation(del.Header("Location")).status, 200);
  EXPECT_EQ(Call("GET", pec + "?" + kKv).status, 404);
  EXPECT_TRUE(Connections(hsm).empty());
}

TEST_F(PrivateEndpointConnectionsTest, ManagedHsmPrivateLinkResources) {
  EXPECT_EQ(Call("GET", HsmPath("rg1", "missing") + "/privateLinkResources?" + kKv).status, 404);
  if (!CreateHsm("hsm2")) GTEST_SKIP() << "managed HSM family not registered yet";
  auto r = Call("GET", HsmPath("rg1", "hsm2") + "/privateLinkResources?" + kKv);
  ASSERT_EQ(r.status, 200) << r.body;
  json v = r.Json();
  EXPECT_FALSE(v.contains("nextLink"));
  ASSERT_EQ(v["value"].size(), 1u);
  EXPECT_EQ(v["value"][0]["id"], HsmPath("rg1", "hsm2") + "/privateLinkResources/managedhsm");
  EXPECT_EQ(v["value"][0]["name"], "managedhsm");
  EXPECT_EQ(v["value"][0]["properties"]["groupId"], "managedhsms");
  EXPECT_EQ(v["value"][0]["properties"]["requiredZoneNames"],
            json({"privatelink.managedhsm.azure.net"}));
}

}  // namespace
}  // namespace keyward::emulator::test
