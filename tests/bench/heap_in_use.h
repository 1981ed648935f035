// Bytes the allocator has handed out and not had back (glibc's mallinfo2), for the benchmarks
// that tell apart what each phase keeps (docs/benchmarks.md): the difference of two readings is
// what was allocated in between and is still held. Unlike the peak RSS it is not a high-water
// mark, so it shows what a structure costs while it lives, not what a transient step cost.
#pragma once

#include <malloc.h>

namespace keyward::bench {

inline double HeapInUseMegabytes() {
  const struct mallinfo2 info = ::mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
}

}  // namespace keyward::bench
