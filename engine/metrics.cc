#include "engine/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "engine/replace_chars.h"

namespace keyward::engine {
namespace {

MetricLabels Sorted(MetricLabels labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string FormatValue(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  // Shortest text that reads back as the same double: timestamps keep their milliseconds.
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string LabelText(const MetricLabels& labels, const std::string& extra_name = "",
                      const std::string& extra_value = "") {
  std::string text;
  auto add = [&](const std::string& name, const std::string& value) {
    text += text.empty() ? "{" : ",";
    text += name + "=\"" + EscapeLabelValue(value) + "\"";
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  if (!text.empty()) text += "}";
  return text;
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  return ReplaceChars(value, {{'\\', "\\\\"}, {'"', "\\\""}, {'\n', "\\n"}});
}

void MetricsRegistry::Describe(const std::string& name, MetricType type, const std::string& help,
                               std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  if (metrics_.count(name)) return;
  Metric& metric = metrics_[name];
  metric.type = type;
  metric.help = help;
  std::sort(buckets.begin(), buckets.end());
  metric.buckets = std::move(buckets);
}

MetricsRegistry::Metric* MetricsRegistry::FindLocked(const std::string& name) {
  auto it = metrics_.find(name);
  return it == metrics_.end() ? nullptr : &it->second;
}

void MetricsRegistry::Add(const std::string& name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mu_);
  if (Metric* metric = FindLocked(name); metric && metric->type != MetricType::kHistogram)
    metric->series[Sorted(labels)].value += delta;
}

void MetricsRegistry::Set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  if (Metric* metric = FindLocked(name); metric && metric->type != MetricType::kHistogram)
    metric->series[Sorted(labels)].value = value;
}

void MetricsRegistry::Observe(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  Metric* metric = FindLocked(name);
  if (!metric || metric->type != MetricType::kHistogram) return;
  Series& series = metric->series[Sorted(labels)];
  series.counts.resize(metric->buckets.size() + 1, 0);
  const auto bucket = std::lower_bound(metric->buckets.begin(), metric->buckets.end(), value);
  ++series.counts[bucket - metric->buckets.begin()];
  ++series.count;
  series.value += value;
}

void MetricsRegistry::Clear(const std::string& name) {
  std::lock_guard lock(mu_);
  if (Metric* metric = FindLocked(name)) metric->series.clear();
}

void MetricsRegistry::ClearMatching(const std::string& name, const MetricLabels& subset) {
  std::lock_guard lock(mu_);
  Metric* metric = FindLocked(name);
  if (!metric) return;
  for (auto it = metric->series.begin(); it != metric->series.end();) {
    bool matches = true;
    for (const auto& label : subset)
      if (std::find(it->first.begin(), it->first.end(), label) == it->first.end()) matches = false;
    it = matches ? metric->series.erase(it) : std::next(it);
  }
}

double MetricsRegistry::Value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto it = metrics_.find(name);
  if (it == metrics_.end()) return 0;
  auto series = it->second.series.find(Sorted(labels));
  return series == it->second.series.end() ? 0 : series->second.value;
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, metric] : metrics_) {
    out += "# HELP " + name + " " + metric.help + "\n";
    out += "# TYPE " + name + " " + TypeName(metric.type) + "\n";
    for (const auto& [labels, series] : metric.series) {
      if (metric.type != MetricType::kHistogram) {
        out += name + LabelText(labels) + " " + FormatValue(series.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= metric.buckets.size(); ++i) {
        cumulative += i < series.counts.size() ? series.counts[i] : 0;
        const std::string le = i < metric.buckets.size() ? FormatValue(metric.buckets[i]) : "+Inf";
        out += name + "_bucket" + LabelText(labels, "le", le) + " " +
               FormatValue(static_cast<double>(cumulative)) + "\n";
      }
      out += name + "_sum" + LabelText(labels) + " " + FormatValue(series.value) + "\n";
      out += name + "_count" + LabelText(labels) + " " +
             FormatValue(static_cast<double>(series.count)) + "\n";
    }
  }
  return out;
}

}  // namespace keyward::engine
