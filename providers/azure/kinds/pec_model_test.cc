// Scenario tests of the private endpoint connection planning logic (pure: no ARM, no emulator).
#include "providers/azure/kinds/pec_model.h"

#include <gtest/gtest.h>

#include "engine/planner.h"
#include "providers/azure/kinds/change_test_util.h"
#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/pec_handler.h"

namespace keyward::azure::model_test {
namespace {

const std::string kRg = "rg-payments";
const std::string kVaultId =
    "/subscriptions/" + std::string(kSub) +
    "/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/payments-kv";
const std::string kEndpoint =
    "/subscriptions/" + std::string(kSub) +
    "/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-app";

// A connection of `kind` in kRg as the manifest loader reads it, before Resolve.
engine::DesiredResource Unresolved(Json spec, const std::string& name = "app",
                                   const PecKind& kind = kVaultPecKind) {
  engine::DesiredResource d;
  d.kind = kind.kind;
  d.name = name;
  d.subscription = kSub;
  d.resource_group = kRg;
  d.spec = std::move(spec);
  return d;
}

// The same, resolved without errors.
engine::DesiredResource Desired(Json spec, const std::string& name = "app",
                                const PecKind& kind = kVaultPecKind) {
  engine::DesiredResource d = Unresolved(std::move(spec), name, kind);
  engine::ResolveRequest request{&d, nullptr};
  const engine::ResolveResponse resolved = ResolvePec(kind, request);
  EXPECT_FALSE(resolved.diagnostics.HasErrors());
  d.address = resolved.address;
  d.arm_id = resolved.arm_id;
  return d;
}

Json Spec(const std::string& status, const std::string& endpoint = kEndpoint) {
  return Json{{"vault", "payments-kv"}, {"privateEndpointId", endpoint}, {"status", status}};
}

// A connection as the connection list (or GET) returns it.
Json LiveConnection(const std::string& status, const std::string& description = "please approve",
                    const std::string& endpoint = kEndpoint, const std::string& name = "pe-app.1") {
  return Json{
      {"id", kVaultId + "/privateEndpointConnections/" + name},
      {"name", name},
      {"type", "Microsoft.KeyVault/vaults/privateEndpointConnections"},
      {"etag", "W/\"etag-" + status + "\""},
      {"location", "westeurope"},
      {"properties",
       {{"provisioningState", "Succeeded"},
        {"privateEndpoint", {{"id", endpoint}}},
        {"privateLinkServiceConnectionState",
         {{"status", status}, {"description", description}, {"actionsRequired", "None"}}}}}};
}

engine::ObservedResource Observed(const engine::DesiredResource& d, Json live) {
  auto observed = ObservePecs(kVaultPecKind, "payments-kv", {std::move(live)}, {&d}, {d.address});
  EXPECT_EQ(observed.size(), 1u);
  return observed.at(0);
}

Change Plan(const engine::DesiredResource* d, const engine::ObservedResource* o) {
  engine::PlanChangeRequest request;
  request.desired = d;
  request.observed = o;
  return PlanPecChange(kVaultPecKind, request);
}

TEST(PecModelTest, ResolveGivesAddressByManifestNameAndNoArmId) {
  auto d = Desired(Spec("Approved"));
  EXPECT_EQ(d.address, "PrivateEndpointConnection/payments-kv/app");
  EXPECT_EQ(d.arm_id, "");
  engine::ResolveRequest request{&d, nullptr};
  auto resolved = ResolvePec(kVaultPecKind, request);
  ASSERT_EQ(resolved.references.size(), 1u);
  EXPECT_EQ(resolved.references[0].address, "Vault/payments-kv");
  EXPECT_TRUE(resolved.references[0].required);
  EXPECT_EQ(resolved.references[0].field, "spec.vault");
}

TEST(PecModelTest, ParentByFullIdIsAnOptionalReference) {
  Json spec = Spec("Approved");
  spec["vault"] = "/subscriptions/" + std::string(kSub) +
                  "/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/shared-kv/";
  auto d = Desired(spec);
  EXPECT_EQ(d.address, "PrivateEndpointConnection/shared-kv/app");
  std::string error;
  auto parent = PecParentOf(kVaultPecKind, d, &error);
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->id,
            "/subscriptions/" + std::string(kSub) +
                "/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/shared-kv");
  engine::ResolveRequest request{&d, nullptr};
  auto resolved = ResolvePec(kVaultPecKind, request);
  ASSERT_EQ(resolved.references.size(), 1u);
  EXPECT_FALSE(resolved.references[0].required);
}

TEST(PecModelTest, ManagedHsmKindUsesManagedHsmParent) {
  Json spec = {
      {"managedHsm", "payments-hsm"}, {"privateEndpointId", kEndpoint}, {"status", "Rejected"}};
  auto d = Desired(spec, "app", kHsmPecKind);
  EXPECT_EQ(d.address, "MhsmPrivateEndpointConnection/payments-hsm/app");
  std::string error;
  auto parent = PecParentOf(kHsmPecKind, d, &error);
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->id, "/subscriptions/" + std::string(kSub) +
                            "/resourceGroups/rg-payments/providers/Microsoft.KeyVault/managedHSMs/"
                            "payments-hsm");
  engine::ResolveRequest request{&d, nullptr};
  EXPECT_EQ(ResolvePec(kHsmPecKind, request).references.at(0).address, "ManagedHsm/payments-hsm");
}

