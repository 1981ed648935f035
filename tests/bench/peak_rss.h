// Peak resident memory of this process, for the benchmarks' `peak_rss_MB` counter
// (docs/benchmarks.md). The kernel keeps one high-water mark per process, so the value after a
// size includes everything before it: run one size per process (`--benchmark_filter='/100000$'`)
// for the memory of that size alone. Sizes run in increasing order, so the largest size's value
// is its own peak either way.
#pragma once

#include <sys/resource.h>

namespace keyward::bench {

inline double PeakRssMegabytes() {
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

}  // namespace keyward::bench
