// Test support for manifest loading and validation tests: fake ResourceGroup / Vault / Secret
// handlers with simple, pure Resolve methods, and a few manifest texts. Header-only; the engine
// library glob (engine/*.cc) never picks it up.
#pragma once

#include <memory>
#include <string>

#include "engine/file_reader.h"
#include "engine/resource_handler.h"

namespace keyward::engine::manifest_testing {

inline constexpr char kSubscription[] = "11111111-1111-1111-1111-111111111111";
inline constexpr char kTenant[] = "22222222-2222-2222-2222-222222222222";

// Resolve-only handler: the loader never plans, refreshes or applies. Resolve is `resolve`.
class ResolveOnlyHandler : public ResourceHandler {
 public:
  using ResolveFn = ResolveResponse (*)(const DesiredResource&);
  ResolveOnlyHandler(std::string kind, ResolveFn resolve)
      : kind_(std::move(kind)), resolve_(resolve) {}
  std::string_view Kind() const override { return kind_; }
  ResolveResponse Resolve(const ResolveRequest& request) const override {
    return resolve_(*request.resource);
  }
  Change PlanChange(const PlanChangeRequest&) const override { return {}; }
  Result<RefreshResponse> Refresh(const RefreshRequest&, const Context&) override {
    return RefreshResponse{};
  }
  Result<ApplyResponse> Apply(const ApplyRequest&, const Context&) override {
    return ApplyResponse{};
  }

 private:
  std::string kind_;
  ResolveFn resolve_;
};

inline std::string FakeResourceGroupArmId(const std::string& subscription,
                                          const std::string& group) {
  return "/subscriptions/" + subscription + "/resourceGroups/" + group;
}

inline std::string FakeVaultArmId(const DesiredResource& r, const std::string& vault) {
  return FakeResourceGroupArmId(r.subscription, r.resource_group) +
         "/providers/Microsoft.KeyVault/vaults/" + vault;
}

inline ResolveResponse ResolveFakeResourceGroup(const DesiredResource& r) {
  ResolveResponse out;
  out.address = "ResourceGroup/" + r.name;
  out.arm_id = FakeResourceGroupArmId(r.subscription, r.name);
  return out;
}

// A vault refers to its resource group; the group may be managed elsewhere (required = false).
inline ResolveResponse ResolveFakeVault(const DesiredResource& r) {
  ResolveResponse out;
  out.address = "Vault/" + r.name;
  out.arm_id = FakeVaultArmId(r, r.name);
  out.references.push_back({"ResourceGroup/" + r.resource_group, false, "metadata.resourceGroup"});
  return out;
}

// A kind without a schema file: validated by the envelope only. spec.vault must name a Vault in
// the set (required = true), which is what makes dangling references errors.
inline ResolveResponse ResolveFakeSecret(const DesiredResource& r) {
  ResolveResponse out;
  const std::string vault = r.spec.value("vault", std::string());
  out.address = "Secret/" + vault + "/" + r.name;
  out.arm_id = FakeVaultArmId(r, vault) + "/secrets/" + r.name;
  out.references.push_back({"Vault/" + vault, true, "spec.vault"});
  if (vault.empty()) out.diagnostics.Error({}, "Secret/" + r.name + ": spec.vault is required");
  return out;
}

inline HandlerRegistry MakeRegistry() {
  HandlerRegistry registry;
  registry.Register(
      std::make_unique<ResolveOnlyHandler>("ResourceGroup", ResolveFakeResourceGroup));
  registry.Register(std::make_unique<ResolveOnlyHandler>("Vault", ResolveFakeVault));
  registry.Register(std::make_unique<ResolveOnlyHandler>("Secret", ResolveFakeSecret));
  return registry;
}

inline constexpr char kStackConfig[] = R"(stack: payments
defaults:
  subscription: 11111111-1111-1111-1111-111111111111
  resourceGroup: rg-payments
  location: westeurope
  tenantId: 22222222-2222-2222-2222-222222222222
policies:
  prune: true
  parallelism: 4
  reconcilePolicy: manage
  softDelete: recover
)";

// Every Vault spec field keyward supports, as the lead's example will write it.
inline constexpr char kFullVault[] = R"(apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata:
  name: payments-kv
  resourceGroup: rg-payments
  subscription: 11111111-1111-1111-1111-111111111111
  labels: { team: payments }
  annotations:
    keyward.dev/reconcile-policy: observe
spec:
  location: westeurope
  tenantId: 22222222-2222-2222-2222-222222222222
  sku: { family: A, name: premium }
  enabledForDeployment: false
  enabledForDiskEncryption: true
  enabledForTemplateDeployment: false
  enableRbacAuthorization: false
  enableSoftDelete: true
  softDeleteRetentionInDays: 90
  enablePurgeProtection: true
  publicNetworkAccess: Disabled
  networkAcls:
    bypass: AzureServices
    defaultAction: Deny
    ipRules:
      - value: 203.0.113.0/24
      - value: 198.51.100.7
    virtualNetworkRules:
      - id: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps
        ignoreMissingVnetServiceEndpoint: false
  tags: { team: payments, cost-center: "4711" }
)";

inline constexpr char kResourceGroup[] = R"(apiVersion: keyward.dev/v1alpha1
kind: ResourceGroup
metadata:
  name: rg-payments
spec:
  tags: { team: payments }
)";

// A vault that relies on keyward.yaml for subscription, resource group, location and tenant.
inline std::string MinimalVault(const std::string& name) {
  return "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: " + name +
         "\nspec:\n  sku: { family: A, name: standard }\n";
}

}  // namespace keyward::engine::manifest_testing
