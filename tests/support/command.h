// Runs a command (the real keyward binary) as a child process and captures its exit code, stdout
// and stderr separately. End-to-end tests use it to test what users run.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace keyward::testing {

struct CommandResult {
  int exit_code = -1;  // -1 if it could not run or was killed by a signal
  std::string out;
  std::string err;
  int signal = 0;          // the signal that ended it (SIGSEGV, SIGABRT...), 0 when it exited
  bool timed_out = false;  // killed (SIGKILL) because it outlived RunOptions::timeout_seconds
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to (and overriding) the test's environment
  std::string stdin_text;                  // written to standard input, which is then closed
  std::string cwd;                         // working directory; empty = the test's
  double timeout_seconds = 0;              // 0 = none
};

// argv[0] is the program path. `env` entries are added to (and override) the test's environment.
// `stdin_text` is written to the child's standard input, which is then closed.
// With RunOptions::timeout_seconds, a child still running then is killed: a hang shows up as
// timed_out instead of hanging the test.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdin_text = "");
CommandResult RunCommand(const std::vector<std::string>& argv, const RunOptions& options);

// $KEYWARD_BIN_DIR/<name>, else ../bin/<name> next to the test binary.
std::string BinaryPath(const std::string& name);

// The source tree: $KEYWARD_SOURCE_DIR (ctest sets it), else found from this file's own path.
std::filesystem::path SourceDir();

// The whole file as bytes ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

}  // namespace keyward::testing