TEST(PecModelTest, ResolveReportsABadParentAtItsLocation) {
  engine::DesiredResource d = Unresolved(
      {{"vault", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/h"},
       {"privateEndpointId",
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/"
        "networkInterfaces/nic"},
       {"status", "Pending"}});
  d.field_locations["spec.vault"] = {"pec.yaml", 5, 10};
  d.field_locations["spec.privateEndpointId"] = {"pec.yaml", 6, 22};
  d.field_locations["spec.status"] = {"pec.yaml", 7, 11};
  engine::ResolveRequest request{&d, nullptr};
  auto resolved = ResolvePec(kVaultPecKind, request);
  const auto& items = resolved.diagnostics.items();
  // privateEndpointId and status are the schema's to check (engine/schema_test.cc).
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].location.line, 5);
  EXPECT_NE(items[0].message.find("is not a vault ARM id"), std::string::npos) << items[0].message;
}

TEST(PecModelTest, ResolveRejectsAMissingParent) {
  engine::DesiredResource d =
      Unresolved({{"privateEndpointId", kEndpoint}, {"status", "Approved"}});
  engine::ResolveRequest request{&d, nullptr};
  auto resolved = ResolvePec(kVaultPecKind, request);
  ASSERT_TRUE(resolved.diagnostics.HasErrors());
  EXPECT_NE(resolved.diagnostics.items()[0].message.find("spec.vault is required"),
            std::string::npos);
}

TEST(PecModelTest, NoConnectionYetIsBlockedWaitingForThePrivateEndpoint) {
  auto d = Desired(Spec("Approved"));
  Change c = Plan(&d, nullptr);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "waiting_for_private_endpoint");
  EXPECT_NE(c.reason.find("waiting for private endpoint " + kEndpoint), std::string::npos);
  EXPECT_TRUE(c.before.is_null());
}

TEST(PecModelTest, WaitingReasonNamesAParentThatIsSoftDeletedOrNotCreatedYet) {
  engine::DesiredSet set;
  engine::DesiredResource vault;
  vault.kind = "Vault";
  vault.name = "payments-kv";
  vault.subscription = kSub;
  vault.address = "Vault/payments-kv";
  vault.arm_id = kVaultId;
  set.resources.push_back(vault);
  set.resources.push_back(Desired(Spec("Approved")));
  engine::ObservedSet observed;
  engine::PlanChangeRequest request;
  request.desired = &set.resources[1];
  request.desired_set = &set;
  request.observed_set = &observed;

  Change absent = PlanPecChange(kVaultPecKind, request);
  EXPECT_EQ(absent.reason_code, "waiting_for_private_endpoint");
  EXPECT_NE(absent.reason.find("the vault does not exist yet"), std::string::npos) << absent.reason;

  engine::SoftDeletedResource deleted;
  deleted.kind = "Vault";
  deleted.name = "PAYMENTS-KV";
  deleted.subscription = kSub;
  observed.soft_deleted.push_back(deleted);
  Change soft_deleted = PlanPecChange(kVaultPecKind, request);
  EXPECT_EQ(soft_deleted.reason_code, "waiting_for_private_endpoint");
  EXPECT_NE(soft_deleted.reason.find("soft-deleted, and its connections come back when it is "
                                     "recovered"),
            std::string::npos)
      << soft_deleted.reason;

  engine::ObservedResource live_vault;
  live_vault.kind = "Vault";
  live_vault.arm_id = kVaultId;
  observed.resources.push_back(live_vault);
  Change live = PlanPecChange(kVaultPecKind, request);
  EXPECT_EQ(live.reason.find("soft-deleted"), std::string::npos) << live.reason;
  EXPECT_EQ(live.reason.find("does not exist yet"), std::string::npos) << live.reason;
}

