// The fast path of the managed-field diff (engine/diff.h). In the steady state — the daemon
// re-planning an estate that already matches — nearly every resource's managed fields are
// byte-for-byte what ARM has, once both sides are normalized. Checking that takes one walk with
// no allocation; the full diff builds a path (segments and text) for every node and matches it
// against the rule patterns. DiffManagedFields runs the full diff only when this check fails.
//
// Invariant: ManagedFieldsMatchExactly(desired, live) implies DiffManagedFields(desired, live,
// rules) is empty for *every* DiffRules: rules only make the diff more lenient (case-insensitive
// strings, arrays as sets, ignored paths) than exact equality, never stricter. The check is
// allowed to say false where the diff finds nothing (e.g. "WestEurope" vs "westeurope", 90 vs
// 90.0, reordered set elements); then the full diff decides.
#pragma once

#include "engine/resource.h"

namespace keyward::engine {

// True when every managed field of `desired` (a null is "not managed", as in the diff) is in
// `live` with the same JSON type and an equal value: objects by key (live may hold more keys),
// arrays element by element with equal lengths (a null element must meet a null).
bool ManagedFieldsMatchExactly(const Json& desired, const Json& live);

}  // namespace keyward::engine
