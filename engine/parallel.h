// Bounded parallelism for I/O-bound work (refresh list calls per vault, per subscription):
// runs fn(i) for i in [0, count) on at most `limit` threads and waits for all of them.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace keyward::engine {

// fn must be safe to call concurrently for different i. Items are claimed in index order. If
// fn throws, no further items are started and the first exception is rethrown here after every
// worker has stopped (an exception leaving a std::thread would terminate the process instead).
inline void ForEachBounded(size_t count, size_t limit, const std::function<void(size_t)>& fn) {
  if (count == 0) return;
  const size_t workers = std::max<size_t>(1, std::min(limit, count));
  if (workers == 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      try {
        for (size_t i = next++; i < count; i = next++) fn(i);
      } catch (...) {
        next = count;  // claim nothing more
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace keyward::engine
