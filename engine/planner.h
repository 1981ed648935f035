// MakePlan: the pure function at the centre of keyward (DESIGN.md §2, §5). It pairs every desired
// resource with what ARM has, asks the kind's handler to decide the action, and orders the result.
// No I/O, no clock, no randomness: the same inputs always give a plan with an identical Dump().
//
// What the engine passes to the handler: the live resource with the same ARM id (compared
// case-insensitively); when there is none, a soft-deleted resource of the same kind, name and
// subscription; and ARM's message when checkNameAvailability found the name taken elsewhere
// (ObservedSet::unavailable_names, key "Kind/name-lowercased").
//
// What the engine decides (the handler decides everything about fields and actions):
//  - policy skip: the resource is left out, and its live counterpart is never a prune candidate;
//  - policy observe: the change is report_only (drift to show, never applied);
//  - prune: only with PlanOptions::prune, only for live resources whose `keyward-stack` tag (tag
//    name case-insensitive, value case-sensitive) equals PlanOptions::stack. The handler plans
//    them with desired = null (delete, or unsupported when ARM cannot delete, e.g. keys). Pruned
//    resources have no manifest, so StackConfig::default_policy applies: observe and
//    detach-on-delete make a planned delete report_only; skip leaves them out.
//  - exclusive ownership: a live resource the handler marked ObservedResource::
//    remove_if_undeclared (an access policy entry of a vault declared `accessPolicies:
//    exclusive`) and that no desired resource claims is planned like a prune candidate, with
//    or without PlanOptions::prune.
//  - matching: a desired resource is paired with the live resource of the same ARM id, else
//    with the one the handler gave the same address (kinds whose id ARM chooses).
//  - the engine fills address, kind, arm_id (when the handler left it empty), depends_on and
//    policy of every change; the handler's values for those are overwritten (arm_id aside).
//  - containment: a handler that throws while planning a resource (live state shaped in a way
//    it did not expect) gets no change for it and an error diagnostic naming the resource, so
//    the plan is shown but unappliable; the exception never escapes MakePlan.
//
// Ordering invariants of Plan::changes:
//  1. Every change comes after all of its in-plan dependencies (Change::depends_on), so running
//     the list sequentially is a valid schedule; the executor uses depends_on to parallelize.
//  2. Changes for desired resources come first, topologically sorted by their depends_on; ties
//     keep manifest load order (stable).
//  3. Prune changes come last, in reverse dependency order: a live resource whose ARM id starts
//     with another pruned resource's id + "/" is its child, is planned before it, and the
//     parent's change depends on it (keys, secrets, policies before their vault). Ties are
//     broken by address, so refresh order does not leak into the plan.
//  4. A dependency cycle (which validation should already have rejected) does not loop: the
//     desired changes keep load order and an error diagnostic names the cycle
//     ("dependency cycle: Vault/a -> Key/a/k -> Vault/a"), which makes the plan unappliable.
//  Ordering goes through engine/graph.h, the same Graph validation uses.
#pragma once

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"

namespace keyward::engine {

inline constexpr char kStackTag[] = "keyward-stack";

// True when `live.tags` holds keyward-stack == stack (tag name case-insensitive, value exact).
// An empty stack owns nothing.
bool IsOwnedByStack(const Json& live, const std::string& stack);

Plan MakePlan(const DesiredSet& desired, const ObservedSet& observed,
              const HandlerRegistry& handlers, const PlanOptions& options);

}  // namespace keyward::engine
