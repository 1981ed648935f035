// Field paths (engine/schema.h's JoinFieldPath syntax: `spec.networkAcls.ipRules[0].value`,
// `metadata.annotations["keyward.dev/waive"]`) walked upwards, to point a finding or a
// configuration error at the nearest place the user actually wrote.
#pragma once

#include <string>

#include "engine/diagnostic.h"
#include "engine/field_locations.h"

namespace keyward::engine::guardrails {

// The path one step up: "spec.a.b" -> "spec.a", "spec.a[0]" -> "spec.a",
// `x["k.y"]` -> "x"; "" for a top-level key.
std::string ParentFieldPath(const std::string& path);

// Where `path` is written, else its nearest written ancestor below the top level (a bare "spec"
// or "metadata" says nothing a document location does not), else `fallback`.
SourceLocation LocateField(const FieldLocations& locations, const std::string& path,
                           const SourceLocation& fallback);

}  // namespace keyward::engine::guardrails
