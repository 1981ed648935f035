// Fleet-scale planning cost (docs/benchmarks.md): loading + validating N vault manifests, and
// MakePlan + the text rendering over N vaults whose live state already matches (the daemon's
// steady state: every loop re-plans the whole estate and must find nothing to do); the same over
// a mixed estate of N resources (per vault 4 access policies, 3 keys and 4 secrets, the mix of
// scripts/bench-estate.py), where children look their vault up while planning. Uses the real
// Azure handlers' pure methods; no ARM calls are made, so no ArmClient is needed.
//
//   build/bench/plan_bench                                          # 100 to 100,000
//   build/bench/plan_bench --benchmark_filter='/(100|1000)$'        # what CI can afford
//   build/bench/plan_bench --benchmark_filter='MakePlan.*/100000$'  # the peak RSS of one size
//
// `per_resource` is the CPU time per resource; `peak_rss_MB` the process's peak resident memory
// after the size ran (tests/bench/peak_rss.h), and, for the plan benchmarks, `setup_peak_MB` the
// peak before the first plan (loading and the live state) and `plan_peak_MB` the peak while
// planning alone (the high-water mark reset after the setup; absent where the kernel cannot).
// MixedEstate also reports what each phase holds (tests/bench/heap_in_use.h): `desired_MB`,
// `observed_MB`, `plan_MB`, and `load_peak_MB`, the peak right after loading.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/diff.h"
#include "engine/planner.h"
#include "engine/render_text.h"
#include "engine/validate.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/access_policy_model.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/bench/bench_estate.h"
#include "tests/bench/heap_in_use.h"
#include "tests/bench/peak_rss.h"

