// Running the rules: every enabled rule over every subject of its kinds in an estate
// (engine/guardrails/estate.h), turning violations into located findings, applying the
// stack's severities and waivers, and reporting expired waivers (KW-GR-001). Pure: today's date
// comes in the request (the injected clock), so a waiver's expiry is testable.
//
// Findings are reported for every subject except context-only ones; their location is the
// violated field in the manifest, its nearest written ancestor, or the document (a field the
// manifest leaves out), and empty for live resources.
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/guardrails/estate.h"
#include "engine/guardrails/finding.h"
#include "engine/guardrails/policy.h"
#include "engine/guardrails/waiver.h"

namespace keyward::engine::guardrails {

struct CheckRequest {
  const Estate* estate = nullptr;
  const Policy* policy = nullptr;
  Date today;
};

struct CheckResult {
  std::vector<Finding> findings;  // SortFindings order
  Diagnostics diagnostics;        // a rule that failed on unexpected data (a warning, never fatal)
};

CheckResult CheckGuardrails(const CheckRequest& request);

// "1 finding at or above failOn high: KW-KV-001 Vault/kv (vault.yaml:9:3), ..." — the message of
// a failed failOn check; "" when none is at or above it (or no failOn is set).
std::string FailOnMessage(const std::vector<Finding>& findings, const Policy& policy);

}  // namespace keyward::engine::guardrails
