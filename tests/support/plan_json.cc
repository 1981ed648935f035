#include "tests/support/plan_json.h"

#include <cstdlib>
#include <filesystem>

#include "tests/support/command.h"

namespace keyward::testing {

std::string ValidatePlanJson(const std::string& json_text) {
  // KEYWARD_SOURCE_DIR is set by ctest; by hand, this file's own path finds the source tree.
  std::filesystem::path root =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  if (const char* dir = std::getenv("KEYWARD_SOURCE_DIR"); dir != nullptr && *dir != '\0')
    root = dir;
  const CommandResult result = RunCommand(
      {"/usr/bin/env", "python3", (root / "scripts" / "validate-plan-json.py").string(), "-"}, {},
      json_text);
  if (result.exit_code == 0) return "";
  return "exit " + std::to_string(result.exit_code) + ": " + result.out + result.err;
}

}  // namespace keyward::testing
