// The keyward subcommands. Each returns the process exit code (Terraform's -detailed-exitcode
// convention: 0 = success / no changes, 1 = error, 2 = changes present).
#pragma once

#include <atomic>
#include <memory>

#include "cli/options.h"

namespace keyward::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitChanges = 2;

int RunValidate(const GlobalOptions& global, const PlanFlags& flags);
int RunPlan(const GlobalOptions& global, const PlanFlags& flags);
int RunApply(const GlobalOptions& global, const PlanFlags& flags);
int RunGraph(const GlobalOptions& global, const PlanFlags& flags, bool dot);
int RunExport(const GlobalOptions& global, const ExportFlags& flags);

// Set by the SIGINT / SIGTERM handler: apply stops starting new changes, in-flight ones finish.
std::shared_ptr<std::atomic<bool>> CancellationFlag();

}  // namespace keyward::cli
