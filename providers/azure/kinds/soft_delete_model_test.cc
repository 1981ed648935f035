// The shared plan of the soft-deletable kinds (soft_delete_model.h), run for each kind's
// descriptor: what one kind gets from the shared code, the other gets too.
#include "providers/azure/kinds/soft_delete_model.h"

#include <gtest/gtest.h>

#include "providers/azure/kinds/change_test_util.h"
#include "providers/azure/kinds/managed_hsm_model.h"
#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {
namespace {

struct KindCase {
  const SoftDeletableKind& (*kind)();
  Json spec;
};

class SoftDeletablePlanTest : public ::testing::TestWithParam<KindCase> {
 protected:
  const SoftDeletableKind& Kind() const { return GetParam().kind(); }

  engine::DesiredResource Desired() const {
    engine::DesiredResource d;
    d.kind = Kind().kind;
    d.name = "payments";
    d.subscription = kSub;
    d.resource_group = "rg-payments";
    d.address = std::string(Kind().kind) + "/payments";
    d.arm_id = "/subscriptions/" + std::string(kSub) +
               "/resourceGroups/rg-payments/providers/Microsoft.KeyVault/" + Kind().collection +
               "/payments";
    d.spec = GetParam().spec;
    return d;
  }

  // The live resource as ARM returns it after creating the manifest's body.
  engine::ObservedResource Live(const std::string& provisioning_state) const {
    engine::ObservedResource o;
    const engine::DesiredResource d = Desired();
    o.kind = d.kind;
    o.address = d.address;
    o.arm_id = d.arm_id;
    o.live = Kind().create_body(Kind().build_desired(d.spec, kStack, Json()));
    o.live["id"] = d.arm_id;
    o.live["name"] = d.name;
    o.live["properties"]["provisioningState"] = provisioning_state;
    return o;
  }

  Change Plan(const engine::ObservedResource& observed) const {
    const engine::DesiredResource desired = Desired();
    engine::PlanOptions options;
    options.stack = kStack;
    engine::PlanChangeRequest request;
    request.desired = &desired;
    request.observed = &observed;
    request.options = &options;
    return PlanSoftDeletableChange(Kind(), request);
  }
};

TEST_P(SoftDeletablePlanTest, ASucceededResourceThatMatchesIsANoOp) {
  Change c = Plan(Live("Succeeded"));
  EXPECT_EQ(c.action, Action::kNoOp) << c.reason;
  EXPECT_TRUE(c.field_changes.empty());
}

TEST_P(SoftDeletablePlanTest, AResourceWhoseProvisioningFailedIsProvisionedAgain) {
  // A create that ended provisioningState Failed leaves a resource that matches the manifest
  // field by field. Planned as a no-op, the next apply wrote keys into it (a managed HSM answers
  // 409 ManagedHsmNotProvisioned): the plan re-provisions it instead.
  Change c = Plan(Live("Failed"));
  EXPECT_EQ(c.action, Action::kUpdate) << c.reason;
  EXPECT_EQ(c.reason_code, "provisioning_failed");
  EXPECT_NE(c.reason.find("provisioningState is Failed (the " + std::string(Kind().noun) +
                          "'s creation or last update did not finish)"),
            std::string::npos)
      << c.reason;
  ExpectOnlyFieldChange(c, kProvisioningStatePath, "Failed", "Succeeded");
  EXPECT_TRUE(ReprovisionsFailed(c));
  EXPECT_FALSE(ReprovisionsFailed(Plan(Live("Succeeded"))));
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, SoftDeletablePlanTest,
    ::testing::Values(KindCase{VaultSoftDeletableKind, Json{{"location", "westeurope"},
                                                            {"tenantId", kTenant},
                                                            {"sku", {{"name", "standard"}}}}},
                      KindCase{ManagedHsmSoftDeletableKind,
                               Json{{"location", "westeurope"},
                                    {"tenantId", kTenant},
                                    {"sku", {{"name", "Standard_B1"}}},
                                    {"initialAdminObjectIds",
                                     Json::array({"5b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"})}}}),
    [](const ::testing::TestParamInfo<KindCase>& info) {
      return std::string(info.param.kind().kind);
    });

}  // namespace
}  // namespace keyward::azure::model_test
