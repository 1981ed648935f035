// The executor (ninja's Builder, Terraform's apply walk): runs what a Plan says, nothing else.
// Apply is driven by Change::action alone; `reason` is only ever shown, never consulted.
//
// Scheduling: every change is a node; its edges are the Change::depends_on addresses present in
// the plan. A write change (IsWrite, not report_only) starts once every dependency is settled
// without failure; up to ApplyOptions::parallelism run at once on std::thread workers that sleep
// on a condition variable (no polling). Changes that are not executed (no-op, unsupported,
// report-only) settle instantly when their dependencies do.
//
// Failure containment: a failed change, a refused change (guards below), a blocked change and a
// skipped change poison their transitive dependents, which are settled as "skipped: dependency
// failed (<address>)" without running; independent branches go on. Poison passes through
// non-executed nodes too: a no-op whose dependency failed does not vouch for its dependents.
//
// Guards (DESIGN.md §4, §11 "nothing is deleted, purged or replaced unless the user allowed it"):
// delete of a kind whose handler's KindTraits say delete_needs_allow_destroy, and
// purge-then-create, need allow_destroy; replace needs allow_replace (and allow_destroy too for
// those kinds). A refused change fails with
// kFailedPrecondition and a message naming the flag.
//
// Verification (Terraform's "core does not trust providers"): after a handler's Apply, the
// engine re-plans that one resource with ApplyResponse::live as the observed state, through the
// same handler->PlanChange MakePlan used, and requires kNoOp. Re-planning rather than diffing
// `after` against `live` here is deliberate: only the handler knows its kind's normalization
// rules (case, sets, server defaults, write-only secret values), and it already encodes them in
// PlanChange; a second, engine-side notion of equality would drift from it. A mismatch fails the
// change with kAborted: "applied but live state does not match the plan: <paths>". Deletes are
// verified by `live` being null. Without the DesiredSet (a saved plan applied without
// manifests) there is nothing to re-plan against: the change succeeds with verified = false.
//
// A plan whose diagnostics hold an error (e.g. a dependency cycle) is not applied: every write
// change is "skipped: the plan has errors".
//
// Cancellation (Context): no new change starts once cancelled; in-flight ones finish (a half-done
// ARM write is worse than a late exit); the rest are "skipped: apply cancelled".
//
// Fencing (engine/write_guard.h): before each change starts, Context::CheckWrite() must pass. Once
// it refuses (the stack lease lapsed), apply behaves as if cancelled: in-flight changes finish
// (their ARM writes are refused by the pipeline's own check), the rest are "skipped: lock lost
// ...", and ApplyReport::lock_lost says why.
//
// The engine never prints: progress goes to an ApplyObserver. Its calls are serialized (never
// concurrent), from worker threads. OnStarted precedes OnFinished for executed changes; skipped,
// refused and blocked changes get OnFinished only; not-executed changes get no call.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "engine/result.h"

namespace keyward::engine {

struct ApplyOptions {
  int parallelism = kDefaultParallelism;
  bool allow_destroy = false;
  bool allow_replace = false;
};

enum class ChangeStatus {
  kSucceeded,
  kFailed,       // the handler failed, verification failed, or a guard refused it
  kSkipped,      // a dependency failed, or apply was cancelled before it started
  kBlocked,      // planned as blocked: never executed, counts against ok()
  kNotExecuted,  // no-op, unsupported or report-only: nothing to do
};
const char* ChangeStatusName(ChangeStatus status);

struct ChangeOutcome {
  ChangeStatus status = ChangeStatus::kNotExecuted;
  Error error;  // meaningful for failed, skipped and blocked
  std::chrono::milliseconds elapsed{0};
  std::string fingerprint;  // live fingerprint after a successful write
  bool verified = false;    // the re-read was re-planned and found to match
};

class ApplyObserver {
 public:
  virtual ~ApplyObserver() = default;
  virtual void OnStarted(const Change& change) {}
  virtual void OnFinished(const Change& change, const ChangeOutcome& outcome) {}
};

struct ChangeResult {
  std::string address;
  std::string kind;
  Action action = Action::kNoOp;
  ChangeOutcome outcome;
};

struct ApplyReport {
  std::vector<ChangeResult> results;  // one per plan change, in plan order
  int succeeded = 0, failed = 0, skipped = 0, blocked = 0, not_executed = 0;
  std::optional<Error> lock_lost;  // the write guard refused: apply stopped early

  bool ok() const { return failed == 0 && skipped == 0 && blocked == 0; }
  const ChangeResult* Find(const std::string& address) const;
};

// `desired` may be null (saved plan without manifests): then handlers get no DesiredResource
// and changes are not verified (see above).
ApplyReport Apply(const Plan& plan, const DesiredSet* desired, const HandlerRegistry& handlers,
                  const ApplyOptions& options, ApplyObserver& observer, const Context& ctx);

}  // namespace keyward::engine
