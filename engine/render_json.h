// The machine-readable plan (schemas/plan.schema.json; walk-through in docs/plans.md). A pure
// function of the Plan, in a vocabulary close to `terraform show -json` so policy tooling written
// for Terraform plans (OPA / conftest, Sentinel-style checks) reads it with little change:
//
//   format_version        "MAJOR.MINOR": minor = additive (new optional fields), major = breaking;
//                         readers should reject a major they do not know and ignore unknown fields
//   resource_changes[]    every change apply would consider (no-ops too), in plan order
//   resource_drift[]      changes under the observe policy: live differs, keyward will not write
//   diagnostics[]         Plan::diagnostics; an error makes the plan unappliable (`errored`)
//   findings[]            Plan::findings: guardrail findings on the planned result, worst first
//                         (since 1.1; engine/guardrails/finding.h)
//
// Per change: address, type (the kind), name, keyward's own action in `action`, and
// change.actions in Terraform's vocabulary only (no-op, create, update, delete, and
// ["delete","create"] for a replace), so a policy written for `terraform show -json` sees what
// each change really does: an adopt is ["update"] with change.importing (Terraform's import +
// update), a recover is ["create"] with action_reason, purge-then-create is ["delete","create"],
// blocked and unsupported are ["no-op"]. Also before / after with values at Change::sensitive_paths
// replaced by "(sensitive value)" and marked in before_sensitive / after_sensitive, replace_paths,
// and action_reason = Change::reason_code.
#pragma once

#include <string>

#include "engine/plan.h"

namespace keyward::engine {

// Bumped by the rule above; docs/plans.md and schemas/plan.schema.json say what each version has.
// 2.0: change.actions speaks only Terraform's vocabulary (1.x used keyward's own words there).
inline constexpr char kPlanJsonFormatVersion[] = "2.0";

struct JsonRenderOptions {
  std::string keyward_version;  // omitted when empty
  std::string manifest_digest;  // omitted when empty (the digest of the manifests planned from)
};

// Terraform's action list for one keyward action: ["create"], ["delete","create"], ["no-op"]...
Json ActionsOf(Action action);

// Terraform's diagnostic range {"filename", "start": {"line", "column"}} (unknown parts left out),
// shared by diagnostics and guardrail findings; null when the location names no file.
Json SourceRangeToJson(const SourceLocation& where);

Json PlanToJson(const Plan& plan, const JsonRenderOptions& options = {});

// PlanToJson, pretty-printed (2 spaces, keys sorted) with a trailing newline.
std::string RenderPlanJson(const Plan& plan, const JsonRenderOptions& options = {});

}  // namespace keyward::engine
