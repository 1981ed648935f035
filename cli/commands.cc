#include "cli/commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/progress.h"
#include "cli/stack_lock.h"
#include "engine/apply.h"
#include "engine/export.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/render_json.h"
#include "engine/render_markdown.h"
#include "engine/render_text.h"
#include "engine/saved_plan.h"
#include "engine/secret_source.h"
#include "engine/validate.h"
#include "providers/azure/arm/arm_client.h"

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
    std::fprintf(stderr,
                 "%d error(s) in the manifests; nothing was read from or written to Azure.\n",
                 errors);
    return nullptr;
  }
  return result;
}

engine::PlanOptions MakePlanOptions(const engine::ValidationResult& loaded,
                                    const PlanFlags& flags) {
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

// validate -> refresh -> plan. Returns null (after printing why) when there is no plan; a plan
// whose diagnostics hold errors is returned, to be shown (and saved) but never applied.
std::unique_ptr<PlannedRun> LoadRefreshPlan(const GlobalOptions& global, const PlanFlags& flags,
                                            const engine::HandlerRegistry& registry,
                                            azure::ArmClient& arm, const Context& ctx) {
  auto run = std::make_unique<PlannedRun>();
  run->loaded = LoadValid(flags, registry);
  if (!run->loaded) return nullptr;
  UseTimeouts(global, run->loaded->set.config, arm);
  // Secret values are read (and only fingerprinted) here, not in validate.
  const engine::Diagnostics secrets = ResolveSecrets(run->loaded->set);
  PrintDiagnostics(secrets);
  if (secrets.HasErrors()) {
    std::fprintf(stderr,
                 "Secret values could not be read; nothing was read from or written to Azure.\n");
    return nullptr;
  }

  auto plan = RefreshAndPlan(*run->loaded, flags, registry, ctx);
  if (!plan) {
    std::fprintf(stderr, "error: %s\n", plan.error().ToString().c_str());
    return nullptr;
  }
  run->plan = std::move(*plan);
  PrintDiagnostics(run->plan.diagnostics);
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

// Prints the plan in the chosen format (and writes the Markdown parts when asked). False after
// printing why when a file could not be written.
bool EmitPlan(const engine::Plan& plan, const std::string& manifest_digest,
              const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files) {
  if (files.format == "json") {
    engine::JsonRenderOptions options;
    options.keyward_version = KEYWARD_VERSION;
    options.manifest_digest = manifest_digest;
    std::fputs(engine::RenderPlanJson(plan, options).c_str(), stdout);
    return true;
  }
  if (files.format == "markdown") {
    engine::MarkdownRenderOptions options;
    options.show_no_ops = flags.show_no_ops;
    const std::vector<std::string> parts = engine::RenderPlanMarkdown(plan, options);
    for (size_t i = 0; i < parts.size(); ++i) {
      std::printf("%s%s\n", i ? "\n" : "", parts[i].c_str());
      if (files.markdown_dir.empty()) continue;
      char name[32];
      std::snprintf(name, sizeof(name), "/plan-%03zu.md", i + 1);
      const std::string path = files.markdown_dir + name;
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << parts[i] << '\n';
      if (!out.flush()) {
        std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
        return false;
      }
    }
    if (!files.markdown_dir.empty())
      std::fprintf(stderr, "Wrote %zu Markdown part(s) to %s/plan-NNN.md.\n", parts.size(),
                   files.markdown_dir.c_str());
    return true;
  }
  engine::TextRenderOptions render;
  render.show_no_ops = flags.show_no_ops;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(plan, render).c_str(), stdout);
  return true;
}

// Terraform's -detailed-exitcode: 0 no changes, 1 error, 2 changes present.
int PlanExitCode(const engine::Plan& plan, bool detailed) {
  if (plan.diagnostics.HasErrors()) return kExitError;
  return detailed && plan.HasChanges() ? kExitChanges : kExitOk;
}

// Runs the plan and prints the outcome; shared by apply-from-manifests and apply-saved-plan.
int ApplyAndReport(const engine::Plan& plan, const engine::DesiredSet& desired,
                   const engine::HandlerRegistry& registry, const PlanFlags& flags,
                   const Context& ctx) {
  // One writer per stack: wait for a daemon or another apply on this stack to finish.
  auto lock = StackLock::Acquire(
      StateDir(""), desired.config.stack, "apply",
      /*wait=*/true, ctx, [](const std::string& holder) {
        std::fprintf(stderr, "Waiting for the stack lock held by %s...\n", holder.c_str());
      });
  if (!lock && lock.error().code == ErrorCode::kPermissionDenied) {
    // No writable state directory (e.g. a read-only container): apply still works, unguarded.
    std::fprintf(stderr, "warning: %s; applying without the stack lock (set KEYWARD_STATE_DIR)\n",
                 lock.error().ToString().c_str());
  } else if (!lock) {
    std::fprintf(stderr, "error: %s\n", lock.error().ToString().c_str());
    return kExitError;
  }

  engine::ApplyOptions options;
  options.parallelism = flags.parallelism > 0 ? flags.parallelism : desired.config.parallelism;
  options.allow_destroy = flags.allow_destroy;
  options.allow_replace = flags.allow_replace;
  ProgressPrinter progress(stdout);
  const engine::ApplyReport report =
      engine::Apply(plan, &desired, registry, options, progress, ctx);

  std::printf("\n%s Resources: %d changed, %d failed, %d skipped, %d blocked.\n",
              report.ok() ? "Apply complete!" : "Apply finished with errors.", report.succeeded,
              report.failed, report.skipped, report.blocked);
  if (ctx.IsCancelled()) std::printf("Apply was interrupted; re-run to converge.\n");
  return report.ok() ? kExitOk : kExitError;
}

Result<engine::SavedPlan> ReadSavedPlan(const std::string& path) {
  engine::RealFileReader reader;
  auto text = reader.Read(path);
  if (!text) return tl::unexpected<Error>(text.error());
  return engine::ParseSavedPlan(*text, path);
}

std::string JoinStale(const std::vector<engine::StaleChange>& stale) {
  std::string out;
  for (const auto& s : stale) out += (out.empty() ? "" : "; ") + s.address + " " + s.why;
  return out;
}

// `apply FILE [PATHS...]`: exactly the saved plan, or nothing when anything moved since.
int ApplySavedPlan(const GlobalOptions& global, const PlanFlags& flags,
                   const PlanFileFlags& files) {
  auto saved = ReadSavedPlan(files.plan_file);
  if (!saved) {
    std::fprintf(stderr, "error: %s\n", saved.error().ToString().c_str());
    return kExitError;
  }
  if (saved->plan.diagnostics.HasErrors()) {
    PrintDiagnostics(saved->plan.diagnostics);
    std::fprintf(stderr,
                 "error: %s was planned with errors; it can be shown (keyward show) but never "
                 "applied\n",
                 files.plan_file.c_str());
    return kExitError;
  }
  if (saved->keyward_version != KEYWARD_VERSION) {
    std::fprintf(stderr,
                 "error: %s was planned by keyward %s, this is keyward %s; re-run keyward plan "
                 "with this version\n",
                 files.plan_file.c_str(), saved->keyward_version.c_str(), KEYWARD_VERSION);
    return kExitError;
  }
  std::shared_ptr<azure::ArmClient> arm;
  auto registry = MakeAzureRegistry(global, &arm);
  UseTimeouts(global, saved->desired.config, *arm);
  if (!flags.paths.empty()) {
    auto loaded = LoadValid(flags, *registry);
    if (!loaded) return kExitError;
    if (loaded->set.digest != saved->desired.digest) {
      auto changed = engine::FindChangedManifests(saved->desired, loaded->set);
      std::fprintf(stderr,
                   "error: plan is stale: the manifests changed since the plan was made%s%s; "
                   "nothing was written. Re-run keyward plan and review the new plan.\n",
                   changed.empty() ? " (only outside resource definitions)" : ": ",
                   JoinStale(changed).c_str());
      return kExitError;
    }
  }

  engine::TextRenderOptions render;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(saved->plan, render).c_str(), stdout);
  if (!saved->plan.HasChanges()) return kExitOk;

  // Re-read what the plan touches and re-plan: MakePlan is pure, so the same live state gives
  // the same changes and fingerprints.
  const Context ctx = MakeContext();
  auto observed = engine::Refresh(saved->desired, *registry,
                                  {engine::PruneScopes(saved->desired, saved->options.prune)}, ctx);
  if (!observed) {
    std::fprintf(stderr, "error: reading live state from Azure failed: %s\n",
                 observed.error().ToString().c_str());
    return kExitError;
  }
  const engine::Plan fresh = engine::MakePlan(saved->desired, *observed, *registry, saved->options);
  const auto stale = engine::FindStaleChanges(saved->plan, fresh);
  if (!stale.empty()) {
    std::fprintf(stderr,
                 "error: plan is stale: %s; nothing was written. Re-run keyward plan and review "
                 "the new plan.\n",
                 JoinStale(stale).c_str());
    return kExitError;
  }
  std::printf("\n");
  return ApplyAndReport(saved->plan, saved->desired, *registry, flags, ctx);
}

}  // namespace

