// How every kind's PlanChange opens: the live side of the change (normalized, fingerprinted, with
// its ARM id and address) and the "neither declared nor live" no-op. One copy, so that the kinds
// cannot start a change differently.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace keyward::azure
