// Fleet-scale planning cost (docs/benchmarks.md): loading + validating N vault manifests, and
// MakePlan + the text rendering over N vaults whose live state already matches (the daemon's
// steady state: every loop re-plans the whole estate and must find nothing to do). Uses the real
// Azure handlers' pure methods; no ARM calls are made, so no ArmClient is needed.
//
//   build/bench/plan_bench                                          # 100 to 100,000
//   build/bench/plan_bench --benchmark_filter='/(100|1000)$'        # what CI can afford
//   build/bench/plan_bench --benchmark_filter='MakePlan.*/100000$'  # the peak RSS of one size
//
// `per_resource` is the CPU time per resource; `peak_rss_MB` the process's peak resident memory
// after the size ran (tests/bench/peak_rss.h).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/planner.h"
#include "engine/render_text.h"
#include "engine/validate.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/bench/peak_rss.h"

namespace keyward {
namespace {

constexpr char kSubscription[] = "11111111-2222-4333-8444-555555555555";

// Directories written by this process, removed when it exits (100,000 files at the largest size).
struct Written {
  std::vector<std::filesystem::path> dirs;
  ~Written() {
    std::error_code ec;
    for (const auto& dir : dirs) std::filesystem::remove_all(dir, ec);
  }
};

// A manifest directory with one keyward.yaml and n vault files (written once per size).
std::filesystem::path FleetDirectory(int n) {
  static Written written;
  auto dir = std::filesystem::temp_directory_path() /
             ("keyward-bench-" + std::to_string(::getpid()) + "-" + std::to_string(n));
  if (std::filesystem::exists(dir)) return dir;
  std::filesystem::create_directories(dir);
  written.dirs.push_back(dir);
  std::ofstream(dir / "keyward.yaml")
      << "stack: bench\ndefaults:\n  subscription: " << kSubscription
      << "\n  resourceGroup: rg-bench\n  location: westeurope\n"
         "  tenantId: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n";
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
  engine::PlanOptions options;
  options.stack = "bench";
  for (auto _ : state) {
    engine::Plan plan = engine::MakePlan(loaded.set, observed, registry, options);
    if (plan.HasChanges()) {
      state.SkipWithError(("steady state is not a no-op:\n" + plan.Dump()).c_str());
      break;
    }
    // What `keyward plan` prints for it (no-ops hidden: the summary line).
    const std::string text = engine::RenderPlanText(plan);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["per_resource"] = benchmark::Counter(
      n, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["peak_rss_MB"] = bench::PeakRssMegabytes();
}
BENCHMARK(BM_MakePlanSteadyState)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward

BENCHMARK_MAIN();
