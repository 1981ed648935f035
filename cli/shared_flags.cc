#include "cli/shared_flags.h"

#include <CLI/CLI.hpp>

namespace keyward::cli {

void AddPruneAndParallelismFlags(CLI::App* command, bool& prune, int& parallelism) {
  command->add_flag("--prune", prune,
                    "Plan deletes of resources owned by this stack that left the manifests");
  command
      ->add_option("--parallelism", parallelism,
                   "ARM calls at once, refresh and apply (default: keyward.yaml, else 8)")
      ->check(CLI::Range(1, 64));
}

}  // namespace keyward::cli
