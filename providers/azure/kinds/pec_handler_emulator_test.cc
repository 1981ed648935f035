// The PrivateEndpointConnection and MhsmPrivateEndpointConnection kinds against the real
// keyward-arm-emulator over HTTPS. Connections come into being only through Microsoft.Network, so
// each scenario creates private endpoints with the emulator's privateEndpoints PUT first, then
// drives refresh / plan / apply the way the engine does.
#include <gtest/gtest.h>

#include "engine/apply.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/emulator_client_test_util.h"
#include "providers/azure/kinds/pec_handler.h"
#include "providers/azure/kinds/pec_model.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

constexpr char kNetworkApiVersion[] = "2023-11-01";

class PecHandlerEmulatorTest : public EmulatorHandlerTest {
 protected:
  PecHandlerEmulatorTest() : EmulatorHandlerTest("pec-test") {}
  void SetUpTest() override { RegisterAzureHandlers(registry_, client()); }

  std::string GroupId(const std::string& group) const {
    return "/subscriptions/" + std::string(kt::kSubscriptionId) + "/resourceGroups/" + group;
  }
  std::string EndpointId(const std::string& group, const std::string& name) const {
    return GroupId(group) + "/providers/Microsoft.Network/privateEndpoints/" + name;
  }

  void AddConnection(const PecKind& kind, const std::string& name, const std::string& group,
                     const std::string& parent, const std::string& endpoint, Json extra) {
    Json spec = {{kind.parent_field, parent}, {"privateEndpointId", endpoint}};
    spec.update(extra);
    Add(kind.kind, name, std::move(spec), group);
  }

  // A Microsoft.Network private endpoint to `target`: manual => Pending, else auto-approved.
  void CreateEndpoint(const std::string& group, const std::string& name, const std::string& target,
                      const std::string& group_id, bool manual) {
    const char* list =
        manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections";
    Json body = {{"location", "westeurope"},
                 {"properties",
                  {{"subnet",
                    {{"id", GroupId(group) +
                                "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/s"}}},
                   {list, Json::array({{{"name", "conn"},
                                        {"properties",
                                         {{"privateLinkServiceId", target},
                                          {"groupIds", Json::array({group_id})},
                                          {"requestMessage", "please approve " + name}}}}})}}}};
    auto put =
        client()->Put(WithApiVersion(EndpointId(group, name), kNetworkApiVersion), body, ctx_);
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
  }

  void DeleteEndpoint(const std::string& group, const std::string& name) {
    auto deleted =
        client()->Delete(WithApiVersion(EndpointId(group, name), kNetworkApiVersion), ctx_);
    ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  }

  static const Change& At(const engine::Plan& plan, const std::string& address) {
    const Change* c = plan.Find(address);
    EXPECT_NE(c, nullptr) << address << "\n" << plan.Dump();
    static const Change kMissing;
    return c ? *c : kMissing;
  }
};

