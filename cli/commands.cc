#include "cli/commands.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "cli/guardrails.h"
#include "cli/lock.h"
#include "cli/progress.h"
#include "cli/stack_lock.h"
#include "engine/apply.h"
#include "engine/export.h"
#include "engine/guardrails/render_findings.h"
#include "engine/refresh.h"
#include "engine/render_json.h"
#include "engine/render_markdown.h"
#include "engine/render_text.h"
#include "engine/run.h"
#include "engine/saved_plan.h"
#include "engine/scrubber.h"
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
  const engine::RealEnvironment env;
  auto result = std::make_unique<engine::ValidationResult>(
      engine::ValidateManifests(flags.paths, reader, registry, &env, &GuardrailRules()));
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

// The flags' share of a run (engine/run.h); keyward.yaml (`config`) gives the rest.
engine::RunSettings Settings(const PlanFlags& flags, const engine::StackConfig& config) {
  engine::RunSettings settings;
  settings.prune = flags.prune;
  settings.parallelism = flags.parallelism;
  settings.allow_destroy = flags.allow_destroy;
  settings.allow_replace = flags.allow_replace;
  if (flags.read_cache)
    settings.read_cache_prefix = StateDir("") + "/read-cache/" + StackFileStem(config.stack);
  return settings;
}

// LoadValid, then every Secret's value read and fingerprinted (not in validate: it needs values).
// Returns null after printing why.
std::unique_ptr<engine::ValidationResult> LoadResolved(const PlanFlags& flags,
                                                       const engine::HandlerRegistry& registry) {
  auto loaded = LoadValid(flags, registry);
  if (!loaded) return nullptr;
  engine::RealFileReader files;
  const engine::Diagnostics secrets =
      engine::ResolveSecretFingerprints(loaded->set, files, engine::RealEnvironment());
  PrintDiagnostics(secrets);
  if (secrets.HasErrors()) {
    std::fprintf(stderr,
                 "Secret values could not be read; nothing was read from or written to Azure.\n");
    return nullptr;
  }
  return loaded;
}

// refresh -> plan, printing the plan's diagnostics. nullopt after printing why there is no plan;
// a plan whose diagnostics hold errors is returned, to be shown (and saved) but never applied.
std::optional<engine::Plan> PlanPrinted(const engine::ValidationResult& loaded,
                                        const PlanFlags& flags,
                                        const engine::HandlerRegistry& registry,
                                        const Context& ctx) {
  auto plan = engine::RefreshAndPlan(loaded, Settings(flags, loaded.set.config), registry, ctx);
  if (!plan) {
    std::fprintf(stderr, "error: %s\n", plan.error().ToString().c_str());
    return std::nullopt;
  }
  PrintDiagnostics(plan->diagnostics);
  return std::move(*plan);
}

