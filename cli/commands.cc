#include "cli/commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/progress.h"
#include "engine/apply.h"
#include "engine/export.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/render_text.h"
#include "engine/secret_source.h"
#include "engine/validate.h"

namespace keyward::cli {
namespace {

void PrintDiagnostics(const engine::Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.items()) std::fprintf(stderr, "%s\n", d.ToString().c_str());
}

// Loads and validates the manifests; prints every problem. Returns null on errors.
std::unique_ptr<engine::ValidationResult> LoadValid(const PlanFlags& flags,
                                                    const engine::HandlerRegistry& registry) {
  engine::RealFileReader reader;
  auto result = std::make_unique<engine::ValidationResult>(
      engine::ValidateManifests(flags.paths, reader, registry));
  PrintDiagnostics(result->diagnostics);
  if (result->diagnostics.HasErrors()) {
    int errors = 0;
    for (const auto& d : result->diagnostics.items())
      if (d.severity == engine::Severity::kError) ++errors;
    std::fprintf(stderr, "%d error(s) in the manifests; nothing was read from or written to Azure.\n",
                 errors);
    return nullptr;
  }
  return result;
}

engine::PlanOptions MakePlanOptions(const engine::ValidationResult& loaded, const PlanFlags& flags) {
  engine::PlanOptions options;
  options.prune = flags.prune || loaded.set.config.prune;
  options.purge_then_create = loaded.purge_then_create;
  options.stack = loaded.set.config.stack;
  return options;
}

struct PlannedRun {
  std::unique_ptr<engine::ValidationResult> loaded;
  engine::Plan plan;
};

// validate -> refresh -> plan. Returns null (after printing why) on any error.
std::unique_ptr<PlannedRun> LoadRefreshPlan(const PlanFlags& flags,
                                            const engine::HandlerRegistry& registry,
                                            const Context& ctx) {
  auto run = std::make_unique<PlannedRun>();
  run->loaded = LoadValid(flags, registry);
  if (!run->loaded) return nullptr;
  // Secret values are read (and only fingerprinted) here, not in validate.
  engine::RealFileReader files;
  const engine::Diagnostics secrets =
      engine::ResolveSecretFingerprints(run->loaded->set, files, engine::RealEnvironment());
  PrintDiagnostics(secrets);
  if (secrets.HasErrors()) {
    std::fprintf(stderr,
                 "Secret values could not be read; nothing was read from or written to Azure.\n");
    return nullptr;
  }

  auto observed = engine::Refresh(run->loaded->set, registry, {}, ctx);
  if (!observed) {
    std::fprintf(stderr, "error: reading live state from Azure failed: %s\n",
                 observed.error().ToString().c_str());
    return nullptr;
  }
  run->plan = engine::MakePlan(run->loaded->set, *observed, registry,
                               MakePlanOptions(*run->loaded, flags));
  PrintDiagnostics(run->plan.diagnostics);
  if (run->plan.diagnostics.HasErrors()) return nullptr;
  return run;
}

bool ConfirmInteractively() {
  if (!isatty(STDIN_FILENO)) {
    std::fprintf(stderr,
                 "error: apply needs confirmation, but standard input is not a terminal; "
                 "review the plan and re-run with --auto-approve\n");
    return false;
  }
  std::printf("\nDo you want to perform these actions?\n  Only 'yes' will be accepted: ");
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

Context MakeContext() {
  Context ctx;
  ctx.cancelled = CancellationFlag();
  return ctx;
}

}  // namespace

std::shared_ptr<std::atomic<bool>> CancellationFlag() {
  static auto flag = std::make_shared<std::atomic<bool>>(false);
  return flag;
}

int RunValidate(const GlobalOptions& global, const PlanFlags& flags) {
  auto registry = MakeAzureRegistry(global);
  auto loaded = LoadValid(flags, *registry);
  if (!loaded) return kExitError;
  const std::string& stack = loaded->set.config.stack;
  std::printf("The manifests are valid: %zu resource(s) %s.\n", loaded->set.resources.size(),
              stack.empty() ? "without a stack (unowned: nothing is tagged, adopted or pruned)"
                            : ("in stack '" + stack + "'").c_str());
  return kExitOk;
}

int RunPlan(const GlobalOptions& global, const PlanFlags& flags) {
  auto registry = MakeAzureRegistry(global);
  const Context ctx = MakeContext();
  auto run = LoadRefreshPlan(flags, *registry, ctx);
  if (!run) return kExitError;

  engine::TextRenderOptions render;
  render.show_no_ops = flags.show_no_ops;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(run->plan, render).c_str(), stdout);
  if (flags.detailed_exitcode && run->plan.HasChanges()) return kExitChanges;
  return kExitOk;
}

