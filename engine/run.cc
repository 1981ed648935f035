#include "engine/run.h"

#include "engine/guardrails/check.h"
#include "engine/guardrails/estate.h"
#include "engine/guardrails/waiver.h"
#include "engine/planner.h"

namespace keyward::engine {
namespace {

Result<ObservedSet> RefreshLive(const DesiredSet& desired, const RunSettings& settings, bool prune,
                                const HandlerRegistry& registry, const Context& ctx) {
  auto observed = Refresh(desired, registry, RefreshOptionsFor(desired, settings, prune), ctx);
  if (!observed)
    return MakeError(observed.error().code,
                     "reading live state from Azure failed: " + observed.error().message,
                     observed.error().detail);
  return observed;
}

// Fills plan->findings with the findings on the planned state (manifests merged with `observed`).
void AddPlannedFindings(Plan* plan, const ValidationResult& loaded, const ObservedSet& observed,
                        const HandlerRegistry& registry, const Context& ctx) {
  if (!loaded.guardrails.rules) return;
  const guardrails::Estate estate =
      guardrails::PlannedEstate(loaded.set, observed, *plan, registry, *loaded.guardrails.rules);
  guardrails::CheckResult checked = guardrails::CheckGuardrails(
      {&estate, &loaded.guardrails, guardrails::UtcDate(ctx.clock->Now())});
  plan->findings = std::move(checked.findings);
  plan->diagnostics.Append(checked.diagnostics);
}

int ParallelismFor(const StackConfig& config, const RunSettings& settings) {
  return settings.parallelism > 0 ? settings.parallelism : config.parallelism;
}

}  // namespace

PlanOptions PlanOptionsFor(const ValidationResult& loaded, const RunSettings& settings) {
  PlanOptions options;
  options.prune = settings.prune || loaded.set.config.prune;
  options.purge_then_create = loaded.purge_then_create;
  options.stack = loaded.set.config.stack;
  return options;
}

RefreshOptions RefreshOptionsFor(const DesiredSet& desired, const RunSettings& settings,
                                 bool prune) {
  RefreshOptions options;
  options.scopes = PruneScopes(desired, prune);
  options.parallelism = ParallelismFor(desired.config, settings);
  options.read_cache_prefix = settings.read_cache_prefix;
  return options;
}

ApplyOptions ApplyOptionsFor(const StackConfig& config, const RunSettings& settings) {
  ApplyOptions options;
  options.parallelism = ParallelismFor(config, settings);
  options.allow_destroy = settings.allow_destroy;
  options.allow_replace = settings.allow_replace;
  return options;
}

Result<Plan> RefreshAndPlan(const ValidationResult& loaded, const RunSettings& settings,
                            const HandlerRegistry& registry, const Context& ctx) {
  const PlanOptions options = PlanOptionsFor(loaded, settings);
  KEYWARD_ASSIGN_OR_RETURN(auto observed,
                           RefreshLive(loaded.set, settings, options.prune, registry, ctx));
  Plan plan = MakePlan(loaded.set, observed, registry, options);
  AddPlannedFindings(&plan, loaded, observed, registry, ctx);
  return plan;
}

Result<Plan> Replan(const DesiredSet& desired, const PlanOptions& options,
                    const RunSettings& settings, const HandlerRegistry& registry,
                    const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto observed,
                           RefreshLive(desired, settings, options.prune, registry, ctx));
  return MakePlan(desired, observed, registry, options);
}

std::string JoinErrors(const Diagnostics& diagnostics) {
  std::string text;
  for (const Diagnostic& d : diagnostics.items())
    if (d.severity == Severity::kError) text += (text.empty() ? "" : "; ") + d.ToString();
  return text;
}

}  // namespace keyward::engine