// One writer per stack, and the lock comes before live state is read: a plan made from state read
// before the lock could be overtaken by the writer it waited for and then overwrite its changes.
// The lock's backend comes from keyward.yaml's `lock:` and the --lock-* flags (docs/ha.md); its
// lease fences every ARM write made under `ctx` from here on (ctx->write_guard). Waits for
// another writer unless --no-wait-for-lock. False after printing why the lock cannot be had.
bool LockStack(const GlobalOptions& global, const engine::StackConfig& config,
               const PlanFlags& flags, const char* command, Context* ctx,
               std::shared_ptr<coordination::HeldLock>* lock) {
  engine::LockBackendKind backend = engine::LockBackendKind::kLocal;
  auto acquired =
      AcquireStackLock(global, config, flags.lock, command, flags.wait_for_lock, *ctx, &backend);
  if (acquired) {
    *lock = *acquired;
    ctx->write_guard = *acquired;
    return true;
  }
  if (acquired.error().code == ErrorCode::kPermissionDenied &&
      backend == engine::LockBackendKind::kLocal) {
    // No writable state directory (e.g. a read-only container): apply still works, unguarded.
    std::fprintf(stderr, "warning: %s; applying without the stack lock (set KEYWARD_STATE_DIR)\n",
                 acquired.error().ToString().c_str());
    return true;
  }
  std::fprintf(stderr, "error: %s\n", acquired.error().ToString().c_str());
  return false;
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
      // Files bypass stdout's scrubbing (cli/process_hygiene.h): scrub here.
      out << engine::Scrubber::Process().Scrub(parts[i]) << '\n';
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

// Runs the plan and prints the outcome; shared by apply-from-manifests and apply-saved-plan. The
// caller holds the stack lock (LockStack) since before it read live state.
int ApplyAndReport(const engine::Plan& plan, const engine::DesiredSet& desired,
                   const engine::HandlerRegistry& registry, const PlanFlags& flags,
                   const Context& ctx) {
  ProgressPrinter progress(stdout);
  const engine::ApplyReport report = engine::Apply(
      plan, &desired, registry,
      engine::ApplyOptionsFor(desired.config, Settings(flags, desired.config)), progress, ctx);
  if (report.lock_lost) {
    std::fprintf(stderr,
                 "error: %s; apply stopped and made no further ARM writes. Another writer may "
                 "hold the stack now: re-run to re-read and re-plan.\n",
                 report.lock_lost->message.c_str());
  }

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
  for (const auto& s : stale)
    out += (out.empty() ? "" : "; ") + s.address + (s.why.empty() ? "" : " " + s.why);
  return out;
}

// The plan-signing key apply FILE verifies with, from the variable the operator named (never
// from the file being verified). Registered with the scrubber.
std::optional<std::string> PlanKey(const std::string& env) {
  const char* value = std::getenv(env.c_str());
  if (!value || !*value) return std::nullopt;
  engine::Scrubber::Process().Add(value);
  return std::string(value);
}

// `apply FILE` without PATHS trusts the file's desired set only when its signature verifies.
// False after printing why not and how to go on.
bool VerifySignature(const engine::SavedPlan& saved, const PlanFileFlags& files) {
  const std::string how =
      "Sign plans by setting the key in " + files.plan_key_env +
      " (or keyward.yaml plans.signingKeyEnv) for `keyward plan --out`, or pass the manifests "
      "(`keyward apply " +
      files.plan_file +
      " PATHS...`): apply then re-plans from them and applies only if that "
      "equals the saved plan. Nothing was written.";
  const std::optional<std::string> key = PlanKey(files.plan_key_env);
  if (!key) {
    std::fprintf(stderr,
                 "error: %s is applied without manifest paths only when its signature verifies, "
                 "and %s (the plan-signing key) is not set. %s\n",
                 files.plan_file.c_str(), files.plan_key_env.c_str(), how.c_str());
    return false;
  }
  auto verified = engine::VerifySavedPlanSignature(saved, *key);
  if (verified) return true;
  std::string hint;
  if (saved.signature && !saved.signature->key_env.empty() &&
      saved.signature->key_env != files.plan_key_env)
    hint = " (the file says it was signed with the key in " + saved.signature->key_env +
           "; if you trust that variable, pass --plan-key-env " + saved.signature->key_env + ")";
  std::fprintf(stderr, "error: %s: %s%s. %s\n", files.plan_file.c_str(),
               verified.error().message.c_str(), hint.c_str(), how.c_str());
  return false;
}

// The saved plan at `path`, when it may be applied at all: it reads, was planned without errors,
// and by this keyward. nullopt after printing why not.
std::optional<engine::SavedPlan> ReadApplicablePlan(const std::string& path) {
  auto saved = ReadSavedPlan(path);
  if (!saved) {
    std::fprintf(stderr, "error: %s\n", saved.error().ToString().c_str());
    return std::nullopt;
  }
  if (saved->plan.diagnostics.HasErrors()) {
    PrintDiagnostics(saved->plan.diagnostics);
    std::fprintf(stderr,
                 "error: %s was planned with errors; it can be shown (keyward show) but never "
                 "applied\n",
                 path.c_str());
    return std::nullopt;
  }
  if (saved->keyward_version != KEYWARD_VERSION) {
    std::fprintf(stderr,
                 "error: %s was planned by keyward %s, this is keyward %s; re-run keyward plan "
                 "with this version\n",
                 path.c_str(), saved->keyward_version.c_str(), KEYWARD_VERSION);
    return std::nullopt;
  }
  return std::move(*saved);
}

// Why the re-plan `fresh` is not the saved plan ("" when it is). With the manifests (`loaded`,
// null when the file's own desired set was re-planned), names the manifests that changed too.
std::string WhyStale(const engine::SavedPlan& saved, const engine::Plan& fresh,
                     const engine::ValidationResult* loaded) {
  auto stale = engine::FindStaleChanges(saved.plan, fresh);
  if (loaded && !stale.empty() && loaded->set.digest != saved.desired.digest) {
    auto changed = engine::FindChangedManifests(saved.desired, loaded->set);
    stale.push_back({"(the manifests changed since the plan was made" +
                         std::string(changed.empty() ? ", outside resource definitions" : ": ") +
                         JoinStale(changed) + ")",
                     ""});
  }
  return JoinStale(stale);
}

// `apply FILE [PATHS...]`: re-plans under the lock (from PATHS, or from the file's own desired set
// when its signature verifies) and applies the re-plan only when it is the saved plan.
int ApplySavedPlan(const GlobalOptions& global, const PlanFlags& flags,
                   const PlanFileFlags& files) {
  auto saved = ReadApplicablePlan(files.plan_file);
  if (!saved) return kExitError;
  std::shared_ptr<azure::ArmClient> arm;
  auto registry = MakeAzureRegistry(global, &arm);
  // What to re-plan from: the manifests (the file's options are not trusted either: --prune and
  // keyward.yaml decide), or the signed file's own desired set and options.
  std::unique_ptr<engine::ValidationResult> loaded;
  const engine::DesiredSet* desired = &saved->desired;
  engine::PlanOptions options = saved->options;
  if (!flags.paths.empty()) {
    loaded = LoadResolved(flags, *registry);
    if (!loaded) return kExitError;
    if (loaded->set.config.stack != saved->desired.config.stack) {
      std::fprintf(stderr,
                   "error: plan is stale: it was made for stack '%s', the manifests are stack "
                   "'%s'; nothing was written.\n",
                   saved->desired.config.stack.c_str(), loaded->set.config.stack.c_str());
      return kExitError;
    }
    desired = &loaded->set;
    options = engine::PlanOptionsFor(*loaded, Settings(flags, loaded->set.config));
  } else if (!VerifySignature(*saved, files)) {
    return kExitError;
  }
  UseTimeouts(global, desired->config, *arm);

  Context ctx = MakeContext();
  std::shared_ptr<coordination::HeldLock> lock;
  if (!LockStack(global, desired->config, flags, "apply", &ctx, &lock)) return kExitError;
  // MakePlan is pure: the same desired set and live state give the same changes and fingerprints.
  auto replanned =
      engine::Replan(*desired, options, Settings(flags, desired->config), *registry, ctx);
  if (!replanned) {
    std::fprintf(stderr, "error: %s\n", replanned.error().ToString().c_str());
    return kExitError;
  }
  const engine::Plan& fresh = *replanned;
  PrintDiagnostics(fresh.diagnostics);
  if (const std::string stale = WhyStale(*saved, fresh, loaded.get()); !stale.empty()) {
    std::fprintf(stderr,
                 "error: plan is stale: %s; nothing was written. Re-run keyward plan and review "
                 "the new plan.\n",
                 stale.c_str());
    return kExitError;
  }
  // Only now is there a plan to show: the file's own rendering is not trusted, the re-plan equal
  // to it is what runs.
  engine::TextRenderOptions render;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(fresh, render).c_str(), stdout);
  if (fresh.diagnostics.HasErrors()) return kExitError;
  if (!fresh.HasChanges()) return kExitOk;
  std::printf("\n");
  return ApplyAndReport(fresh, *desired, *registry, flags, ctx);
}

