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
// A saved plan is a commitment, not an instruction (docs/plans.md, "Threat model"): whoever can
// write the file (a CI artifact, a shared disk) must not be able to make apply do anything a
// reviewer did not see. Apply therefore never executes the file's changes. It re-plans, under the
// stack lock, from the manifests (`apply FILE PATHS`) or from the file's own desired set when the
// file's HMAC-SHA256 signature verifies with the operator's key (`apply FILE`), and executes the
// re-plan only when it equals the saved plan change for change (FindStaleChanges).
//
// Signature: HMAC-SHA256(key, canonical text) where the canonical text is the file's JSON without
// its "signature" member, dumped compactly (nlohmann::json orders keys, so re-parsing and dumping
// a file gives the same bytes). The key id in the file is KeyId("keyward-plan-key-id:", key).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "engine/result.h"

namespace keyward::engine {

// Major version of the file layout; a reader refuses any other (a saved plan is short-lived:
// re-planning is always possible, guessing at an unknown layout is not).
// Version 2 added the signature, secrets.sources, plans.signingKeyEnv and manifest roots.
inline constexpr int kSavedPlanFormatVersion = 2;

// The variable apply reads the plan-signing key from unless told otherwise (--plan-key-env); the
// default of keyward.yaml plans.signingKeyEnv.
inline constexpr char kDefaultPlanKeyEnv[] = "KEYWARD_PLAN_KEY";

struct PlanSignature {
  std::string key_id;   // which key signed (8 hex digits; not the key)
  std::string key_env;  // the variable plan read the key from: a hint for messages, never trusted
  std::string hmac;     // lowercase hex
};

struct SavedPlan {
  std::string keyward_version;
  PlanOptions options;
  DesiredSet desired;  // config, resources and digest (the manifests' sha256)
  Plan plan;
  // Set by ParseSavedPlan: the signature found in the file, and the canonical text it covers.
  std::optional<PlanSignature> signature;
  std::string signed_text;
};

// Signs with `signing_key` unless it is empty; `key_env` is recorded as the signature's hint.
std::string SerializeSavedPlan(const SavedPlan& saved, const std::string& signing_key = "",
                               const std::string& key_env = "");

// Checks a parsed plan's signature with `key` (constant-time). kFailedPrecondition when the plan
// is unsigned; kPermissionDenied when the signature does not verify, saying whether the plan was
// signed with another key. Messages never contain the key.
Status VerifySavedPlanSignature(const SavedPlan& saved, const std::string& key);

// KeyId of a plan-signing key.
std::string PlanKeyId(const std::string& key);

// `source` names the file in error messages. kInvalidArgument for anything that is not a saved
// plan of this format version, with a message that says what to do.
Result<SavedPlan> ParseSavedPlan(const std::string& text, const std::string& source);

// Writes `bytes` to `path` with mode 0600 through a temporary file in the same directory and a
// rename, so readers never see a partial file and no other user can read it (saved plans, the
// daemon's status and in-flight journal).
Status WriteFilePrivateAtomically(const std::string& path, const std::string& bytes);

struct StaleChange {
  std::string address;
  std::string why;  // "changed since the plan (live fingerprint 1a2b3c4d… -> 5e6f7a8b…)"
};

// Where `fresh` (the re-plan made under the lock) differs from `saved`, for every resource that
// either plan would write: a change missing on one side, another action, another ARM id, another
// live fingerprint (the resource changed, appeared or disappeared since), or other field values
// (compared with sensitive values masked on both sides, as the file holds them). Empty: the
// re-plan is the reviewed plan, and applying it applies exactly what was reviewed.
std::vector<StaleChange> FindStaleChanges(const Plan& saved, const Plan& fresh);

// Addresses whose desired resource differs between the saved set and the manifests now
// ("Vault/a: changed in the manifests", "... added to ...", "... removed from ...").
std::vector<StaleChange> FindChangedManifests(const DesiredSet& saved, const DesiredSet& now);

}  // namespace keyward::engine
