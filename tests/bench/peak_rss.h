// Peak resident memory of this process, for the benchmarks' `peak_rss_MB` counter
// (docs/benchmarks.md). The kernel keeps one high-water mark per process, so the value after a
// size includes everything before it: run one size per process (`--benchmark_filter='/100000$'`)
// for the memory of that size alone. Sizes run in increasing order, so the largest size's value
// is its own peak either way.
#pragma once

#include <sys/resource.h>

#include <fstream>
#include <string>

namespace keyward::bench {

inline double PeakRssMegabytes() {
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

// Lowers the high-water mark to the resident memory of now (Linux 4.0+, /proc/self/clear_refs),
// so that PeakRssMegabytes() afterwards is the peak of what follows alone: a benchmark's setup
// (loading, building the live state) can peak higher than the part it measures. False when the
// kernel refused: then the mark still covers the setup.
inline bool ResetPeakRss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

}  // namespace keyward::bench
