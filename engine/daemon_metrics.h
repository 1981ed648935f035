// The daemon's Prometheus metrics (docs/daemon.md lists them): declared in one place, and set
// after every loop from the loop's outcome.
#pragma once

#include <cstddef>

#include "engine/daemon_status.h"
#include "engine/metrics.h"

namespace keyward::engine {

// The daemon's metric names, types and help texts.
void DescribeDaemonMetrics(MetricsRegistry& metrics);

// Sets every per-loop metric after `loop`. `labels` (DaemonOptions::metric_labels) are added to
// each series, so stacks sharing one registry only ever clear their own series.
void PublishLoopMetrics(const LoopOutcome& loop, size_t in_backoff, const MetricLabels& labels,
                        MetricsRegistry& metrics);

}  // namespace keyward::engine
