// The plan as Markdown for pull-request comments (GitHub, Azure DevOps). A pure function of the
// Plan. Each part starts with `<!-- keyward-plan part K of N -->` so CI can find and replace its
// earlier comments. Part 1 reads, top to bottom:
//
//   ### keyward plan: 2 to add, 1 to change, 1 to destroy   <- headline (Terraform's counts)
//   > [!CAUTION] ... cannot be applied                      <- only when the plan has errors
//   > [!WARNING] ... destructive / irreversible / blocked   <- only when there are such changes,
//   | | Resource | Action | Reason |                          with a table of them (first 50)
//   | Action | Count |                                       <- counts by action
//   #### 🛡️ Guardrails: 2 findings (1 critical, 1 high)       <- Plan::findings, worst first
//   #### ⚠️ Destructive, irreversible and blocked changes    <- details of those first
//   <details><summary>...</summary> ```diff ... ```</details> <- one collapsible per change
//   #### Changes / #### Drift (observe only) / #### Diagnostics
//
// Splitting: GitHub rejects comments over 65,536 characters. The output is cut only between
// self-contained blocks (a whole <details> element, a whole list item), never inside a code fence
// or a <details>; a single change too large for one part is cut between its diff lines into
// several <details>, each closed. Sizes are counted in bytes, which is never fewer than
// characters, so every part is within the limit.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace keyward::engine {

struct MarkdownRenderOptions {
  size_t max_part_bytes = 65536;  // GitHub's comment limit
  bool show_no_ops = false;
};

// One or more parts, each within max_part_bytes (max_part_bytes below 4096 is raised to 4096).
std::vector<std::string> RenderPlanMarkdown(const Plan& plan,
                                            const MarkdownRenderOptions& options = {});

}  // namespace keyward::engine
