// The keyward subcommands. Each returns the process exit code (Terraform's -detailed-exitcode
// convention: 0 = success / no changes, 1 = error, 2 = changes present).
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "cli/options.h"
#include "engine/export.h"
#include "engine/plan.h"
#include "engine/result.h"
#include "engine/validate.h"

namespace keyward::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitChanges = 2;

int RunValidate(const GlobalOptions& global, const PlanFlags& flags);
int RunPlan(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files);
// With files.plan_file: applies exactly that saved plan (no prompt) after checking that neither
// the live state nor, when flags.paths are given, the manifests moved since it was made.
int RunApply(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files);
// Renders a saved plan; no Azure calls.
int RunShow(const GlobalOptions& global, const PlanFlags& flags, const PlanFileFlags& files);
int RunGraph(const GlobalOptions& global, const PlanFlags& flags, bool dot);
// `keyward auth whoami` (cli/auth.cc).
int RunAuthWhoami(const GlobalOptions& global, bool json);

int RunExport(const GlobalOptions& global, const ExportFlags& flags);

// Every live resource in the scope of `options`, read as `keyward export` reads it (no
// manifests); prints why when Azure cannot be read.
std::optional<engine::ObservedSet> ReadExportScope(const engine::ExportOptions& options,
                                                   const engine::HandlerRegistry& registry,
                                                   const Context& ctx);

// Set by the SIGINT / SIGTERM handler: apply stops starting new changes, in-flight ones finish.
std::shared_ptr<std::atomic<bool>> CancellationFlag();
// A command's context: the real clock and CancellationFlag().
Context MakeContext();

}  // namespace keyward::cli
