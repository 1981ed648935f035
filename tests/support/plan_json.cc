#include "tests/support/plan_json.h"

#include "tests/support/command.h"

namespace keyward::testing {

std::string ValidatePlanJson(const std::string& json_text) {
  const CommandResult result =
      RunCommand({"/usr/bin/env", "python3",
                  (SourceDir() / "scripts" / "validate-plan-json.py").string(), "-"},
                 {}, json_text);
  if (result.exit_code == 0) return "";
  return "exit " + std::to_string(result.exit_code) + ": " + result.out + result.err;
}

}  // namespace keyward::testing
