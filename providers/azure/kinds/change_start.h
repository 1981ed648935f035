// The pieces every kind's PlanChange is made of: how it opens (the live side of the change,
// normalized, fingerprinted, with its ARM id and address, and the "neither declared nor live"
// no-op), the four cases a plan tells apart, and how a decision and its differing paths are
// written. One copy, so that the kinds cannot start or word a change differently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/resource_handler.h"
#include "providers/azure/kinds/arm_json.h"

namespace keyward::azure {

// A change of `kind` that carries the live resource, when there is one: `before` is
// normalize(live), with its fingerprint, ARM id and address.
template <class Normalize>
engine::Change ChangeFromObserved(std::string_view kind, const engine::PlanChangeRequest& request,
                                  Normalize normalize) {
  engine::Change c;
  c.kind = std::string(kind);
  if (const engine::ObservedResource* observed = request.observed) {
    c.before = normalize(observed->live);
    c.fingerprint = FingerprintOfJson(c.before);
    c.arm_id = observed->arm_id;
    c.address = observed->address;
  }
  return c;
}

// The stack the plan is for; "" in unowned mode.
inline std::string StackOf(const engine::PlanChangeRequest& request) {
  return request.options ? request.options->stack : "";
}

// A declared resource's change is named by its manifest: the desired address and ARM id replace
// the live ones (they differ at most in case).
inline void NameByDesired(const engine::PlanChangeRequest& request, engine::Change& c) {
  c.address = request.desired->address;
  c.arm_id = request.desired->arm_id;
}

// Neither declared nor live: nothing to do. Makes `c` that no-op and returns true.
inline bool NeitherDeclaredNorLive(const engine::PlanChangeRequest& request, engine::Change& c) {
  if (request.desired || request.observed) return false;
  c.action = engine::Action::kNoOp;
  c.reason = "absent";
  return true;
}

// The four cases of a plan: neither declared nor live (the no-op above), live but undeclared,
// declared but absent, declared and present. The declared cases are named by the manifest and
// get `after = desired_body(spec, stack, before)` before their hook runs. Each hook is
// `hook(stack, c)`.
template <class Normalize, class Undeclared, class DesiredBody, class Absent, class Present>
engine::Change PlanDeclaredOrLive(std::string_view kind, const engine::PlanChangeRequest& request,
                                  Normalize normalize, Undeclared undeclared,
                                  DesiredBody desired_body, Absent absent, Present present) {
  engine::Change c = ChangeFromObserved(kind, request, normalize);
  const std::string stack = StackOf(request);
  if (NeitherDeclaredNorLive(request, c)) return c;
  if (!request.desired) {
    undeclared(stack, c);
    return c;
  }
  NameByDesired(request, c);
  c.after = desired_body(request.desired->spec, stack, c.before);
  if (!request.observed) {
    absent(stack, c);
  } else {
    present(stack, c);
  }
  return c;
}

// Sets the change's action and why: `code` for machines, `reason` for people.
inline void Decide(engine::Change& c, engine::Action action, const std::string& code,
                   const std::string& reason) {
  c.action = action;
  c.reason_code = code;
  c.reason = reason;
}

// "a, b, c": the paths of the field changes, for a reason.
inline std::string JoinPaths(const std::vector<engine::FieldChange>& changes) {
  std::string out;
  for (const engine::FieldChange& fc : changes) out += (out.empty() ? "" : ", ") + fc.path;
  return out;
}

}  // namespace keyward::azure
