// What the Vault and ManagedHsm model tests share: the two soft-deletable top-level kinds side by
// side (a full manifest spec, the resource as ARM returns it for that spec, the model's planner)
// and a fixture that builds desired, observed and soft-deleted resources of one kind and plans
// them as MakePlan would. Header-only and named *_test_util.h so the library glob never picks it
// up.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/resource_handler.h"
#include "providers/azure/kinds/managed_hsm_model.h"
#include "providers/azure/kinds/model_test_util.h"
#include "providers/azure/kinds/resource_json_test_util.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::model_test {

inline constexpr char kAdmin[] = "5b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
inline constexpr char kGroup[] = "rg-payments";

inline Json BasicVaultSpec() {
  return Json{{"location", "westeurope"},
              {"tenantId", kTenant},
              {"sku", {{"family", "A"}, {"name", "premium"}}},
              {"enableRbacAuthorization", false},
              {"softDeleteRetentionInDays", 90},
              {"enablePurgeProtection", true},
              {"publicNetworkAccess", "Disabled"},
              {"networkAcls", DenyNetworkAcls({"203.0.113.0/24", "198.51.100.7"})},
              {"tags", {{"team", "payments"}}}};
}

// What ARM returns around a resource of either kind that keyward created from its basic spec.
inline Json LiveResource(const std::string& id, const std::string& type) {
  Json live = ArmResource(id, type, "West Europe");
  live["tags"] = {{"team", "payments"}, {"keyward-stack", kStack}};
  live["systemData"] = {{"createdAt", "2026-01-01T00:00:00Z"}};
  return live;
}

// A vault as ARM returns it for BasicVaultSpec, with ARM's noise (casing, read-only fields).
inline Json LiveVault(const std::string& name = "payments-kv") {
  Json vault = LiveResource(VaultArmId(kSub, kGroup, name), "Microsoft.KeyVault/vaults");
  vault["properties"] = {
      {"tenantId", "72F988BF-86F1-41AF-91AB-2D7CD011DB47"},
      {"sku", {{"family", "A"}, {"name", "Premium"}}},
      {"accessPolicies",
       Json::array({{{"tenantId", kTenant}, {"objectId", "x"}, {"permissions", Json::object()}}})},
      {"enabledForDeployment", true},
      {"enableRbacAuthorization", false},
      {"enableSoftDelete", true},
      {"softDeleteRetentionInDays", 90},
      {"enablePurgeProtection", true},
      {"publicNetworkAccess", "disabled"},
      {"networkAcls", LiveNetworkAcls("deny", {"198.51.100.7/32", "203.0.113.0/24"})},
      {"vaultUri", "https://" + name + ".vault.azure.net/"},
      {"provisioningState", "Succeeded"}};
  return vault;
}

inline Json BasicHsmSpec() {
  return Json{{"location", "westeurope"},
              {"tenantId", kTenant},
              {"sku", {{"name", "Standard_B1"}}},
              {"initialAdminObjectIds", Json::array({kAdmin})},
              {"softDeleteRetentionInDays", 90},
              {"enablePurgeProtection", false},
              {"publicNetworkAccess", "Disabled"},
              {"networkAcls", DenyNetworkAcls({"203.0.113.0/24"})},
              {"regions", Json::array({"northeurope"})},
              {"tags", {{"team", "payments"}}}};
}

// An HSM as ARM returns it for BasicHsmSpec, with ARM's noise (casing, read-only fields).
inline Json LiveHsm(const std::string& name = "payments-hsm") {
  Json hsm = LiveResource(ManagedHsmArmId(kSub, kGroup, name), "Microsoft.KeyVault/managedHSMs");
  hsm["sku"] = {{"family", "B"}, {"name", "standard_b1"}};
  hsm["properties"] = {
      {"tenantId", "72F988BF-86F1-41AF-91AB-2D7CD011DB47"},
      {"initialAdminObjectIds", Json::array({"5B0E1F2A-3C4D-4E5F-8A9B-0C1D2E3F4A5B"})},
      {"enableSoftDelete", true},
      {"softDeleteRetentionInDays", 90},
      {"enablePurgeProtection", false},
      {"publicNetworkAccess", "disabled"},
      {"networkAcls", LiveNetworkAcls("deny", {"203.0.113.0/24"})},
      {"regions",
       Json::array(
           {{{"name", "northeurope"}, {"isPrimary", false}, {"provisioningState", "Succeeded"}},
            {{"name", "westeurope"}, {"isPrimary", true}, {"provisioningState", "Succeeded"}}})},
      {"hsmUri", "https://" + name + ".managedhsm.azure.net/"},
      {"statusMessage", "ManagedHsm is functional."},
      {"securityDomainProperties", {{"activationStatus", "NotActivated"}}},
      {"provisioningState", "Succeeded"}};
  return hsm;
}

