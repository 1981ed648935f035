#include "cli/progress.h"

#include <string>

namespace keyward::cli {
namespace {

std::string Seconds(std::chrono::milliseconds elapsed) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1fs", static_cast<double>(elapsed.count()) / 1000.0);
  return buffer;
}

}  // namespace

void ProgressPrinter::OnStarted(const engine::Change& change) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(out_, "%s: %s started\n", change.address.c_str(), engine::ActionName(change.action));
  std::fflush(out_);
}

void ProgressPrinter::OnFinished(const engine::Change& change,
                                 const engine::ChangeOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  const char* action = engine::ActionName(change.action);
  switch (outcome.status) {
    case engine::ChangeStatus::kSucceeded:
      std::fprintf(out_, "%s: %s complete after %s\n", change.address.c_str(), action,
                   Seconds(outcome.elapsed).c_str());
      break;
    case engine::ChangeStatus::kFailed:
      std::fprintf(out_, "%s: %s FAILED after %s: %s\n", change.address.c_str(), action,
                   Seconds(outcome.elapsed).c_str(), outcome.error.ToString().c_str());
      break;
    case engine::ChangeStatus::kSkipped:
      // The engine's message already starts with "skipped: ".
      std::fprintf(out_, "%s: %s\n", change.address.c_str(), outcome.error.message.c_str());
      break;
    case engine::ChangeStatus::kBlocked:
      // The engine's message already starts with "blocked: ".
      std::fprintf(out_, "%s: %s\n", change.address.c_str(), outcome.error.message.c_str());
      break;
    case engine::ChangeStatus::kNotExecuted:
      break;
  }
  std::fflush(out_);
}

}  // namespace keyward::cli
