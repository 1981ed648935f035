// A plan is data (Terraform internal/plans): a list of changes, each with an action. Apply is
// driven by `action` alone; `reason` is for humans and is never used for any decision.
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/guardrails/finding.h"
#include "engine/resource.h"

namespace keyward::engine {

enum class Action {
  kNoOp,
  kCreate,
  kUpdate,
  kReplace,
  kDelete,
  kRecover,
  kPurgeThenCreate,
  kBlocked,
  kUnsupported,
  kAdopt,
};

const char* ActionName(Action action);  // "no-op", "create", ... as in DESIGN.md §5
bool IsDestructive(Action action);      // delete, replace, purge-then-create
bool IsWrite(Action action);            // anything apply must execute

struct FieldChange {
  std::string path;  // "properties.networkAcls.defaultAction"
  Json before;       // null when absent
  Json after;        // null when removed
};

struct Change {
  Action action = Action::kNoOp;
  std::string address;
  std::string kind;
  std::string arm_id;
  Json before;  // normalized live object; null when absent
  Json after;   // the desired ARM body apply will send (normalized); null for delete
  std::vector<FieldChange> field_changes;
  // Path patterns (engine/diff.h syntax) whose values must never be shown: renderers print
  // "(sensitive value)" for any value at or under them. Set by the handler.
  std::vector<std::string> sensitive_paths;
  std::vector<std::string>
      warnings;             // for humans: "vault uses RBAC; access policies have no effect"
  std::string reason;       // for humans only
  std::string reason_code;  // stable machine code: "recover_soft_deleted", "immutable_after_create"
  std::string fingerprint;  // live fingerprint planned against ("" when absent)
  std::vector<std::string> depends_on;  // addresses
  ReconcilePolicy policy = ReconcilePolicy::kManage;
  // Observe-only: the diff is drift to report, never something to apply.
  bool report_only = false;
};

// Counts in Terraform's vocabulary, over changes that apply will execute (report-only drift is
// counted apart). A replace counts as one add and one destroy, like Terraform; purge-then-create
// likewise. add = create + replace + purge-then-create; change = update + adopt + recover;
// destroy = delete + replace + purge-then-create.
struct PlanSummary {
  int add = 0, change = 0, destroy = 0;
  int other = 0;  // blocked + unsupported: differences apply cannot converge
  int recover = 0, blocked = 0, unsupported = 0;
  int drift = 0;  // report-only (observe policy) changes other than no-op
};

struct Plan {
  std::vector<Change> changes;  // dependency order (creates before dependents)
  Diagnostics diagnostics;      // warnings found while planning; errors make it unappliable
  // Guardrail findings on the planned result (engine/guardrails/check.h). Facts for reviewers:
  // they never change `changes`, and apply never reads them.
  std::vector<guardrails::Finding> findings;

  bool HasChanges() const;  // any change other than no-op
  PlanSummary Summary() const;
  const Change* Find(const std::string& address) const;
  std::string Dump() const;  // debugging aid: one line per change
};

}  // namespace keyward::engine