TEST_F(PecHandlerEmulatorTest, ApprovesAndRejectsThenReportsDriftAndDisconnection) {
  const std::string group = "rg-pec-" + suffix_;
  const std::string vault = "kv-pec-" + suffix_;
  AddGroupAndVault(group, vault);
  const std::string app_endpoint = EndpointId(group, "pe-app");
  const std::string batch_endpoint = EndpointId(group, "pe-batch");
  AddConnection(kVaultPecKind, "app", group, vault, app_endpoint,
                {{"status", "Approved"}, {"description", "app tier"}});
  // Upper-cased on purpose: ARM ids compare case-insensitively.
  std::string shouting = batch_endpoint;
  for (char& ch : shouting) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  AddConnection(kVaultPecKind, "batch", group, vault, shouting,
                {{"status", "Rejected"}, {"description", "batch must not reach this vault"}});
  const std::string app = "PrivateEndpointConnection/" + vault + "/app";
  const std::string batch = "PrivateEndpointConnection/" + vault + "/batch";

  // Before the endpoints exist: the vault is created, the connections wait (not an error).
  engine::Plan plan = PlanAll();
  EXPECT_EQ(At(plan, app).action, Action::kBlocked);
  EXPECT_EQ(At(plan, app).reason_code, "waiting_for_private_endpoint");
  EXPECT_NE(At(plan, app).reason.find(app_endpoint), std::string::npos);
  EXPECT_EQ(At(plan, batch).reason_code, "waiting_for_private_endpoint");
  ExpectApplied(ApplyAll(plan));

  const std::string vault_id = VaultArmId(kt::kSubscriptionId, group, vault);
  CreateEndpoint(group, "pe-app", vault_id, "vault", /*manual=*/true);     // Pending
  CreateEndpoint(group, "pe-batch", vault_id, "vault", /*manual=*/false);  // auto-approved

  // The connections come from the vault list's properties.privateEndpointConnections: no
  // connection list or GET per connection.
  Json before = Stats();
  plan = PlanAll();
  Json after = Stats();
  for (const char* op :
       {"PrivateEndpointConnections_ListByResource", "PrivateEndpointConnections_Get"})
    EXPECT_EQ(Served(before, after, op), 0) << op;
  ASSERT_EQ(At(plan, app).action, Action::kUpdate) << plan.Dump();
  EXPECT_EQ(At(plan, app).reason_code, "approve");
  ASSERT_EQ(At(plan, batch).action, Action::kUpdate) << plan.Dump();
  EXPECT_EQ(At(plan, batch).reason_code, "reject");
  EXPECT_NE(At(plan, app).arm_id.find(vault_id + "/privateEndpointConnections/pe-app."),
            std::string::npos);
  auto report = ApplyAll(plan);
  ExpectApplied(report);
  EXPECT_EQ(report.Find(app)->outcome.status, engine::ChangeStatus::kSucceeded);
  EXPECT_EQ(report.Find(batch)->outcome.status, engine::ChangeStatus::kSucceeded);

  // Converged: everything is a no-op.
  plan = PlanAll();
  EXPECT_FALSE(plan.HasChanges()) << plan.Dump();
  const std::string app_id = At(plan, app).arm_id;
  auto live = client()->Get(WithApiVersion(app_id, kKeyVaultApiVersion), ctx_);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->body["properties"]["privateLinkServiceConnectionState"]["status"], "Approved");
  EXPECT_EQ(live->body["properties"]["privateLinkServiceConnectionState"]["description"],
            "app tier");

  // Someone edits the app connection by hand: drift on exactly that address.
  auto edited =
      client()->Put(WithApiVersion(app_id, kKeyVaultApiVersion),
                    Json{{"properties",
                          {{"privateLinkServiceConnectionState",
                            {{"status", "Approved"}, {"description", "changed in the portal"}}}}}},
                    ctx_);
  ASSERT_TRUE(edited.has_value()) << edited.error().ToString();
  plan = PlanAll();
  ASSERT_EQ(At(plan, app).action, Action::kUpdate) << plan.Dump();
  EXPECT_EQ(At(plan, app).reason_code, "drift");
  ASSERT_EQ(At(plan, app).field_changes.size(), 1u);
  EXPECT_EQ(At(plan, app).field_changes[0].path,
            "properties.privateLinkServiceConnectionState.description");
  EXPECT_EQ(At(plan, app).field_changes[0].before, "changed in the portal");
  for (const Change& c : plan.changes) {
    if (c.address != app) {
      EXPECT_EQ(c.action, Action::kNoOp) << c.address;
    }
  }
  ExpectApplied(ApplyAll(plan));
  EXPECT_FALSE(PlanAll().HasChanges());

  // The app's endpoint is deleted: its connection turns Disconnected, which keyward cannot undo.
  DeleteEndpoint(group, "pe-app");
  plan = PlanAll();
  EXPECT_EQ(At(plan, app).action, Action::kUnsupported) << plan.Dump();
  EXPECT_EQ(At(plan, app).reason_code, "connection_disconnected");
  EXPECT_EQ(At(plan, batch).action, Action::kNoOp);
  EXPECT_TRUE(ApplyAll(plan).ok());  // unsupported is reported, not executed

  // Microsoft.Network makes a new connection for the recreated endpoint; that one is matched.
  CreateEndpoint(group, "pe-app", vault_id, "vault", /*manual=*/true);
  plan = PlanAll();
  ASSERT_EQ(At(plan, app).action, Action::kUpdate) << plan.Dump();
  EXPECT_EQ(At(plan, app).reason_code, "approve");
  EXPECT_NE(At(plan, app).arm_id, app_id);
  ExpectApplied(ApplyAll(plan));
  EXPECT_FALSE(PlanAll().HasChanges());
}

