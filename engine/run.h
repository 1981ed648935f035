// The one sequence behind `keyward plan`, `apply`, `apply FILE` and every daemon pass:
//
//   secret values -> refresh -> plan (-> guardrail findings)      RefreshAndPlan, Replan
//   plan -> apply                                                 ApplyOptionsFor + engine::Apply
//
// The CLI and the daemon keep only their arguments and their output: nothing here prints, and
// every effect goes through the handlers, the context and the injected file reader / environment,
// so the sequence is tested with the engine's fake handlers (run_test.cc, daemon_pass_test.cc).
#pragma once

#include <string>

#include "engine/apply.h"
#include "engine/context.h"
#include "engine/plan.h"
#include "engine/refresh.h"
#include "engine/resource_handler.h"
#include "engine/result.h"
#include "engine/validate.h"

namespace keyward::engine {

// The caller's choices for one run (its flags); everything else comes from keyward.yaml.
struct RunSettings {
  bool prune = false;   // --prune; keyward.yaml's `prune: true` turns it on as well
  int parallelism = 0;  // ARM calls at once, refresh and apply; 0 = keyward.yaml's
  bool allow_destroy = false;
  bool allow_replace = false;
  std::string read_cache_prefix;  // the key read cache on disk (RefreshOptions); "" = none
};

// keyward.yaml's options with the settings laid over them.
PlanOptions PlanOptionsFor(const ValidationResult& loaded, const RunSettings& settings);
RefreshOptions RefreshOptionsFor(const DesiredSet& desired, const RunSettings& settings,
                                 bool prune);
ApplyOptions ApplyOptionsFor(const StackConfig& config, const RunSettings& settings);

// refresh -> plan -> guardrail findings on the planned state, over validated manifests whose
// Secret values are resolved (ResolveSecretFingerprints). Plan errors come back in
// Plan::diagnostics; an error only when live state could not be read.
Result<Plan> RefreshAndPlan(const ValidationResult& loaded, const RunSettings& settings,
                            const HandlerRegistry& registry, const Context& ctx);

// refresh -> plan of a desired set with options decided earlier (`apply FILE` re-planning a saved
// plan). No guardrail findings: the re-plan is compared with the saved plan change by change.
Result<Plan> Replan(const DesiredSet& desired, const PlanOptions& options,
                    const RunSettings& settings, const HandlerRegistry& registry,
                    const Context& ctx);

// The error diagnostics joined with "; ": one line for an Error or a log ("" when none).
std::string JoinErrors(const Diagnostics& diagnostics);

}  // namespace keyward::engine
