// Loading at fleet scale (docs/benchmarks.md, issue #14 "fast loading"): read, parse, schema-check,
// resolve and graph N resources of the estate mix — per vault one file holding the vault,
// 4 access policies, 3 keys and 4 secrets (12 resources) — with the real Azure handlers. The
// target is ≤ 50 µs of CPU per resource; `per_resource` is the CPU time per resource and
// `peak_rss_MB` the process's peak resident memory after the size ran (tests/bench/peak_rss.h).
//
//   build/bench/load_bench                                   # 1k, 10k, 100k
//   build/bench/load_bench --benchmark_filter='/1000$'       # what CI can afford
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/validate.h"
#include "providers/azure/handlers.h"
#include "tests/bench/peak_rss.h"

namespace keyward {
namespace {

constexpr int kResourcesPerVault = 12;

std::string Guid(int a, int b) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-%04x-4000-8000-%012x", a, b & 0xffff, a * 16 + b);
  return text;
}

// Directories written by this process, removed when it exits.
struct Written {
  std::vector<std::filesystem::path> dirs;
  ~Written() {
    std::error_code ec;
    for (const auto& dir : dirs) std::filesystem::remove_all(dir, ec);
  }
};

// A manifest directory of about n resources (written once per size).
std::filesystem::path EstateDirectory(int n) {
  static Written written;
  auto dir = std::filesystem::temp_directory_path() /
             ("keyward-load-bench-" + std::to_string(::getpid()) + "-" + std::to_string(n));
  if (std::filesystem::exists(dir)) return dir;
  std::filesystem::create_directories(dir);
  written.dirs.push_back(dir);
  std::ofstream(dir / "keyward.yaml")
      << "stack: bench\ndefaults:\n  subscription: 11111111-2222-4333-8444-555555555555\n"
         "  resourceGroup: rg-bench\n  location: westeurope\n"
         "  tenantId: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n";
  for (int v = 0; v < n / kResourcesPerVault; ++v) {
    const std::string vault = "bench-kv-" + std::to_string(v);
    std::ofstream out(dir / (vault + ".yaml"));
    out << "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: " << vault
        << "\nspec:\n  sku: { family: A, name: standard }\n  publicNetworkAccess: Disabled\n"
           "  softDeleteRetentionInDays: 30\n"
           "  networkAcls:\n    defaultAction: Deny\n    bypass: AzureServices\n"
           "    ipRules: [ { value: 203.0.113.0/24 }, { value: 198.51.100.7 } ]\n"
           "  tags: { team: bench, cost-center: \"42\" }\n";
    for (int i = 0; i < 4; ++i) {
      out << "---\napiVersion: keyward.dev/v1alpha1\nkind: AccessPolicy\nmetadata:\n  name: app-"
          << i << "\nspec:\n  vault: " << vault << "\n  objectId: " << Guid(v, i)
          << "\n  permissions:\n    secrets: [get, list]\n    keys: [get, wrapKey, unwrapKey]\n";
    }
    for (int i = 0; i < 3; ++i) {
      out << "---\napiVersion: keyward.dev/v1alpha1\nkind: Key\nmetadata:\n  name: cmk-" << i
          << "\nspec:\n  vault: " << vault
          << "\n  kty: RSA\n  keySize: 3072\n  keyOps: [wrapKey, unwrapKey]\n"
             "  tags: { purpose: cmk }\n";
    }
    for (int i = 0; i < 4; ++i) {
      out << "---\napiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: secret-" << i
          << "\nspec:\n  vault: " << vault
          << "\n  valueFrom: { env: BENCH_SECRET }\n  contentType: text/plain\n"
             "  tags: { rotation: quarterly }\n";
    }
  }
  return dir;
}

void BM_LoadEstate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto dir = EstateDirectory(n);
  engine::HandlerRegistry registry;
  azure::RegisterAzureHandlers(registry, nullptr);  // pure methods only
  size_t resources = 0;
  for (auto _ : state) {
    engine::RealFileReader reader;
    auto result = engine::ValidateManifests({dir.string()}, reader, registry);
    if (!result.ok()) {
      state.SkipWithError(
          ("estate does not validate: " + result.diagnostics.items().front().ToString()).c_str());
      break;
    }
    resources = result.set.resources.size();
    benchmark::DoNotOptimize(resources);
  }
  state.counters["resources"] = static_cast<double>(resources);
  state.counters["per_resource"] = benchmark::Counter(
      static_cast<double>(resources),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["peak_rss_MB"] = bench::PeakRssMegabytes();
}
BENCHMARK(BM_LoadEstate)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward

BENCHMARK_MAIN();