// export --out must be a directory that is empty, or --force. False after printing why not.
bool ExportDirectoryUsable(const ExportFlags& flags) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(flags.out, error)) return true;
  if (!fs::is_directory(flags.out, error)) {
    std::fprintf(stderr, "error: --out %s exists and is not a directory\n", flags.out.c_str());
    return false;
  }
  if (!fs::is_empty(flags.out, error) && !flags.force) {
    std::fprintf(stderr,
                 "error: --out %s is not empty; choose an empty directory or pass --force to "
                 "overwrite the files export writes there\n",
                 flags.out.c_str());
    return false;
  }
  return true;
}

// Overwriting a stack's manifests (--force) must not race a writer of that stack: takes its lock
// when the stack is known (--stack, or the keyward.yaml being overwritten). Without a writable
// state directory, goes on unlocked. False after printing why the lock cannot be had.
bool LockExportedStack(const GlobalOptions& global, const ExportFlags& flags,
                       const engine::HandlerRegistry& registry, const Context& ctx,
                       std::shared_ptr<coordination::HeldLock>* lock) {
  namespace fs = std::filesystem;
  std::error_code error;
  engine::StackConfig config;
  if (fs::exists(fs::path(flags.out) / "keyward.yaml", error)) {
    engine::RealFileReader reader;
    config = engine::ValidateManifests({flags.out}, reader, registry).set.config;
  }
  if (!flags.stack.empty()) config.stack = flags.stack;
  if (config.stack.empty()) return true;
  engine::LockBackendKind backend = engine::LockBackendKind::kLocal;
  auto held = AcquireStackLock(global, config, flags.lock, "export", /*wait=*/false, ctx, &backend);
  if (!held && !(held.error().code == ErrorCode::kPermissionDenied &&
                 backend == engine::LockBackendKind::kLocal)) {
    std::fprintf(stderr, "error: %s\n", held.error().ToString().c_str());
    return false;
  }
  if (held) *lock = *held;
  return true;
}

