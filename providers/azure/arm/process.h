// Runs a child process and captures its output: the seam the Azure CLI credential uses to call
// `az`. posix_spawn (not fork) so it is safe in a multi-threaded process.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/result.h"

namespace keyward::azure {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Resolves `name` against the colon-separated `path_env` like execvp does: the first regular,
// executable file. nullopt when none.
std::optional<std::string> FindExecutable(const std::string& name, const std::string& path_env);

// Runs argv[0] (an absolute path) with argv, the parent's environment, stdin from /dev/null.
// Errors: kUnavailable when it cannot start, kDeadlineExceeded (child killed) after `timeout`,
// kCancelled when ctx is cancelled. A non-zero exit is not an error: see exit_code.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout, const Context& ctx);
// The same with `extra_env` ("NAME=value" entries) added to, or replacing, the parent's variables.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& extra_env,
                                 std::chrono::milliseconds timeout, const Context& ctx);

}  // namespace keyward::azure
