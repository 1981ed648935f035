// What the scrubber (engine/scrubber.h) costs: every byte keyward writes passes through it. A
// plan-sized text (about 1 MB, 10,000 lines shaped like plan output) scrubbed with N registered
// values, whole and as a stream written line by line (stdout's path), none of which match: the
// common case, where the scrubber must cost little.
#include <benchmark/benchmark.h>

#include <string>

#include "engine/scrubber.h"

namespace keyward {
namespace {

std::string PlanText() {
  std::string text;
  for (int i = 0; i < 10'000; ++i) {
    text += "  ~ Vault/bench-kv-" + std::to_string(i) +
            "  update (properties.networkAcls.ipRules[1].value: \"198.51.100.7\" -> "
            "\"198.51.100.8\")\n";
  }
  return text;
}

void Register(engine::Scrubber& scrubber, int values) {
  for (int i = 0; i < values; ++i)
    scrubber.Add("secret-value-" + std::to_string(i) + "-Zq8~v1/with+symbols");
}

void BM_Scrub(benchmark::State& state) {
  engine::Scrubber scrubber;
  Register(scrubber, static_cast<int>(state.range(0)));
  const std::string text = PlanText();
  for (auto _ : state) benchmark::DoNotOptimize(scrubber.Scrub(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Scrub)->Arg(0)->Arg(10)->Arg(1000)->Arg(10'000)->Unit(benchmark::kMillisecond);

void BM_ScrubbingStreamByLine(benchmark::State& state) {
  engine::Scrubber scrubber;
  Register(scrubber, static_cast<int>(state.range(0)));
  const std::string text = PlanText();
  for (auto _ : state) {
    engine::ScrubbingStream stream(scrubber);
    size_t written = 0;
    for (size_t start = 0; start < text.size();) {
      const size_t end = text.find('\n', start) + 1;
      written += stream.Write(std::string_view(text).substr(start, end - start)).size();
      start = end;
    }
    written += stream.Finish().size();
    benchmark::DoNotOptimize(written);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ScrubbingStreamByLine)->Arg(10)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward

BENCHMARK_MAIN();