engine::Diagnostics ResolveSecrets(engine::DesiredSet& desired) {
  engine::RealFileReader files;
  return engine::ResolveSecretFingerprints(desired, files, engine::RealEnvironment());
}

Result<engine::Plan> RefreshAndPlan(const engine::ValidationResult& loaded, const PlanFlags& flags,
                                    const engine::HandlerRegistry& registry, const Context& ctx) {
  const engine::PlanOptions options = MakePlanOptions(loaded, flags);
  auto observed =
      engine::Refresh(loaded.set, registry, {engine::PruneScopes(loaded.set, options.prune)}, ctx);
  if (!observed)
    return MakeError(observed.error().code,
                     "reading live state from Azure failed: " + observed.error().message,
                     observed.error().detail);
  return engine::MakePlan(loaded.set, *observed, registry, options);
}

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

int RunPlan(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files) {
  std::shared_ptr<azure::ArmClient> arm;
  auto registry = MakeAzureRegistry(global, &arm);
  const Context ctx = MakeContext();
  auto run = LoadRefreshPlan(global, flags, *registry, *arm, ctx);
  if (!run) return kExitError;

  if (!files.out.empty()) {
    engine::SavedPlan saved;
    saved.keyward_version = KEYWARD_VERSION;
    saved.options = MakePlanOptions(*run->loaded, flags);
    saved.desired = run->loaded->set;
    saved.plan = run->plan;
    if (auto written =
            engine::WriteFilePrivateAtomically(files.out, engine::SerializeSavedPlan(saved));
        !written) {
      std::fprintf(stderr, "error: %s\n", written.error().ToString().c_str());
      return kExitError;
    }
  }
  if (!EmitPlan(run->plan, run->loaded->set.digest, global, flags, files)) return kExitError;
  if (!files.out.empty())
    std::fprintf(stderr,
                 run->plan.diagnostics.HasErrors()
                     ? "Saved the plan to %s; it has errors and can be shown but not applied.\n"
                     : "Saved the plan to %s. To apply exactly this plan: keyward apply %s\n",
                 files.out.c_str(), files.out.c_str());
  return PlanExitCode(run->plan, flags.detailed_exitcode);
}