namespace keyward {
namespace {

// A manifest directory with one keyward.yaml and n vault files (written once per size).
std::filesystem::path FleetDirectory(int n) {
  bool fresh = false;
  const auto dir = bench::NewStackDirectory("keyward-bench-", n, &fresh);
  if (!fresh) return dir;
  for (int i = 0; i < n; ++i) {
    std::ofstream(dir / ("vault-" + std::to_string(i) + ".yaml"))
        << "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: bench-kv-" << i
        << "\nspec:\n  sku: { family: A, name: standard }\n  publicNetworkAccess: Disabled\n"
           "  networkAcls:\n    defaultAction: Deny\n    bypass: AzureServices\n"
           "    ipRules: [ { value: 203.0.113.0/24 }, { value: 198.51.100.7 } ]\n"
           "  tags: { team: bench, cost-center: \"42\" }\n";
  }
  return dir;
}

engine::HandlerRegistry Registry() {
  engine::HandlerRegistry registry;
  azure::RegisterAzureHandlers(registry, nullptr);  // pure methods only
  return registry;
}

// The timed part of both plan benchmarks: MakePlan and what `keyward plan` prints for it (no-ops
// hidden: the summary line). Fails unless the plan is a no-op, as the steady state must be.
void PlanAndRender(benchmark::State& state, const engine::DesiredSet& desired,
                   const engine::ObservedSet& observed, size_t resources) {
  const auto registry = Registry();
  engine::PlanOptions options;
  options.stack = "bench";
  // The peak before planning (loading the manifests, building the live state), to tell the
  // plan's own memory from the setup's.
  const double setup_peak = bench::PeakRssMegabytes();
  state.counters["setup_peak_MB"] = setup_peak;
  const bool plan_peak_alone = bench::ResetPeakRss();
  bool first = true;
  for (auto _ : state) {
    // What the plan holds, read once: mallinfo2 walks the allocator's bins.
    const double heap_before = first ? bench::HeapInUseMegabytes() : 0;
    engine::Plan plan = engine::MakePlan(desired, observed, registry, options);
    if (first) state.counters["plan_MB"] = bench::HeapInUseMegabytes() - heap_before;
    first = false;
    if (plan.HasChanges()) {
      state.SkipWithError(("steady state is not a no-op:\n" + plan.Dump()).c_str());
      break;
    }
    const std::string text = engine::RenderPlanText(plan);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(resources));
  state.counters["resources"] = static_cast<double>(resources);
  state.counters["per_resource"] = benchmark::Counter(
      static_cast<double>(resources),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  // The planning's own peak (everything it needs held: the desired and live sets, the plan), and
  // the process's, which is the larger of it and the setup's.
  const double plan_peak = bench::PeakRssMegabytes();
  if (plan_peak_alone) state.counters["plan_peak_MB"] = plan_peak;
  state.counters["peak_rss_MB"] = std::max(setup_peak, plan_peak);
}

void BM_LoadAndValidate(benchmark::State& state) {
  const auto dir = FleetDirectory(static_cast<int>(state.range(0)));
  const auto registry = Registry();
  for (auto _ : state) {
    engine::RealFileReader reader;
    auto result = engine::ValidateManifests({dir.string()}, reader, registry);
    if (!result.ok()) state.SkipWithError("fleet manifests do not validate");
    benchmark::DoNotOptimize(result.set.resources.size());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["per_resource"] = benchmark::Counter(
      static_cast<double>(state.range(0)),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["peak_rss_MB"] = bench::PeakRssMegabytes();
}
BENCHMARK(BM_LoadAndValidate)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_MakePlanSteadyState(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto registry = Registry();
  engine::RealFileReader reader;
  auto loaded = engine::ValidateManifests({FleetDirectory(n).string()}, reader, registry);
  if (!loaded.ok()) {
    state.SkipWithError("fleet manifests do not validate");
    return;
  }
  // Live state as ARM would return it after keyward created each vault.
  engine::ObservedSet observed;
  for (const auto& d : loaded.set.resources) {
    if (d.kind != "Vault") continue;
    engine::ObservedResource o;
    o.kind = d.kind;
    o.address = d.address;
    o.arm_id = d.arm_id;
    o.live = azure::BuildDesiredVaultBody(d.spec, "bench", nullptr);
    o.live["id"] = d.arm_id;
    o.live["name"] = d.name;
    o.live["type"] = "Microsoft.KeyVault/vaults";
    o.live["properties"]["provisioningState"] = "Succeeded";
    o.fingerprint = azure::FingerprintOfJson(azure::NormalizeVault(o.live));
    observed.resources.push_back(std::move(o));
  }
  PlanAndRender(state, loaded.set, observed, n);
}
BENCHMARK(BM_MakePlanSteadyState)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// Live state as refresh would return it after keyward applied the estate: the body each create
// would send, with ARM's id, name and type; access policy entries inside their vault, read back
// as refresh reads them.
engine::ObservedSet ObservedAfterCreate(const engine::DesiredSet& desired,
                                        const engine::HandlerRegistry& registry) {
  engine::PlanOptions options;
  options.stack = "bench";
  const engine::Plan created = engine::MakePlan(desired, engine::ObservedSet{}, registry, options);
  engine::ObservedSet observed;
  std::map<std::string, engine::Json> vaults;  // canonical id -> live vault with its entries
  for (const engine::Change& c : created.changes) {
    if (c.kind == azure::kAccessPolicyKind) {
      engine::Json& vault = vaults[engine::CanonicalArmId(azure::VaultIdOfAccessPolicy(c.arm_id))];
      vault["properties"]["accessPolicies"].push_back(c.after);
      continue;
    }
    engine::ObservedResource o;
    o.kind = c.kind;
    o.address = c.address;
    o.arm_id = c.arm_id;
    o.live = c.after;
    o.live["id"] = c.arm_id;
    o.live["name"] = c.arm_id.substr(c.arm_id.rfind('/') + 1);
    if (c.kind == "Vault") o.live["type"] = "Microsoft.KeyVault/vaults";
    o.live["properties"]["provisioningState"] = "Succeeded";
    observed.resources.push_back(std::move(o));
  }
  for (const engine::ObservedResource& o : std::vector(observed.resources)) {
    auto it = vaults.find(engine::CanonicalArmId(o.arm_id));
    if (o.kind != "Vault" || it == vaults.end()) continue;
    it->second["id"] = o.arm_id;
    it->second["name"] = o.live["name"];
    for (auto& entry : azure::ObservedAccessPolicies(it->second, /*exclusive=*/false))
      observed.resources.push_back(std::move(entry));
  }
  return observed;
}

void BM_MakePlanMixedEstate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto registry = Registry();
  engine::RealFileReader reader;
  const auto dir = bench::EstateDirectory("keyward-bench-estate-", n);
  const double heap_before = bench::HeapInUseMegabytes();
  auto loaded = engine::ValidateManifests({dir.string()}, reader, registry);
  if (!loaded.ok()) {
    state.SkipWithError("estate manifests do not validate");
    return;
  }
  // What engine::ResolveSecretFingerprints would have read from $BENCH_SECRET.
  for (auto& d : loaded.set.resources)
    if (d.kind == "Secret") d.value_fingerprint = std::string(64, 'a');
  const double heap_loaded = bench::HeapInUseMegabytes();
  state.counters["desired_MB"] = heap_loaded - heap_before;
  state.counters["load_peak_MB"] = bench::PeakRssMegabytes();
  const engine::ObservedSet observed = ObservedAfterCreate(loaded.set, registry);
  state.counters["observed_MB"] = bench::HeapInUseMegabytes() - heap_loaded;
  PlanAndRender(state, loaded.set, observed, loaded.set.resources.size());
}
BENCHMARK(BM_MakePlanMixedEstate)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward

BENCHMARK_MAIN();