TEST(PecModelTest, PendingConnectionIsApproved) {
  auto d = Desired(Spec("Approved"));
  auto o = Observed(d, LiveConnection("Pending"));
  EXPECT_EQ(o.address, d.address);
  Change c = Plan(&d, &o);
  ASSERT_EQ(c.action, Action::kUpdate) << c.reason;
  EXPECT_EQ(c.reason_code, "approve");
  EXPECT_EQ(c.arm_id, kVaultId + "/privateEndpointConnections/pe-app.1");
  EXPECT_EQ(c.fingerprint, "W/\"etag-Pending\"");
  ExpectOnlyFieldChange(c, "properties.privateLinkServiceConnectionState.status", "Pending",
                        "Approved");
  // Unset description: the live one is sent back, not erased.
  EXPECT_EQ(c.after, (Json{{"properties",
                            {{"privateLinkServiceConnectionState",
                              {{"status", "Approved"}, {"description", "please approve"}}}}}}));
}

TEST(PecModelTest, ApprovedConnectionIsRejected) {
  Json spec = Spec("rejected");  // any case, as ARM accepts
  spec["description"] = "app moved to another vault";
  auto d = Desired(spec);
  auto o = Observed(d, LiveConnection("Approved", "Auto-Approved"));
  Change c = Plan(&d, &o);
  ASSERT_EQ(c.action, Action::kUpdate) << c.reason;
  EXPECT_EQ(c.reason_code, "reject");
  EXPECT_EQ(c.field_changes.size(), 2u);
  EXPECT_EQ(c.after["properties"]["privateLinkServiceConnectionState"]["status"], "Rejected");
}

TEST(PecModelTest, DescriptionChangeAloneIsDrift) {
  Json spec = Spec("Approved");
  spec["description"] = "approved by platform team";
  auto d = Desired(spec);
  auto o = Observed(d, LiveConnection("Approved", "Auto-Approved"));
  Change c = Plan(&d, &o);
  ASSERT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "drift");
  ASSERT_EQ(c.field_changes.size(), 1u);
  EXPECT_EQ(c.field_changes[0].path, "properties.privateLinkServiceConnectionState.description");
}

TEST(PecModelTest, MatchingStateIsNoOpWhateverTheCasing) {
  Json spec = Spec("APPROVED");
  spec["actionsRequired"] = "none";
  auto d = Desired(spec);
  Json live = LiveConnection("approved", "Auto-Approved");
  live["properties"]["privateLinkServiceConnectionState"]["actionsRequired"] = "NONE";
  auto o = Observed(d, live);
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_EQ(c.reason_code, "up_to_date");
}

TEST(PecModelTest, DisconnectedIsUnsupportedDrift) {
  auto d = Desired(Spec("Approved"));
  auto o = Observed(d, LiveConnection("Disconnected", "The private endpoint has been deleted."));
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "connection_disconnected");
  EXPECT_NE(c.reason.find("Disconnected"), std::string::npos);
  ASSERT_FALSE(c.field_changes.empty());
  EXPECT_EQ(c.field_changes[0].before, "Disconnected");
}

TEST(PecModelTest, RejectedCannotBeApprovedAgain) {
  auto d = Desired(Spec("Approved"));
  auto o = Observed(d, LiveConnection("Rejected"));
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kUnsupported);
  EXPECT_EQ(c.reason_code, "rejected_is_final");
}

TEST(PecModelTest, ConnectionBeingDeletedIsBlocked) {
  auto d = Desired(Spec("Approved"));
  Json live = LiveConnection("Pending");
  live["properties"]["provisioningState"] = "Deleting";
  auto o = Observed(d, live);
  Change c = Plan(&d, &o);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "connection_deleting");
}

TEST(PecModelTest, EndpointIdsMatchCaseInsensitively) {
  std::string upper = kEndpoint;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto d = Desired(Spec("Approved", upper));
  auto o = Observed(d, LiveConnection("Approved", "Auto-Approved"));
  EXPECT_EQ(o.address, d.address);
  EXPECT_EQ(Plan(&d, &o).action, Action::kNoOp);
}

TEST(PecModelTest, ParentSummaryWithoutNameNormalizesLikeTheList) {
  Json full = LiveConnection("Approved");
  Json summary = {{"id", full["id"]}, {"etag", full["etag"]}, {"properties", full["properties"]}};
  EXPECT_EQ(NormalizePec(summary), NormalizePec(full));
  EXPECT_EQ(NormalizePec(summary)["name"], "pe-app.1");
}

