// Progress lines while apply runs (DESIGN.md §7): one line when a change starts, one when it
// finishes, with elapsed time. The engine reports through ApplyObserver and never prints itself.
#pragma once

#include <cstdio>
#include <mutex>

#include "engine/apply.h"

namespace keyward::cli {

class ProgressPrinter : public engine::ApplyObserver {
 public:
  explicit ProgressPrinter(std::FILE* out) : out_(out) {}
  void OnStarted(const engine::Change& change) override;
  void OnFinished(const engine::Change& change, const engine::ChangeOutcome& outcome) override;

 private:
  std::FILE* out_;
  std::mutex mu_;  // workers report concurrently; keep lines whole
};

}  // namespace keyward::cli
