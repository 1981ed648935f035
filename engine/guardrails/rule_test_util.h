// Rules for the tests of what surrounds the checks (policy, waivers, outputs).
#pragma once

#include <utility>
#include <vector>

#include "engine/guardrails/rule.h"

namespace keyward::engine::guardrails {

// A registry of the engine's own rules and one more, described by `info`, whose check finds
// nothing.
inline RuleRegistry RegistryWith(RuleInfo info) {
  RuleRegistry rules;
  rules.Register({std::move(info), [](const RuleContext&, std::vector<Violation>*) {}});
  return rules;
}

}  // namespace keyward::engine::guardrails