// One soft-deletable kind as its model tests see it.
struct SoftDeletableKind {
  const char* kind;  // "Vault"
  const char* name;  // the resource every test plans, "payments-kv"
  std::string (*arm_id)(const std::string& subscription, const std::string& resource_group,
                        const std::string& name);
  Json (*basic_spec)();
  Json (*live)(const std::string& name);
  engine::Change (*plan)(const engine::PlanChangeRequest& request);
};

inline const SoftDeletableKind kVault{"Vault",        "payments-kv", VaultArmId,
                                      BasicVaultSpec, LiveVault,     PlanVaultChange};
inline const SoftDeletableKind kManagedHsm{"ManagedHsm", "payments-hsm", ManagedHsmArmId,
                                           BasicHsmSpec, LiveHsm,        PlanManagedHsmChange};

// Plans one change of a kind the way MakePlan asks its handler.
struct KindPlanner {
  engine::Change (*plan)(const engine::PlanChangeRequest& request);
  engine::PlanOptions options{.prune = false, .purge_then_create = false, .stack = kStack};
  const engine::DesiredSet* desired_set = nullptr;
  const engine::ObservedSet* observed_set = nullptr;

  engine::Change Plan(const engine::DesiredResource* desired,
                      const engine::ObservedResource* observed,
                      const engine::SoftDeletedResource* deleted = nullptr,
                      const std::string* unavailable = nullptr) const {
    engine::PlanChangeRequest request;
    request.desired = desired;
    request.observed = observed;
    request.soft_deleted = deleted;
    request.name_unavailable = unavailable;
    request.options = &options;
    request.desired_set = desired_set;
    request.observed_set = observed_set;
    return plan(request);
  }
};

// The base of the kinds' model test suites: resources of one kind in kGroup of kSub.
class SoftDeletableModelTest : public ::testing::Test {
 protected:
  explicit SoftDeletableModelTest(const SoftDeletableKind& kind) : kind_(kind) {}

  Json BasicSpec() const { return kind_.basic_spec(); }
  // BasicSpec() with one field set otherwise.
  Json BasicSpecWith(const std::string& field, Json value) const {
    Json spec = BasicSpec();
    spec[field] = std::move(value);
    return spec;
  }
  Json Live(const std::string& name = "") const {
    return kind_.live(name.empty() ? kind_.name : name);
  }

  engine::DesiredResource Desired(Json spec, const std::string& name = "") const {
    engine::DesiredResource d;
    d.kind = kind_.kind;
    d.name = name.empty() ? kind_.name : name;
    d.subscription = kSub;
    d.resource_group = kGroup;
    d.address = d.kind + "/" + d.name;
    d.arm_id = kind_.arm_id(kSub, kGroup, d.name);
    d.spec = std::move(spec);
    return d;
  }
  engine::ObservedResource Observed(Json live) const {
    engine::ObservedResource o;
    o.kind = kind_.kind;
    o.arm_id = live.value("id", "");
    o.address = o.kind + "/" + live.value("name", "");
    o.live = std::move(live);
    return o;
  }
  // The soft-deleted resource of the default name, deleted from kGroup.
  engine::SoftDeletedResource Deleted(bool purge_protection,
                                      const std::string& location = "westeurope") const {
    engine::SoftDeletedResource sd;
    sd.kind = kind_.kind;
    sd.name = kind_.name;
    sd.subscription = kSub;
    sd.location = location;
    sd.original_id = kind_.arm_id(kSub, kGroup, kind_.name);
    sd.deletion_date = "2026-11-01T10:00:00Z";
    sd.scheduled_purge_date = "2027-01-30T10:00:00Z";
    sd.purge_protection = purge_protection;
    return sd;
  }
  KindPlanner Planner() const { return KindPlanner{kind_.plan}; }
  // Plans `spec` against the resource ARM returns as `live`.
  engine::Change PlanOver(Json spec, Json live) const {
    const engine::DesiredResource desired = Desired(std::move(spec));
    const engine::ObservedResource observed = Observed(std::move(live));
    return Planner().Plan(&desired, &observed);
  }
  // Plans `spec` against Live(): what editing the manifest of an existing resource does.
  engine::Change PlanOverLive(Json spec) const { return PlanOver(std::move(spec), Live()); }
  // Plans BasicSpec() where no resource lives, and `deleted` (if given) is soft-deleted.
  engine::Change PlanAbsent(std::optional<engine::SoftDeletedResource> deleted = {}) const {
    const engine::DesiredResource desired = Desired(BasicSpec());
    return Planner().Plan(&desired, nullptr, deleted ? &*deleted : nullptr);
  }

  // The paths of a change's field changes, in order.
  static std::vector<std::string> Paths(const engine::Change& change) {
    std::vector<std::string> out;
    for (const engine::FieldChange& fc : change.field_changes) out.push_back(fc.path);
    return out;
  }

  const SoftDeletableKind& kind_;
};

// The fixture of one kind's own suites: using VaultPlanTest = KindModelTest<kVault>.
template <const SoftDeletableKind& kKind>
class KindModelTest : public SoftDeletableModelTest {
 protected:
  KindModelTest() : SoftDeletableModelTest(kKind) {}
};

}  // namespace keyward::azure::model_test