// Writes export's files under `out` (created when missing). False after printing why not.
bool WriteExportFiles(const std::string& out, const engine::ExportResult& result) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(out, error);
  if (error) {
    std::fprintf(stderr, "error: cannot create %s: %s\n", out.c_str(), error.message().c_str());
    return false;
  }
  for (const auto& [name, text] : result.files) {
    const fs::path path = fs::path(out) / name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

Context MakeContext() {
  Context ctx;
  ctx.cancelled = CancellationFlag();
  return ctx;
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
  // Guardrails on the manifests alone: a field they leave out is judged by ARM's default.
  const engine::guardrails::CheckResult checked = DesiredFindings(*loaded, MakeContext());
  PrintDiagnostics(checked.diagnostics);
  if (checked.findings.empty()) {
    std::printf("Guardrails: no findings.\n");
  } else {
    std::fputs(
        engine::guardrails::RenderFindingsText(checked.findings, {.color = global.color}).c_str(),
        stdout);
  }
  if (!WriteSarifFile(flags.sarif, checked.findings, loaded->guardrails, "keyward/validate/"))
    return kExitError;
  return FailOnExitCode(checked.findings, loaded->guardrails);
}

int RunPlan(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files) {
  std::shared_ptr<azure::ArmClient> arm;
  auto registry = MakeAzureRegistry(global, &arm);
  const Context ctx = MakeContext();
  auto loaded = LoadResolved(flags, *registry);
  if (!loaded) return kExitError;
  UseTimeouts(global, loaded->set.config, *arm);
  auto plan = PlanPrinted(*loaded, flags, *registry, ctx);
  if (!plan) return kExitError;

  const std::string& key_env = loaded->set.config.plan_signing_key_env;
  const std::optional<std::string> key = files.out.empty() ? std::nullopt : PlanKey(key_env);
  if (!files.out.empty()) {
    engine::SavedPlan saved;
    saved.keyward_version = KEYWARD_VERSION;
    saved.options = engine::PlanOptionsFor(*loaded, Settings(flags, loaded->set.config));
    saved.desired = loaded->set;
    saved.plan = *plan;
    if (auto written = engine::WriteFilePrivateAtomically(
            files.out, engine::SerializeSavedPlan(saved, key.value_or(""), key_env));
        !written) {
      std::fprintf(stderr, "error: %s\n", written.error().ToString().c_str());
      return kExitError;
    }
  }
  if (!EmitPlan(*plan, loaded->set.digest, global, flags, files)) return kExitError;
  if (!WriteSarifFile(flags.sarif, plan->findings, loaded->guardrails, "keyward/plan/"))
    return kExitError;
  if (!files.out.empty()) {
    if (plan->diagnostics.HasErrors()) {
      std::fprintf(stderr,
                   "Saved the plan to %s; it has errors and can be shown but not applied.\n",
                   files.out.c_str());
    } else if (key) {
      std::fprintf(stderr,
                   "Saved the plan to %s, signed with the key in %s (key id %s). To apply exactly "
                   "this plan: keyward apply %s\n",
                   files.out.c_str(), key_env.c_str(), engine::PlanKeyId(*key).c_str(),
                   files.out.c_str());
    } else {
      std::fprintf(stderr,
                   "Saved the plan to %s, unsigned (%s is not set). To apply exactly this plan: "
                   "keyward apply %s PATHS... (re-plans from the manifests and applies only the "
                   "same changes); set %s to sign plans for `keyward apply %s` alone.\n",
                   files.out.c_str(), key_env.c_str(), files.out.c_str(), key_env.c_str(),
                   files.out.c_str());
    }
  }
  // failOn changes the exit code only; the plan (and a saved plan) is exactly what it would be.
  if (FailOnExitCode(plan->findings, loaded->guardrails) != kExitOk) return kExitError;
  return PlanExitCode(*plan, flags.detailed_exitcode);
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
  Context ctx = MakeContext();
  auto loaded = LoadResolved(flags, *registry);
  if (!loaded) return kExitError;
  UseTimeouts(global, loaded->set.config, *arm);
  // Held through the prompt: what is confirmed is what gets written.
  std::shared_ptr<coordination::HeldLock> lock;
  if (!LockStack(global, loaded->set.config, flags, "apply", &ctx, &lock)) return kExitError;
  auto plan = PlanPrinted(*loaded, flags, *registry, ctx);
  if (!plan) return kExitError;

  engine::TextRenderOptions render;
  render.color = global.color;
  std::fputs(engine::RenderPlanText(*plan, render).c_str(), stdout);
  if (plan->diagnostics.HasErrors()) return kExitError;
  if (!plan->HasChanges()) return kExitOk;
  if (!flags.auto_approve && !ConfirmInteractively()) {
    std::printf("Apply cancelled.\n");
    return kExitError;
  }
  std::printf("\n");
  return ApplyAndReport(*plan, loaded->set, *registry, flags, ctx);
}

int RunGraph(const GlobalOptions& global, const PlanFlags& flags, bool dot) {
  auto registry = MakeAzureRegistry(global);
  auto loaded = LoadValid(flags, *registry);
  if (!loaded) return kExitError;
  std::fputs(dot ? loaded->graph.ToDot().c_str() : loaded->graph.Dump().c_str(), stdout);
  return kExitOk;
}

std::optional<engine::ObservedSet> ReadExportScope(const engine::ExportOptions& options,
                                                   const engine::HandlerRegistry& registry,
                                                   const Context& ctx) {
  auto observed = engine::RefreshScope(engine::ExportScope(options), registry, ctx);
  if (!observed) {
    std::fprintf(stderr, "error: reading live state from Azure failed: %s\n",
                 observed.error().ToString().c_str());
    return std::nullopt;
  }
  return std::move(*observed);
}

int RunExport(const GlobalOptions& global, const ExportFlags& flags) {
  if (!ExportDirectoryUsable(flags)) return kExitError;
  auto registry = MakeAzureRegistry(global);
  Context ctx = MakeContext();
  std::shared_ptr<coordination::HeldLock> lock;
  if (flags.force && !LockExportedStack(global, flags, *registry, ctx, &lock)) return kExitError;
  engine::ExportOptions options;
  options.subscription = flags.subscription;
  options.resource_group = flags.resource_group;
  options.stack = flags.stack;
  auto observed = ReadExportScope(options, *registry, ctx);
  if (!observed) return kExitError;
  const engine::ExportResult result = engine::BuildExport(*observed, *registry, options);
  if (!WriteExportFiles(flags.out, result)) return kExitError;

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
