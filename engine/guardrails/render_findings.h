// Findings for terminals: after the plan (engine/render_text.cc), after `keyward validate`'s
// verdict and as `keyward audit`'s report. Worst first (the order SortFindings gives), waived
// findings last and on one line each. A pure function of the findings; "" when there are none.
//
//   Guardrails: 2 findings (1 high, 1 medium), 1 waived.
//     [high] KW-KV-001 Purge protection is enabled
//       Vault/payments-kv at manifests/vault.yaml:12:3 (spec.enablePurgeProtection)
//       enablePurgeProtection is false: ...
//       fix: Set spec.enablePurgeProtection: true ...
//     [waived] KW-KV-012 Secret/payments-kv/db at secrets.yaml:9:5 until 2027-03-31: rotated by the
//     app
#pragma once

#include <string>
#include <vector>

#include "engine/guardrails/finding.h"

namespace keyward::engine::guardrails {

struct FindingsTextOptions {
  bool color = false;  // ANSI colors on the severity tag
};

std::string RenderFindingsText(const std::vector<Finding>& findings,
                               const FindingsTextOptions& options = {});

// "2 findings (1 high, 1 medium), 1 waived" — also the Markdown headline's counts.
std::string FindingsSummary(const std::vector<Finding>& findings);

}  // namespace keyward::engine::guardrails
