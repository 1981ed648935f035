// What one daemon loop reports as JSON: the /status document (DESIGN.md §10, docs/daemon.md) and
// the one-line summary the observer logs. Pure functions of the loop's outcome: the Daemon
// (engine/daemon.h) gathers the outcome, these lay it out.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "engine/context.h"
#include "engine/daemon.h"

namespace keyward::engine {

// One finished loop, as the status document, the metrics and the log line see it.
struct LoopOutcome {
  long loop_id = 0;
  Clock::TimePoint started;
  Clock::TimePoint finished;
  LoadedRevision attempted;          // what the source gave this loop
  std::string revision;              // the last good revision: the one reconciled
  std::optional<std::string> error;  // the loop failed: no usable manifests, or the pass failed
  PassResult result;
  std::set<std::string> healed;  // addresses whose change succeeded this loop

  double seconds() const;
};

// "2026-12-07T12:00:00Z".
std::string Iso8601(Clock::TimePoint t);
nlohmann::json SummaryToJson(const PlanSummary& summary);

// The /status document after `loop`. A failed loop keeps `previous`'s findings and last_success.
nlohmann::json LoopStatusJson(const LoopOutcome& loop, DaemonMode mode, bool ready,
                              const std::map<std::string, BackoffEntry>& backoff,
                              const nlohmann::json& previous);
// The observer's one-line summary of `loop` (DaemonObserver::OnLoopFinished).
nlohmann::json LoopLineJson(const LoopOutcome& loop);

}  // namespace keyward::engine
