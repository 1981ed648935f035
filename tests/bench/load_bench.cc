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
#include "tests/bench/bench_estate.h"
#include "tests/bench/peak_rss.h"

namespace keyward {
namespace {

void BM_LoadEstate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto dir = bench::EstateDirectory("keyward-load-bench-", n);
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
