// The saved plan (`keyward plan --out FILE`, `keyward apply FILE`, `keyward show FILE`): what a
// reviewer approved, in a form that apply can execute exactly and check against Azure first.
//
// Contents (JSON, documented in docs/plans.md): a format marker and version, the keyward version,
// the manifests' digest, the plan options and stack configuration, the desired resources the plan
// was made from (their specs hold no secret values: secrets carry `valueFrom` references and an
// HMAC `value_fingerprint`), and the plan itself with every change's live fingerprint and the
// guardrail findings (shown by `keyward show`; apply ignores them).
// Values at Change::sensitive_paths are never written: they are removed from before / after
// (not replaced by a placeholder that a handler could mistake for the value) and shown as
// "(sensitive value)" in field changes. A handler with sensitive paths re-derives those values
// from its DesiredResource at apply time.
//
// Staleness (DESIGN.md §5): apply re-refreshes with the embedded desired set, re-plans (MakePlan
// is pure, so unchanged live state gives the same changes and fingerprints) and refuses when
// any change it would execute planned against a different fingerprint, a different action, or a
// resource that appeared or disappeared since.
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "engine/result.h"

namespace keyward::engine {

// Major version of the file layout; a reader refuses any other (a saved plan is short-lived:
// re-planning is always possible, guessing at an unknown layout is not).
inline constexpr int kSavedPlanFormatVersion = 1;

struct SavedPlan {
  std::string keyward_version;
  PlanOptions options;
  DesiredSet desired;  // config, resources and digest (the manifests' sha256)
  Plan plan;
};

std::string SerializeSavedPlan(const SavedPlan& saved);

// `source` names the file in error messages. kInvalidArgument for anything that is not a saved
// plan of this format version, with a message that says what to do.
Result<SavedPlan> ParseSavedPlan(const std::string& text, const std::string& source);

// Writes `bytes` to `path` with mode 0600 through a temporary file in the same directory and a
// rename, so readers never see a partial plan and no other user can read it.
Status WriteFilePrivateAtomically(const std::string& path, const std::string& bytes);

struct StaleChange {
  std::string address;
  std::string why;  // "changed since the plan (live fingerprint 1a2b3c4d… -> 5e6f7a8b…)"
};

// Changes of `saved` that apply would execute and that `fresh` (MakePlan over the same desired
// set and freshly refreshed live state) no longer plans identically. Empty: safe to apply.
std::vector<StaleChange> FindStaleChanges(const Plan& saved, const Plan& fresh);

// Addresses whose desired resource differs between the saved set and the manifests now
// ("Vault/a: changed in the manifests", "... added to ...", "... removed from ...").
std::vector<StaleChange> FindChangedManifests(const DesiredSet& saved, const DesiredSet& now);

}  // namespace keyward::engine
