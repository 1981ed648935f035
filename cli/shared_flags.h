// Flags that the planning commands (plan, apply, ...) and the daemon both take, with one help text.
#pragma once

namespace CLI {
class App;
}

namespace keyward::cli {

// --prune and --parallelism (1..64; 0 = keyward.yaml's, else 8).
void AddPruneAndParallelismFlags(CLI::App* command, bool& prune, int& parallelism);

}  // namespace keyward::cli
