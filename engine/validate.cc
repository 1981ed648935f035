#include "engine/validate.h"

#include "engine/manifest_loader.h"

namespace keyward::engine {

ValidationResult ValidateManifests(const std::vector<std::string>& paths, FileReader& reader,
                                   const HandlerRegistry& registry, const Environment* env,
                                   const guardrails::RuleRegistry* rules) {
  LoadResult loaded = LoadManifests(paths, reader, registry);
  ValidationResult result;
  result.set = std::move(loaded.set);
  result.diagnostics = std::move(loaded.diagnostics);
  const FakeEnvironment empty;
  result.diagnostics.Append(CheckSecretSources(result.set, reader, env ? *env : empty));
  result.files = std::move(loaded.files);
  result.purge_then_create = loaded.purge_then_create;
  result.graph = Graph::FromDesiredSet(result.set);
  if (rules) {
    result.guardrails = guardrails::LoadPolicy(result.set.config, *rules, &result.diagnostics);
    guardrails::LoadWaivers(result.set, &result.guardrails, &result.diagnostics);
  }

  auto order = result.graph.TopologicalOrder();
  if (order) {
    result.order = std::move(*order);
  } else {
    // Report at the resource that starts the cycle; its dependsOn is the likely culprit.
    const std::vector<std::string> cycle = result.graph.FindCycle();
    const DesiredResource* first = cycle.empty() ? nullptr : result.set.Find(cycle.front());
    result.diagnostics.Error(first ? first->location : SourceLocation{}, order.error().message);
  }
  return result;
}

}  // namespace keyward::engine
