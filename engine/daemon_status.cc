#include "engine/daemon_status.h"

#include <ctime>

#include "engine/guardrails/finding.h"

namespace keyward::engine {
namespace {

using Json = nlohmann::json;

// Every change apply executed (not the no-ops), with its outcome.
Json ChangesJson(const std::vector<ChangeResult>& changes) {
  Json out = Json::array();
  for (const ChangeResult& change : changes) {
    if (change.outcome.status == ChangeStatus::kNotExecuted) continue;
    Json entry = {{"address", change.address},
                  {"action", ActionName(change.action)},
                  {"status", ChangeStatusName(change.outcome.status)},
                  {"elapsed_ms", change.outcome.elapsed.count()}};
    if (change.outcome.status != ChangeStatus::kSucceeded)
      entry["error"] = change.outcome.error.ToString();
    out.push_back(std::move(entry));
  }
  return out;
}

Json DriftJson(const std::vector<DriftItem>& drift, const std::set<std::string>& healed) {
  Json out = Json::array();
  for (const DriftItem& item : drift) {
    Json entry = DriftItemToJson(item);
    entry["healed"] = healed.count(item.address) > 0;
    out.push_back(std::move(entry));
  }
  return out;
}

Json BackoffJson(const std::map<std::string, BackoffEntry>& backoff) {
  Json out = Json::array();
  for (const auto& [address, entry] : backoff)
    out.push_back({{"address", address},
                   {"failures", entry.failures},
                   {"retry_after", Iso8601(entry.retry_after)},
                   {"last_error", entry.last_error}});
  return out;
}

}  // namespace

double LoopOutcome::seconds() const {
  using std::chrono::milliseconds;
  return std::chrono::duration_cast<milliseconds>(finished - started).count() / 1000.0;
}

std::string Iso8601(Clock::TimePoint t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

Json SummaryToJson(const PlanSummary& s) {
  return {{"add", s.add},         {"change", s.change},   {"destroy", s.destroy},
          {"recover", s.recover}, {"blocked", s.blocked}, {"unsupported", s.unsupported},
          {"drift", s.drift}};
}

Json LoopStatusJson(const LoopOutcome& loop, DaemonMode mode, bool ready,
                    const std::map<std::string, BackoffEntry>& backoff, const Json& previous) {
  Json status = Json::object();
  status["loop_id"] = loop.loop_id;
  status["mode"] = DaemonModeName(mode);
  status["started_at"] = Iso8601(loop.started);
  status["attempted_revision"] = loop.attempted.revision;
  status["revision"] = loop.revision;
  status["last_good_revision"] = loop.revision;
  status["manifest_errors"] = loop.attempted.errors;
  status["error"] = nullptr;
  if (!loop.error) {
    status["findings"] = guardrails::FindingsToJson(loop.result.findings);
    status["last_success"] = Iso8601(loop.finished);
  } else {
    status["findings"] = previous.value("findings", Json::array());  // the last good loop's
    status["last_success"] = previous.value("last_success", Json());
    status["error"] = *loop.error;
  }
  status["finished_at"] = Iso8601(loop.finished);
  status["duration_seconds"] = loop.seconds();
  status["ready"] = ready;
  status["summary"] = SummaryToJson(loop.result.summary);
  status["drift"] = DriftJson(loop.result.drift, loop.healed);
  status["changes"] = ChangesJson(loop.result.changes);
  status["backoff"] = BackoffJson(backoff);
  return status;
}

Json LoopLineJson(const LoopOutcome& loop) {
  Json line = {{"ok", !loop.error},
               {"revision", loop.revision},
               {"duration_seconds", loop.seconds()},
               {"drift", loop.result.drift.size()},
               {"applied", loop.healed.size()},
               {"summary", SummaryToJson(loop.result.summary)}};
  if (loop.error) line["error"] = *loop.error;
  if (!loop.attempted.manifests) line["manifest_errors"] = loop.attempted.errors;
  return line;
}

}  // namespace keyward::engine