TEST_F(PecHandlerEmulatorTest, RejectedConnectionCannotBeApprovedAgain) {
  const std::string group = "rg-rej-" + suffix_;
  const std::string vault = "kv-rej-" + suffix_;
  AddGroupAndVault(group, vault);
  AddConnection(kVaultPecKind, "app", group, vault, EndpointId(group, "pe-app"),
                {{"status", "Rejected"}});
  ExpectApplied(ApplyAll(PlanAll()));
  CreateEndpoint(group, "pe-app", VaultArmId(kt::kSubscriptionId, group, vault), "vault", false);
  engine::Plan plan = PlanAll();
  const std::string app = "PrivateEndpointConnection/" + vault + "/app";
  ASSERT_EQ(At(plan, app).reason_code, "reject");
  ExpectApplied(ApplyAll(plan));

  set_.resources.back().spec["status"] = "Approved";
  plan = PlanAll();
  EXPECT_EQ(At(plan, app).action, Action::kUnsupported);
  EXPECT_EQ(At(plan, app).reason_code, "rejected_is_final");
}

// A managed HSM keyward does not manage here (created directly, as the ManagedHsm kind may not
// be registered): its connections are listed once per HSM, and a stale plan is refused by etag.
TEST_F(PecHandlerEmulatorTest, ManagedHsmConnectionsAreListedAndStalePlansRefused) {
  const std::string group = "rg-hsm-" + suffix_;
  const std::string hsm = "hsm-pec-" + suffix_;
  Add("ResourceGroup", group, {{"location", "westeurope"}});
  ExpectApplied(ApplyAll(PlanAll()));

  const std::string hsm_id = GroupId(group) + "/providers/Microsoft.KeyVault/managedHSMs/" + hsm;
  auto created =
      client()->SendAndWait(HttpMethod::kPut, WithApiVersion(hsm_id, kKeyVaultApiVersion),
                            Json{{"location", "westeurope"},
                                 {"sku", {{"family", "B"}, {"name", "Standard_B1"}}},
                                 {"properties",
                                  {{"tenantId", kt::kTenantId},
                                   {"initialAdminObjectIds", Json::array({kt::kObjectId})},
                                   {"enablePurgeProtection", false}}}},
                            ctx_);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  CreateEndpoint(group, "pe-hsm", hsm_id, "managedhsm", /*manual=*/true);

  AddConnection(kHsmPecKind, "app", group, hsm_id, EndpointId(group, "pe-hsm"),
                {{"status", "Approved"}});
  const std::string app = "MhsmPrivateEndpointConnection/" + hsm + "/app";
  Json before = Stats();
  engine::Plan plan = PlanAll();
  Json after = Stats();
  EXPECT_EQ(Served(before, after, "MHSMPrivateEndpointConnections_ListByResource"), 1);
  ASSERT_EQ(At(plan, app).action, Action::kUpdate) << plan.Dump();
  EXPECT_EQ(At(plan, app).reason_code, "approve");
  ExpectApplied(ApplyAll(plan));
  EXPECT_FALSE(PlanAll().HasChanges());

  // Plan a description change, then let someone else change the connection first.
  set_.resources.back().spec["description"] = "approved by keyward";
  plan = PlanAll();
  const Change& change = At(plan, app);
  ASSERT_EQ(change.action, Action::kUpdate);
  auto edited = client()->Put(WithApiVersion(change.arm_id, kKeyVaultApiVersion),
                              Json{{"properties",
                                    {{"privateLinkServiceConnectionState",
                                      {{"status", "Approved"}, {"description", "someone else"}}}}}},
                              ctx_);
  ASSERT_TRUE(edited.has_value()) << edited.error().ToString();
  PecHandler handler(client(), kHsmPecKind);
  engine::ApplyRequest request{&change, &set_.resources.back()};
  auto applied = handler.Apply(request, ctx_);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kAborted);
  EXPECT_NE(applied.error().message.find("changed since the plan was made"), std::string::npos)
      << applied.error().message;
  auto live = client()->Get(WithApiVersion(change.arm_id, kKeyVaultApiVersion), ctx_);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->body["properties"]["privateLinkServiceConnectionState"]["description"],
            "someone else");

  // A fresh plan converges.
  ExpectApplied(ApplyAll(PlanAll()));
  EXPECT_FALSE(PlanAll().HasChanges());
}

// Refresh order is registration order: connections read their parents' live objects.
TEST(PecHandlersRegistrationTest, ConnectionKindsComeAfterTheirParents) {
  ASSERT_GE(AzureRefreshPosition("PrivateEndpointConnection"), 0);
  ASSERT_GE(AzureRefreshPosition("MhsmPrivateEndpointConnection"), 0);
  EXPECT_GT(AzureRefreshPosition("PrivateEndpointConnection"), AzureRefreshPosition("Vault"));
  EXPECT_GT(AzureRefreshPosition("MhsmPrivateEndpointConnection"),
            AzureRefreshPosition("ManagedHsm"));  // -1 until it lands
}

}  // namespace
}  // namespace keyward::azure
