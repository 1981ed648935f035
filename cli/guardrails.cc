#include "cli/guardrails.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "engine/export.h"
#include "engine/guardrails/estate.h"
#include "engine/guardrails/render_findings.h"
#include "engine/guardrails/rule_docs.h"
#include "engine/guardrails/sarif.h"
#include "engine/scrubber.h"
#include "providers/azure/guardrails/key_vault_rules.h"

namespace keyward::cli {
namespace {

namespace gr = engine::guardrails;

constexpr char kAuditFormatVersion[] = "1.0";

void PrintDiagnostics(const engine::Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.items()) std::fprintf(stderr, "%s\n", d.ToString().c_str());
}

// The policy `keyward audit` runs with: --config's guardrails section (or every rule with its
// defaults), then --fail-on.
std::optional<gr::Policy> AuditPolicy(const GuardrailCommandFlags& flags) {
  gr::Policy policy;
  if (flags.config.empty()) {
    engine::Diagnostics unused;
    policy = gr::LoadPolicy(engine::StackConfig{}, GuardrailRules(), &unused);
  } else {
    engine::RealFileReader reader;
    engine::Diagnostics diagnostics;
    auto loaded = gr::LoadPolicyFile(flags.config, reader, GuardrailRules(), &diagnostics);
    PrintDiagnostics(diagnostics);
    if (!loaded) {
      std::fprintf(stderr, "error: %s\n", loaded.error().ToString().c_str());
      return std::nullopt;
    }
    policy = std::move(*loaded);
  }
  if (!flags.fail_on.empty()) policy.fail_on = gr::ParseSeverity(flags.fail_on);  // none: unset
  return policy;
}

int RunAudit(const GlobalOptions& global, const GuardrailCommandFlags& flags) {
  std::optional<gr::Policy> policy = AuditPolicy(flags);
  if (!policy) return kExitError;

  auto registry = MakeAzureRegistry(global);
  const Context ctx = MakeContext();
  engine::ExportOptions scope;
  scope.subscription = flags.subscription;
  scope.resource_group = flags.resource_group;
  // No manifests: everything in scope, exactly as `keyward export` reads it.
  auto observed = ReadExportScope(scope, *registry, ctx);
  if (!observed) return kExitError;
  const gr::Estate estate = gr::LiveEstate(*observed, *registry);
  gr::CheckResult checked = gr::CheckGuardrails({&estate, &*policy, gr::UtcDate(ctx.clock->Now())});
  PrintDiagnostics(checked.diagnostics);

  if (flags.format == "json") {
    const nlohmann::json report = {{"format_version", kAuditFormatVersion},
                                   {"keyward_version", KEYWARD_VERSION},
                                   {"scope", engine::ExportScope(scope)},
                                   {"resources", estate.subjects().size()},
                                   {"findings", gr::FindingsToJson(checked.findings)}};
    std::fputs(
        (report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(),
        stdout);
  } else {
    std::printf("Audited %zu resource(s) in %s.\n", estate.subjects().size(),
                engine::ExportScope(scope).c_str());
    if (checked.findings.empty()) {
      std::printf("Guardrails: no findings.\n");
    } else {
      std::fputs(gr::RenderFindingsText(checked.findings, {.color = global.color}).c_str(), stdout);
    }
  }
  if (!WriteSarifFile(flags.sarif, checked.findings, *policy, "keyward/audit/")) return kExitError;
  return FailOnExitCode(checked.findings, *policy);
}

int RunList(const GuardrailCommandFlags& flags) {
  if (flags.list_format == "json") {
    nlohmann::json rules = nlohmann::json::array();
    for (const gr::Rule& rule : GuardrailRules().all()) {
      nlohmann::json parameters = nlohmann::json::object();
      for (const gr::RuleParameter& p : rule.info.parameters) parameters[p.name] = p.default_value;
      rules.push_back({{"id", rule.info.id},
                       {"name", rule.info.name},
                       {"title", rule.info.title},
                       {"severity", gr::SeverityName(rule.info.severity)},
                       {"kinds", rule.info.kinds},
                       {"parameters", std::move(parameters)}});
    }
    std::fputs((rules.dump(2) + "\n").c_str(), stdout);
    return kExitOk;
  }
  for (const gr::Rule& rule : GuardrailRules().all()) {
    std::string kinds;
    for (const std::string& kind : rule.info.kinds) kinds += (kinds.empty() ? "" : ",") + kind;
    std::printf("%-10s %-8s %-45s %s\n", rule.info.id.c_str(), gr::SeverityName(rule.info.severity),
                kinds.empty() ? "*" : kinds.c_str(), rule.info.title.c_str());
  }
  return kExitOk;
}

int RunDocs(const GuardrailCommandFlags& flags) {
  const std::string generated = gr::RuleReferenceMarkdown(GuardrailRules());
  if (flags.update.empty()) {
    std::fputs(generated.c_str(), stdout);
    return kExitOk;
  }
  engine::RealFileReader reader;
  auto document = reader.Read(flags.update);
  if (!document) {
    std::fprintf(stderr, "error: %s\n", document.error().ToString().c_str());
    return kExitError;
  }
  auto updated = gr::ReplaceGeneratedSection(*document, generated);
  if (!updated) {
    std::fprintf(stderr, "error: %s: %s\n", flags.update.c_str(), updated.error().message.c_str());
    return kExitError;
  }
  std::ofstream out(flags.update, std::ios::binary | std::ios::trunc);
  out << *updated;
  if (!out.flush()) {
    std::fprintf(stderr, "error: cannot write %s\n", flags.update.c_str());
    return kExitError;
  }
  std::fprintf(stderr, "Updated the rule reference in %s.\n", flags.update.c_str());
  return kExitOk;
}

}  // namespace

const gr::RuleRegistry& GuardrailRules() { return azure::guardrails::KeyVaultGuardrails(); }

gr::CheckResult DesiredFindings(const engine::ValidationResult& loaded, const Context& ctx) {
  const gr::Estate estate = gr::DesiredEstate(loaded.set);
  return gr::CheckGuardrails({&estate, &loaded.guardrails, gr::UtcDate(ctx.clock->Now())});
}

bool WriteSarifFile(const std::string& path, const std::vector<gr::Finding>& findings,
                    const gr::Policy& policy, const std::string& automation_id) {
  if (path.empty()) return true;
  gr::SarifOptions options;
  options.tool_version = KEYWARD_VERSION;
  options.automation_id = automation_id;
  std::error_code error;
  options.source_root = std::filesystem::current_path(error).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  // Like every file keyward writes for people or programs (engine/scrubber.h).
  out << engine::Scrubber::Process().Scrub(gr::RenderSarif(findings, policy, options));
  if (!out.flush()) {
    std::fprintf(stderr, "error: cannot write the SARIF file %s\n", path.c_str());
    return false;
  }
  return true;
}

int FailOnExitCode(const std::vector<gr::Finding>& findings, const gr::Policy& policy) {
  const std::string message = gr::FailOnMessage(findings, policy);
  if (message.empty()) return kExitOk;
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kExitError;
}

GuardrailCommands AddGuardrailCommands(CLI::App& app, GuardrailCommandFlags& flags) {
  GuardrailCommands commands;
  commands.audit = app.add_subcommand(
      "audit",
      "Check the guardrail rules on the Key Vault resources that exist in Azure (no manifests)");
  commands.audit->add_option("--subscription", flags.subscription, "Subscription id")->required();
  commands.audit->add_option("--resource-group", flags.resource_group,
                             "Audit only this resource group (default: the whole subscription)");
  commands.audit->add_option("--format", flags.format, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  commands.audit->add_option("--sarif", flags.sarif, "Also write the findings as SARIF 2.1.0");
  commands.audit
      ->add_option("--config", flags.config,
                   "A keyward.yaml whose guardrails: section (rules, severities, parameters, "
                   "failOn) applies")
      ->check(CLI::ExistingFile);
  commands.audit
      ->add_option("--fail-on", flags.fail_on,
                   "Exit 1 when a finding at or above this severity is present: low, medium, "
                   "high, critical or none (overrides --config's failOn)")
      ->check(CLI::IsMember({"low", "medium", "high", "critical", "none"}));

  CLI::App* group = app.add_subcommand("guardrails", "The guardrail rules of this build");
  group->require_subcommand(1);
  commands.list = group->add_subcommand("list", "List the rules: id, severity, kinds, title");
  commands.list->add_option("--format", flags.list_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  commands.docs = group->add_subcommand(
      "docs", "Print the rule reference (Markdown) that docs/guardrails.md embeds");
  commands.docs
      ->add_option("--update", flags.update,
                   "Rewrite the generated section of this Markdown file in place")
      ->check(CLI::ExistingFile);
  return commands;
}

std::optional<int> RunGuardrailCommand(const GlobalOptions& global,
                                       const GuardrailCommands& commands,
                                       const GuardrailCommandFlags& flags) {
  if (commands.audit && commands.audit->parsed()) return RunAudit(global, flags);
  if (commands.list && commands.list->parsed()) return RunList(flags);
  if (commands.docs && commands.docs->parsed()) return RunDocs(flags);
  return std::nullopt;
}

}  // namespace keyward::cli
