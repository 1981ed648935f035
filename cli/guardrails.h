// Guardrails in the CLI (docs/guardrails.md): the rule table of this build, the findings validate
// reports on the desired state (plan's, on the planned state, come with the plan: engine/run.h),
// their SARIF file and failOn exit code,
// and the commands of their own — `keyward audit` (the rules on a live estate nobody wrote
// manifests for) and `keyward guardrails list | docs`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/options.h"
#include "engine/guardrails/check.h"
#include "engine/plan.h"
#include "engine/validate.h"

namespace CLI {
class App;
}

namespace keyward::cli {

// The rules of this build: the engine's own and the Key Vault rules.
const engine::guardrails::RuleRegistry& GuardrailRules();

// Findings on the manifests alone (`keyward validate`).
engine::guardrails::CheckResult DesiredFindings(const engine::ValidationResult& loaded,
                                                const Context& ctx);

// Writes the SARIF log of `findings` to `path` ("" = not asked for). False after printing why.
bool WriteSarifFile(const std::string& path,
                    const std::vector<engine::guardrails::Finding>& findings,
                    const engine::guardrails::Policy& policy, const std::string& automation_id);
// kExitError after naming the failing findings on stderr when failOn is reached, else kExitOk.
int FailOnExitCode(const std::vector<engine::guardrails::Finding>& findings,
                   const engine::guardrails::Policy& policy);

struct GuardrailCommandFlags {
  // keyward audit
  std::string subscription;
  std::string resource_group;
  std::string format = "text";  // text | json
  std::string sarif;
  std::string config;   // a keyward.yaml whose guardrails: section applies
  std::string fail_on;  // low | medium | high | critical | none (overrides the config)
  // keyward guardrails list | docs
  std::string list_format = "text";
  std::string update;  // docs --update FILE
};

struct GuardrailCommands {
  CLI::App* audit = nullptr;
  CLI::App* list = nullptr;
  CLI::App* docs = nullptr;
};

GuardrailCommands AddGuardrailCommands(CLI::App& app, GuardrailCommandFlags& flags);
// The exit code of the guardrail command that was parsed; nullopt when none was.
std::optional<int> RunGuardrailCommand(const GlobalOptions& global,
                                       const GuardrailCommands& commands,
                                       const GuardrailCommandFlags& flags);

}  // namespace keyward::cli