int RunShow(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files) {
  auto saved = ReadSavedPlan(files.plan_file);
  if (!saved) {
    std::fprintf(stderr, "error: %s\n", saved.error().ToString().c_str());
    return kExitError;
  }
  if (!EmitPlan(saved->plan, saved->desired.digest, global, flags, files)) return kExitError;
  return flags.detailed_exitcode ? PlanExitCode(saved->plan, true) : kExitOk;
}

int RunApply(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files) {
  if (!files.plan_file.empty()) return ApplySavedPlan(global, flags, files);
  std::shared_ptr<azure::ArmClient> arm;
  auto registry = MakeAzureRegistry(global, &arm);
  const Context ctx = MakeContext();
  auto run = LoadRefreshPlan(global, flags, *registry, *arm, ctx);
  if (!run) return kExitError;

  engine::TextRenderOptions render;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(run->plan, render).c_str(), stdout);
  if (run->plan.diagnostics.HasErrors()) return kExitError;
  if (!run->plan.HasChanges()) return kExitOk;
  if (!flags.auto_approve && !ConfirmInteractively()) {
    std::printf("Apply cancelled.\n");
    return kExitError;
  }
  std::printf("\n");
  return ApplyAndReport(run->plan, run->loaded->set, *registry, flags, ctx);
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
