// A tiny Prometheus text-format registry (exposition format 0.0.4) for the daemon's /metrics:
// counters, gauges and histograms with labels. No external library: the daemon needs a dozen
// series, and the format is a few lines of text.
//
// Invariants: a metric's type and histogram buckets are fixed by its first Describe; series are
// keyed by their label set (order-insensitive); Render() lists metrics by name and series by
// label set, so the output is stable for tests and diffs. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace keyward::engine {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricsRegistry {
 public:
  // Declares a metric; later calls with the same name are ignored. `buckets` (upper bounds,
  // ascending) only for histograms; +Inf is implicit.
  void Describe(const std::string& name, MetricType type, const std::string& help,
                std::vector<double> buckets = {});

  void Add(const std::string& name, const MetricLabels& labels, double delta);  // counter / gauge
  void Set(const std::string& name, const MetricLabels& labels,
           double value);  // gauge, or mirror a counter
  void Observe(const std::string& name, const MetricLabels& labels, double value);  // histogram
  // Drops every series of a gauge: for label sets that can disappear (drift by kind, revision).
  void Clear(const std::string& name);
  // Drops the series of a gauge whose labels include all of `subset` (one stack's series when
  // several daemons share the registry).
  void ClearMatching(const std::string& name, const MetricLabels& subset);

  double Value(const std::string& name, const MetricLabels& labels) const;  // 0 when absent
  std::string Render() const;

 private:
  struct Series {
    double value = 0;              // counter / gauge; histogram: sum
    std::vector<uint64_t> counts;  // histogram: per bucket (not cumulative), last = +Inf
    uint64_t count = 0;            // histogram
  };
  struct Metric {
    MetricType type = MetricType::kGauge;
    std::string help;
    std::vector<double> buckets;
    std::map<MetricLabels, Series> series;
  };
  Metric* FindLocked(const std::string& name);

  mutable std::mutex mu_;
  std::map<std::string, Metric> metrics_;
};

// Label values escaped as the text format requires (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& value);

}  // namespace keyward::engine
