// Validates keyward JSON plans against schemas/plan.schema.json with an independent validator
// (Python's jsonschema through scripts/validate-plan-json.py), so end-to-end tests can check the
// JSON of every plan they produce.
#pragma once

#include <string>

namespace keyward::testing {

// "" when `json_text` is valid; otherwise the validator's report.
std::string ValidatePlanJson(const std::string& json_text);

}  // namespace keyward::testing
