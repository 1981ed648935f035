// The single entry point from manifest paths to something plannable: load + schema + resolve
// (engine/manifest_loader.h) + where secret values may come from (engine/secret_source.h) +
// dependency graph with cycle check (engine/graph.h).
// `keyward validate` prints the diagnostics; `keyward plan` plans only when ok().
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/file_reader.h"
#include "engine/graph.h"
#include "engine/guardrails/policy.h"
#include "engine/guardrails/rule.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "engine/secret_source.h"

namespace keyward::engine {

struct ValidationResult {
  DesiredSet set;
  Graph graph;  // over set.resources; complete only when ok()
  // Creation order of set.resources' addresses (dependencies first); empty when cyclic.
  std::vector<std::string> order;
  Diagnostics diagnostics;
  std::vector<std::string> files;  // files read, in load order
  bool purge_then_create = false;  // keyward.yaml policies.softDelete (see LoadResult)
  // keyward.yaml `guardrails:` and the manifests' waivers (no rules: nothing is checked).
  guardrails::Policy guardrails;

  bool ok() const { return !diagnostics.HasErrors(); }
};

// `env` is what secret sources are checked against (engine/secret_source.h: the operator's
// KEYWARD_SECRET_DIRS); null: an empty environment. Values are never read here.
// With `rules`, the guardrails configuration and every waiver are checked too (unknown rules,
// parameters and malformed waivers are errors) and kept in ValidationResult::guardrails.
ValidationResult ValidateManifests(const std::vector<std::string>& paths, FileReader& reader,
                                   const HandlerRegistry& registry,
                                   const Environment* env = nullptr,
                                   const guardrails::RuleRegistry* rules = nullptr);

}  // namespace keyward::engine
