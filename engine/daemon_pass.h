// One daemon pass (the ReconcileFn that engine/daemon.h's loop calls), minus what only the
// process owns: the stack lock, the logs and the in-flight journal stay in cli/daemon.cc and reach
// the pass through PassSettings::heal and a PassObserver.
//
// The pass is the run of engine/run.h: Secret values (re-read every pass, so a rotated source is
// picked up) -> refresh -> plan, and in heal mode apply. Backed-off addresses are planned as
// blocked: apply does not write them, and their dependents are skipped rather than failing
// against a missing parent.
#pragma once

#include <set>
#include <vector>

#include "engine/apply.h"
#include "engine/daemon.h"
#include "engine/file_reader.h"
#include "engine/run.h"
#include "engine/secret_source.h"

namespace keyward::engine {

struct PassSettings {
  RunSettings run;
  // Apply the plan. False: observe and report only (observe mode, or a standby replica).
  bool heal = false;
  // Where Secret values are read.
  FileReader* files = nullptr;
  const Environment* env = nullptr;
};

// What a pass reports while it runs; the changes it applies arrive as ApplyObserver events.
class PassObserver : public ApplyObserver {
 public:
  // Every difference the plan found, before anything is applied.
  virtual void OnDrift(const std::vector<DriftItem>& drift) {}
  // The write guard refused mid-apply: nothing more was written this pass.
  virtual void OnLockLost(const Error& error) {}
};

PassResult RunPass(const PassRequest& request, const PassSettings& settings,
                   const HandlerRegistry& registry, PassObserver& observer, const Context& ctx);

// Turns every planned write to a backed-off address into a `blocked` change (reason code
// daemon_backoff).
void BlockBackedOff(Plan* plan, const std::set<std::string>& backed_off);

}  // namespace keyward::engine
