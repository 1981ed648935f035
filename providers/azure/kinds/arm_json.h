// Small helpers over ARM's JSON that every Azure kind uses: case-insensitive keys (ARM property
// names are case-insensitive on input), locations, the ownership tag and tag diffs, fingerprints
// and ARM id segments. Kind-free: a kind's own model (vault_model.h, key_model.h, ...) builds on
// these and never includes another kind's model for them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace keyward::azure {

using Json = nlohmann::json;

// The tag that marks a resource as owned by a keyward stack.
inline constexpr char kStackTag[] = "keyward-stack";
// The kind every top-level kind lives in, and refers to as its parent.
inline constexpr char kResourceGroupKind[] = "ResourceGroup";

std::string Lower(std::string text);
bool IEquals(const std::string& a, const std::string& b);
// "West Europe" -> "westeurope": ARM accepts display names and returns programmatic names.
std::string CanonicalLocation(const std::string& location);
// Key lookup ignoring case (ARM property names are case-insensitive on input). Null if absent.
const Json* FindKey(const Json& object, const std::string& key);
// The string at `key` (case-insensitive); "" when absent or not a string.
std::string StringAt(const Json& object, const std::string& key);
// properties.<name> of an ARM body (name case-insensitive); a null Json when absent.
const Json& PropertyOf(const Json& body, const std::string& name);
// A value for a human-facing reason: strings bare, "(unset)" for null, JSON otherwise.
std::string ShowValue(const Json& value);
// sha256 hex of the canonical dump of `normalized`; "" for null.
std::string FingerprintOfJson(const Json& normalized);

// Tags keyward will send for a resource: the user's tags (when the manifest sets `tags`, the whole
// map is managed and unlisted tags are removed) or else the live tags (unmanaged, preserved),
// plus the ownership tag; with no stack (unowned mode) the live ownership tag, if any, is kept.
Json DesiredTags(const Json& spec, const Json& live_tags, const std::string& stack);
// Field changes "tags.<key>" between two tag maps (keys compare case-insensitively, as in ARM).
void DiffTags(const Json& before, const Json& after, std::vector<engine::FieldChange>* out);
// The ownership tag's value on a live object ("" when untagged).
std::string StackTagOf(const Json& live);
// Appends the tag changes from `live`'s tags to `desired`'s when `desired` manages tags (has a
// `tags` member); nothing when it does not, since unmanaged tags are preserved as they are.
void DiffManagedTags(const Json& desired, const Json& live, std::vector<engine::FieldChange>* out);

// "/subscriptions/s/resourceGroups/rg/providers/..." -> segment after `marker` ("" if absent).
std::string ArmIdSegment(const std::string& arm_id, const std::string& marker);

}  // namespace keyward::azure
