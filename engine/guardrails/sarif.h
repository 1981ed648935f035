// Findings as SARIF 2.1.0 (OASIS), the format GitHub code scanning reads: `--sarif FILE` on
// validate, plan and audit. One run whose tool.driver.rules lists every rule of the build (id,
// name, title, full help in text and Markdown, default level, GitHub's `security-severity`), and
// one result per finding:
//   - level: critical / high -> error, medium -> warning, low -> note (the stack's severity);
//   - the manifest location as a physicalLocation (artifactLocation.uri relative to the directory
//     keyward ran in, uriBaseId %SRCROOT%, region startLine / startColumn), so code scanning
//     annotates that line of the pull request; live findings (audit) have only a
//     logicalLocation (the ARM id), since no file holds them;
//   - partialFingerprints from (rule, address, field), so an alert survives moved lines;
//   - waived findings carry an inSource suppression with the waiver's reason and date.
// Pure; validated in the tests with Microsoft's SARIF validator (tests/sarif).
#pragma once

#include <string>
#include <vector>

#include "engine/guardrails/finding.h"
#include "engine/guardrails/policy.h"

namespace keyward::engine::guardrails {

struct SarifOptions {
  std::string tool_version;   // keyward's version
  std::string source_root;    // absolute directory relative paths start from; "" = not stated
  std::string automation_id;  // "keyward/plan/", "keyward/validate/", "keyward/audit/"
};

// "error" | "warning" | "note".
const char* SarifLevel(Severity severity);
// GitHub's security-severity score for a severity ("9.5", "8.0", "5.5", "3.0").
const char* SecuritySeverity(Severity severity);

// `policy` gives the rules (null rules: an empty rule list) and the stack's severities.
std::string RenderSarif(const std::vector<Finding>& findings, const Policy& policy,
                        const SarifOptions& options);

// A file path as a SARIF URI reference: relative paths percent-encoded as they are ('/' kept),
// absolute ones as file:// URIs.
std::string PathToUri(const std::string& path);

}  // namespace keyward::engine::guardrails