int RunApply(const GlobalOptions& global, const PlanFlags& flags) {
  auto registry = MakeAzureRegistry(global);
  const Context ctx = MakeContext();
  auto run = LoadRefreshPlan(flags, *registry, ctx);
  if (!run) return kExitError;

  engine::TextRenderOptions render;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(run->plan, render).c_str(), stdout);
  if (!run->plan.HasChanges()) return kExitOk;
  if (!flags.auto_approve && !ConfirmInteractively()) {
    std::printf("Apply cancelled.\n");
    return kExitError;
  }
  std::printf("\n");

  engine::ApplyOptions options;
  options.parallelism =
      flags.parallelism > 0 ? flags.parallelism : run->loaded->set.config.parallelism;
  options.allow_destroy = flags.allow_destroy;
  options.allow_replace = flags.allow_replace;
  ProgressPrinter progress(stdout);
  const engine::ApplyReport report =
      engine::Apply(run->plan, &run->loaded->set, *registry, options, progress, ctx);

  std::printf("\n%s Resources: %d changed, %d failed, %d skipped, %d blocked.\n",
              report.ok() ? "Apply complete!" : "Apply finished with errors.", report.succeeded,
              report.failed, report.skipped, report.blocked);
  if (ctx.IsCancelled()) std::printf("Apply was interrupted; re-run to converge.\n");
  return report.ok() ? kExitOk : kExitError;
}

int RunGraph(const GlobalOptions& global, const PlanFlags& flags, bool dot) {
  auto registry = MakeAzureRegistry(global);
  auto loaded = LoadValid(flags, *registry);
  if (!loaded) return kExitError;
  std::fputs(dot ? loaded->graph.ToDot().c_str() : loaded->graph.Dump().c_str(), stdout);
  return kExitOk;
}

int RunExport(const GlobalOptions& global, const ExportFlags& flags) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(flags.out, error)) {
    if (!fs::is_directory(flags.out, error)) {
      std::fprintf(stderr, "error: --out %s exists and is not a directory\n", flags.out.c_str());
      return kExitError;
    }
    if (!fs::is_empty(flags.out, error) && !flags.force) {
      std::fprintf(stderr,
                   "error: --out %s is not empty; choose an empty directory or pass --force to "
                   "overwrite the files export writes there\n",
                   flags.out.c_str());
      return kExitError;
    }
  }

  auto registry = MakeAzureRegistry(global);
  const Context ctx = MakeContext();
  engine::ExportOptions options;
  options.subscription = flags.subscription;
  options.resource_group = flags.resource_group;
  options.stack = flags.stack;
  engine::RefreshOptions refresh;
  refresh.scopes = {engine::ExportScope(options)};
  refresh.all_in_scope = true;
  // No desired resources and no stack: every handler lists what is in scope, owns nothing.
  const engine::DesiredSet nothing;
  auto observed = engine::Refresh(nothing, *registry, refresh, ctx);
  if (!observed) {
    std::fprintf(stderr, "error: reading live state from Azure failed: %s\n",
                 observed.error().ToString().c_str());
    return kExitError;
  }
  const engine::ExportResult result = engine::BuildExport(*observed, *registry, options);

  fs::create_directories(flags.out, error);
  if (error) {
    std::fprintf(stderr, "error: cannot create %s: %s\n", flags.out.c_str(),
                 error.message().c_str());
    return kExitError;
  }
  for (const auto& [name, text] : result.files) {
    const fs::path path = fs::path(flags.out) / name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
      return kExitError;
    }
  }
  std::printf("Exported %d resource(s) from %s into %zu file(s) in %s.\n", result.documents,
              engine::ExportScope(options).c_str(), result.files.size(), flags.out.c_str());
  for (const std::string& address : result.skipped)
    std::printf("  not exported (no manifest can describe it, e.g. a Pending connection): %s\n",
                address.c_str());
  if (flags.stack.empty()) {
    std::printf(
        "keyward.yaml sets no stack: `keyward plan %s` shows no-op, except exported secrets\n"
        "(blocked until their placeholder environment variables are set). See docs/export.md.\n",
        flags.out.c_str());
  } else {
    std::printf(
        "keyward.yaml sets stack '%s': `keyward plan %s` shows `adopt` for what it can\n"
        "tag. See docs/export.md.\n",
        flags.stack.c_str(), flags.out.c_str());
  }
  return kExitOk;
}

}  // namespace keyward::cli
