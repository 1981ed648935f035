#include "engine/daemon_pass.h"

namespace keyward::engine {
namespace {

// secret values (into `manifests`) -> refresh -> plan. An error when the pass cannot go on: a
// source or live state could not be read, or the plan has errors (it must never be applied).
Result<Plan> PlanPass(ValidationResult* manifests, const PassSettings& settings,
                      const HandlerRegistry& registry, const Context& ctx) {
  const Diagnostics secrets =
      ResolveSecretFingerprints(manifests->set, *settings.files, *settings.env);
  if (secrets.HasErrors())
    return MakeError(ErrorCode::kInvalidArgument,
                     "secret values could not be read: " + JoinErrors(secrets));
  auto plan = RefreshAndPlan(*manifests, settings.run, registry, ctx);
  if (!plan) return plan;
  if (plan->diagnostics.HasErrors())
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the plan has errors: " + JoinErrors(plan->diagnostics));
  return plan;
}

}  // namespace

void BlockBackedOff(Plan* plan, const std::set<std::string>& backed_off) {
  for (Change& change : plan->changes) {
    if (!backed_off.count(change.address) || !IsWrite(change.action)) continue;
    change.action = Action::kBlocked;
    change.reason = "backing off after earlier failures";
    change.reason_code = "daemon_backoff";
  }
}

PassResult RunPass(const PassRequest& request, const PassSettings& settings,
                   const HandlerRegistry& registry, PassObserver& observer, const Context& ctx) {
  PassResult result;
  // Into a copy: the last good manifests stay as loaded, without this pass's fingerprints.
  ValidationResult manifests = *request.manifests;
  auto plan = PlanPass(&manifests, settings, registry, ctx);
  if (!plan) {
    result.error = plan.error();
    return result;
  }
  result.summary = plan->Summary();
  result.drift = DriftOf(*plan);
  result.findings = plan->findings;
  observer.OnDrift(result.drift);
  if (!settings.heal || !plan->HasChanges()) return result;

  BlockBackedOff(&*plan, request.backed_off);
  const DesiredSet& desired = manifests.set;
  const ApplyReport report = Apply(*plan, &desired, registry,
                                   ApplyOptionsFor(desired.config, settings.run), observer, ctx);
  result.changes = report.results;
  if (report.lock_lost) {
    observer.OnLockLost(*report.lock_lost);
    result.error = *report.lock_lost;
  }
  return result;
}

}  // namespace keyward::engine
