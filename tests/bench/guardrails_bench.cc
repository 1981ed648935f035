// Guardrails at fleet scale (docs/benchmarks.md): the rules run on every plan and every daemon
// loop, so checking N vaults — each with access policies, keys and secrets, merged with their
// live state — must stay a small part of a plan. Uses the real Key Vault rules and the Azure
// handlers' pure methods (ExportManifest for the live side); no ARM calls.
#include <benchmark/benchmark.h>

#include <string>

#include "engine/guardrails/check.h"
#include "engine/guardrails/estate.h"
#include "engine/guardrails/policy.h"
#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/guardrails/live_vault_test_util.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/access_policy_model.h"

namespace keyward {
namespace {

namespace gr = engine::guardrails;

constexpr char kSubscription[] = "11111111-2222-4333-8444-555555555555";
constexpr char kTenant[] = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
constexpr int kPoliciesPerVault = 10;
constexpr int kKeysPerVault = 5;
constexpr int kSecretsPerVault = 5;

std::string VaultId(int i) {
  return std::string("/subscriptions/") + kSubscription +
         "/resourceGroups/rg-bench/providers/Microsoft.KeyVault/vaults/bench-kv-" +
         std::to_string(i);
}

std::string ObjectId(int vault, int entry) {
  char id[64];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%06d%06d", vault, entry);
  return id;
}

// A declared resource of the vault `vault_name`, which its address and spec name.
engine::DesiredResource Child(const std::string& kind, const std::string& vault_name,
                              const std::string& name, const std::string& arm_id,
                              engine::Json spec) {
  engine::DesiredResource child;
  child.kind = kind;
  child.name = name;
  child.address = kind + "/" + vault_name + "/" + name;
  child.arm_id = arm_id;
  spec["vault"] = vault_name;
  child.spec = std::move(spec);
  return child;
}

// N vaults with their children, desired and live: the live vaults hold one more (undeclared)
// access policy entry each, so the planned estate has context-only siblings too.
struct Fleet {
  engine::DesiredSet desired;
  engine::ObservedSet observed;
};

Fleet MakeFleet(int n) {
  Fleet fleet;
  for (int v = 0; v < n; ++v) {
    const std::string name = "bench-kv-" + std::to_string(v);
    engine::DesiredResource vault;
    vault.kind = "Vault";
    vault.name = name;
    vault.address = "Vault/" + name;
    vault.arm_id = VaultId(v);
    vault.subscription = kSubscription;
    vault.spec = {{"sku", {{"family", "A"}, {"name", "premium"}}},
                  {"enablePurgeProtection", true},
                  {"networkAcls", {{"ipRules", {{{"value", "203.0.113.0/24"}}}}}}};
    fleet.desired.resources.push_back(vault);

    engine::Json entries = engine::Json::array();
    for (int p = 0; p <= kPoliciesPerVault; ++p) {
      const engine::Json permissions = {
          {"secrets", p < 4 ? engine::Json{"get", "set"} : engine::Json{"get", "list"}}};
      entries.push_back(
          {{"tenantId", kTenant}, {"objectId", ObjectId(v, p)}, {"permissions", permissions}});
      if (p == kPoliciesPerVault) continue;  // the live-only entry
      fleet.desired.resources.push_back(
          Child("AccessPolicy", name, name + "-app-" + std::to_string(p),
                azure::AccessPolicyArmId(VaultId(v),
                                         {{"tenantId", kTenant}, {"objectId", ObjectId(v, p)}}),
                {{"objectId", ObjectId(v, p)}, {"permissions", permissions}}));
    }
    for (int k = 0; k < kKeysPerVault; ++k) {
      const std::string key = "key-" + std::to_string(k);
      fleet.desired.resources.push_back(
          Child("Key", name, key, VaultId(v) + "/keys/" + key,
                {{"kty", "RSA"}, {"keyOps", {"wrapKey", "unwrapKey"}}}));
    }
    for (int s = 0; s < kSecretsPerVault; ++s) {
      const std::string secret = "secret-" + std::to_string(s);
      fleet.desired.resources.push_back(Child("Secret", name, secret,
                                              VaultId(v) + "/secrets/" + secret,
                                              {{"valueFrom", {{"env", "X"}}}}));
    }
    // The live vault, and its entries as the Vault handler reports them.
    azure::guardrails::AddLiveVault(
        &fleet.observed,
        azure::guardrails::LiveVault(VaultId(v), name, kTenant,
                                     {{"sku", {{"family", "A"}, {"name", "premium"}}},
                                      {"publicNetworkAccess", "Enabled"},
                                      {"accessPolicies", entries}}));
  }
  return fleet;
}

void BM_PlannedGuardrails(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Fleet fleet = MakeFleet(n);
  engine::HandlerRegistry handlers;
  azure::RegisterAzureHandlers(handlers, nullptr);  // pure methods only
  const gr::RuleRegistry& rules = azure::guardrails::KeyVaultGuardrails();
  engine::Diagnostics unused;
  const gr::Policy policy = gr::LoadPolicy(engine::StackConfig{}, rules, &unused);
  size_t findings = 0;
  for (auto _ : state) {
    const gr::Estate estate =
        gr::PlannedEstate(fleet.desired, fleet.observed, engine::Plan{}, handlers, rules);
    const gr::CheckResult result = gr::CheckGuardrails({&estate, &policy, {2026, 6, 1}});
    findings = result.findings.size();
    benchmark::DoNotOptimize(result.findings.data());
  }
  state.counters["resources"] = static_cast<double>(fleet.desired.resources.size());
  state.counters["findings"] = static_cast<double>(findings);
  state.SetItemsProcessed(state.iterations() * fleet.desired.resources.size());
}
BENCHMARK(BM_PlannedGuardrails)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward

BENCHMARK_MAIN();