TEST(PecModelTest, ObserveAssignsAddressesAndNeverLetsANameClashMatch) {
  auto app = Desired(Spec("Approved"), "app");
  // A connection from another endpoint whose ARM name happens to equal a manifest name.
  const std::string other_endpoint =
      "/subscriptions/" + std::string(kSub) +
      "/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-other";
  Json clash = LiveConnection("Pending", "x", other_endpoint, "app");
  Json unrelated = LiveConnection("Pending", "x", other_endpoint, "pe-other.2");
  Json mine = LiveConnection("Approved");
  auto observed =
      ObservePecs(kVaultPecKind, "payments-kv", {clash, unrelated, mine}, {&app}, {app.address});
  ASSERT_EQ(observed.size(), 3u);
  EXPECT_EQ(observed[0].address,
            observed[0].arm_id);  // not "PrivateEndpointConnection/payments-kv/app"
  EXPECT_EQ(observed[1].address, "PrivateEndpointConnection/payments-kv/pe-other.2");
  EXPECT_EQ(observed[2].address, app.address);
  // Even if handed the wrong connection, the plan does not treat it as this endpoint's.
  Change c = Plan(&app, &observed[0]);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "waiting_for_private_endpoint");
}

TEST(PecModelTest, RecreatedEndpointMatchesItsLiveConnectionNotTheDisconnectedOne) {
  auto d = Desired(Spec("Approved"));
  Json old = LiveConnection("Disconnected", "The private endpoint has been deleted.", kEndpoint,
                            "pe-app.old");
  Json fresh = LiveConnection("Pending", "please approve", kEndpoint, "pe-app.new");
  auto observed = ObservePecs(kVaultPecKind, "payments-kv", {old, fresh}, {&d}, {d.address});
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_EQ(observed[0].address, "PrivateEndpointConnection/payments-kv/pe-app.old");
  EXPECT_EQ(observed[1].address, d.address);
  EXPECT_EQ(Plan(&d, &observed[1]).reason_code, "approve");
}

TEST(PecModelTest, TwoManifestsForOneEndpointAreBlocked) {
  engine::DesiredSet set;
  set.resources.push_back(Desired(Spec("Approved"), "app"));
  set.resources.push_back(Desired(Spec("Rejected"), "app-again"));
  auto o = Observed(set.resources[0], LiveConnection("Pending"));
  engine::PlanChangeRequest request;
  request.desired = &set.resources[1];
  request.desired_set = &set;
  Change c = PlanPecChange(kVaultPecKind, request);
  EXPECT_EQ(c.action, Action::kBlocked);
  EXPECT_EQ(c.reason_code, "duplicate_private_endpoint");
  EXPECT_NE(c.reason.find("PrivateEndpointConnection/payments-kv/app "), std::string::npos);
  request.desired = &set.resources[0];
  request.observed = &o;
  EXPECT_EQ(PlanPecChange(kVaultPecKind, request).reason_code, "duplicate_private_endpoint");
}

TEST(PecModelTest, UndeclaredConnectionIsLeftAlone) {
  engine::ObservedResource o;
  o.kind = kVaultPecKind.kind;
  o.live = LiveConnection("Approved");
  o.arm_id = o.live["id"];
  Change c = Plan(nullptr, &o);
  EXPECT_EQ(c.action, Action::kNoOp);
  EXPECT_EQ(c.reason_code, "not_declared");
}

// Through MakePlan: matched by address (the manifest has no ARM id), and a live connection no
// manifest declares is never a prune candidate, even with prune on.
TEST(PecModelTest, MakePlanMatchesByAddressAndNeverPrunesConnections) {
  engine::DesiredSet set;
  set.resources.push_back(Desired(Spec("Approved"), "app"));
  const std::string other_endpoint =
      "/subscriptions/" + std::string(kSub) +
      "/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-other";
  engine::ObservedSet observed;
  observed.resources = ObservePecs(
      kVaultPecKind, "payments-kv",
      {LiveConnection("Pending"), LiveConnection("Approved", "x", other_endpoint, "pe-other.2")},
      {&set.resources[0]}, {set.resources[0].address});
  engine::HandlerRegistry registry;
  registry.Register(std::make_unique<PecHandler>(nullptr, kVaultPecKind));
  engine::PlanOptions options;
  options.prune = true;
  options.stack = "payments";
  engine::Plan plan = engine::MakePlan(set, observed, registry, options);
  ASSERT_EQ(plan.changes.size(), 1u) << plan.Dump();
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_EQ(plan.changes[0].arm_id, kVaultId + "/privateEndpointConnections/pe-app.1");
}

}  // namespace
}  // namespace keyward::azure::model_test
