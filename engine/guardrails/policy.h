// How a stack wants its guardrails run: keyward.yaml's `guardrails:` section (which rules, at
// which severity, with which parameters, and the failOn threshold) and the waivers its manifests
// carry (engine/guardrails/waiver.h).
//
//   guardrails:
//     enabled: true            # false: no rule runs
//     failOn: high             # validate / plan exit 1 on an unwaived finding at or above it
//     rules:
//       KW-KV-005: { enabled: false }
//       KW-KV-002: { severity: high, parameters: { minimumRetentionDays: 30 } }
//
// The JSON Schema (schemas/keyward.schema.json) checks the shape; this file checks what only the
// rule table knows — that every rule id exists and every parameter is one the rule has, of its
// type and range — and reports it at the keyward.yaml line, as validation errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/file_reader.h"
#include "engine/guardrails/rule.h"
#include "engine/guardrails/waiver.h"
#include "engine/resource.h"
#include "engine/result.h"
#include "engine/schema.h"

namespace keyward::engine::guardrails {

struct RuleSettings {
  bool enabled = true;
  Severity severity = Severity::kMedium;  // the rule's default unless overridden
  Parameters parameters;                  // defaults overlaid with keyward.yaml's values
};

struct Policy {
  const RuleRegistry* rules = nullptr;  // null: guardrails are not wired in (nothing runs)
  bool enabled = true;
  std::optional<Severity> fail_on;  // unset (or `failOn: none`): findings never fail a command
  std::map<std::string, RuleSettings> settings;        // every registered rule, by its id
  std::map<std::string, std::vector<Waiver>> waivers;  // by resource address

  const RuleSettings* SettingsFor(const std::string& rule_id) const;
};

// The policy of a stack: `config.guardrails` checked against `rules`. Problems are errors in
// `diagnostics`, located in keyward.yaml.
Policy LoadPolicy(const StackConfig& config, const RuleRegistry& rules, Diagnostics* diagnostics);

// Reads every resource's keyward.dev/waive annotation into `policy->waivers`. Entries that do not
// parse or name an unknown rule are errors; a rule that does not apply to the resource's kind is
// a warning (the waiver can never match).
void LoadWaivers(const DesiredSet& set, Policy* policy, Diagnostics* diagnostics);

// Copies keyward.yaml's `guardrails:` section and where each of its keys is written into
// `config` (the manifest loader calls it for every keyward.yaml).
void ReadGuardrailsSection(const Json& keyward_yaml, const SourceMap& source, StackConfig* config);

// `keyward audit --config FILE`: the guardrails section of a keyward.yaml read on its own.
Result<Policy> LoadPolicyFile(const std::string& path, FileReader& reader,
                              const RuleRegistry& rules, Diagnostics* diagnostics);

}  // namespace keyward::engine::guardrails
