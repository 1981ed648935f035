// The terminal renderer: a pure function of the Plan (Terraform's views, ninja's Status printer;
// the engine itself never prints). Layout:
//
//   Destructive changes (review before applying):     <- delete, replace, purge-then-create
//     - Vault/old-kv (delete)
//   Changes:                                           <- everything else, in plan order
//     + Vault/payments-kv (create)
//         ~ properties.sku.name: "standard" -> "premium"
//   Drift (observe only, will not be applied):        <- report_only changes
//   Warnings:                                          <- plan diagnostics
//   Plan: 2 to add, 1 to change, 0 to destroy.
//   Also: 1 to recover, 1 blocked, 2 unsupported.
//                                                      <- then Plan::findings, worst first
//   Guardrails: 1 finding (1 high).                       (engine/guardrails/render_findings.h)
//
// Symbols: + create, ~ update / adopt, - delete, ± replace / purge-then-create, ↻ recover
// (R with ascii_only), ! blocked, ? unsupported, = no-op (hidden unless show_no_ops).
// Field lines use + (added), - (removed), ~ (changed); values are JSON; values at or under a
// Change::sensitive_paths pattern print as "(sensitive value)". A reason line follows every
// change whose action is neither create, update nor no-op, when the handler gave one.
#pragma once

#include <string>

#include "engine/plan.h"

namespace keyward::engine {

struct TextRenderOptions {
  bool show_no_ops = false;
  bool color = false;       // ANSI colors; off by default (pipes, CI logs, golden files)
  bool ascii_only = false;  // "R" instead of "↻" for terminals without UTF-8
};

std::string RenderPlanText(const Plan& plan, const TextRenderOptions& options = {});

// "Plan: 2 to add, 1 to change, 0 to destroy." (Terraform's wording, exactly).
std::string SummaryLine(const PlanSummary& summary);

// "Also: 1 to recover, 2 blocked." for the counts Terraform's line has no room for; empty when
// they are all 0. The text and Markdown plans both print it under the summary.
std::string AlsoLine(const PlanSummary& summary);

}  // namespace keyward::engine
