// The two sides of every diff: what the manifests want (DesiredResource) and what ARM has
// (ObservedResource). Both are kind-agnostic; what a kind's fields mean is the handler's business
// (engine/resource_handler.h).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/field_locations.h"

namespace keyward::engine {

using Json = nlohmann::json;

// keyward.dev/reconcile-policy annotation (DESIGN.md §4).
enum class ReconcilePolicy { kManage, kObserve, kSkip, kDetachOnDelete };
const char* ReconcilePolicyName(ReconcilePolicy policy);
std::optional<ReconcilePolicy> ParseReconcilePolicy(const std::string& text);

// keyward.yaml secrets.sources (engine/secret_source.h): where Secret values may come from beyond
// the manifest set's own directory tree.
struct SecretSourcePolicy {
  // Directories outside the manifest root that valueFrom.file may read (mounted Kubernetes
  // secrets, e.g. /var/run/secrets/keyward), as written in keyward.yaml.
  std::vector<std::string> allowed_directories;
  // When either is non-empty, valueFrom.env must name a variable starting with one of the
  // prefixes or listed in names.
  std::vector<std::string> env_prefixes;
  std::vector<std::string> env_names;
};

// ARM calls in flight at once, refresh and apply alike, unless `--parallelism` or keyward.yaml's
// policies.parallelism says otherwise.
inline constexpr int kDefaultParallelism = 8;

// keyward.yaml: stack identity, defaults and policies for one manifest set.
struct StackConfig {
  std::string stack;  // value of the keyward-stack ownership tag
  std::string default_subscription;
  std::string default_resource_group;
  std::string default_location;
  std::string default_tenant_id;
  ReconcilePolicy default_policy = ReconcilePolicy::kManage;
  bool prune = false;
  int parallelism = kDefaultParallelism;
  // keyward.yaml `secrets:` (engine/secret_source.h): the environment variable holding the
  // fingerprint key, and whether a pruned Secret is disabled (ARM cannot delete secrets).
  std::string fingerprint_key_env = "KEYWARD_FINGERPRINT_KEY";
  bool disable_pruned_secrets = false;
  // keyward.yaml `extraRegions`: regions accepted besides the ones the schemas list.
  std::vector<std::string> extra_regions;
  SecretSourcePolicy secret_sources;
  // keyward.yaml plans.signingKeyEnv (engine/saved_plan.h): the variable holding the key that
  // `plan --out` signs saved plans with.
  std::string plan_signing_key_env = "KEYWARD_PLAN_KEY";
  // keyward.yaml `timeouts:` (docs/reliability.md): how long one long-running ARM operation and
  // one ARM request may take. Unset: the command line's value, else the default.
  std::optional<std::chrono::milliseconds> operation_timeout;
  std::optional<std::chrono::milliseconds> request_timeout;
  // keyward.yaml `lock:` as written (schema-validated; null when absent). The CLI resolves it
  // with the --lock-* flags and KEYWARD_LOCK_* variables (engine/lock_config.h).
  Json lock;
  SourceLocation location;  // where keyward.yaml is; empty file if there is none
  // keyward.yaml `guardrails:` as written, and where each of its keys is; read by
  // engine/guardrails/policy.h against the rule table.
  Json guardrails;
  FieldLocations guardrails_locations;
};

struct DesiredResource {
  std::string kind;            // "Vault"
  std::string name;            // the ARM name, as written
  std::string subscription;    // after keyward.yaml defaults
  std::string resource_group;  // after keyward.yaml defaults; empty for subscription-scoped kinds
  std::string address;         // "Kind/[parent/]name", unique in the set (handler.Resolve)
  std::string arm_id;          // canonical ARM id (handler.Resolve)
  Json spec;                   // the manifest's spec, with keyward.yaml defaults filled in
  std::map<std::string, std::string> annotations;
  ReconcilePolicy policy = ReconcilePolicy::kManage;
  std::vector<std::string> depends_on;  // addresses: explicit dependsOn + implicit references
  SourceLocation location;              // where the document starts
  FieldLocations field_locations;       // "spec.location" -> where it is written
  // The manifest path this document was loaded under (the directory holding keyward.yaml): a
  // Secret's valueFrom.file may not leave it. Empty: the directory of `location.file`.
  std::string manifest_root;
  // Secrets only: HMAC-SHA256 fingerprint of the value read from `valueFrom` before planning
  // (engine/secret_source.h). Never the value itself; empty until resolved.
  std::string value_fingerprint;

  // Where `field` ("spec.location") is written; where the document starts when it is not.
  SourceLocation LocationOf(const std::string& field) const;
};

struct DesiredSet {
  StackConfig config;
  std::vector<DesiredResource> resources;  // in load order; addresses unique
  std::string digest;                      // sha256 over the manifest bytes, for saved plans

  const DesiredResource* Find(const std::string& address) const;
};

// A live resource as ARM returned it (id, name, type, location, tags, properties, etag...).
struct ObservedResource {
  std::string kind;
  std::string address;  // computed by the handler from the ARM id
  std::string arm_id;   // as returned by ARM
  Json live;
  std::string fingerprint;  // etag where ARM gives one, else a hash of the normalized live object
  // Set by a handler for resources that are owned through their parent's declaration rather
  // than a tag, e.g. access policy entries of a vault with `accessPolicies: exclusive`: when no
  // desired resource claims it, MakePlan plans its removal even without PlanOptions::prune.
  bool remove_if_undeclared = false;
};

// A soft-deleted vault or HSM that holds a name (deletedVaults / deletedManagedHSMs).
struct SoftDeletedResource {
  std::string kind;  // the kind it would be when recovered: "Vault" or "ManagedHsm"
  std::string name;
  std::string subscription;
  std::string location;
  std::string original_id;  // properties.vaultId / mhsmId
  std::string deletion_date;
  std::string scheduled_purge_date;
  bool purge_protection = false;
};

struct ObservedSet {
  std::vector<ObservedResource> resources;
  std::vector<SoftDeletedResource> soft_deleted;
  // Names (lowercase, per kind) that checkNameAvailability reported as taken outside this scope.
  std::map<std::string, std::string> unavailable_names;  // "Vault/name" -> ARM's message

  // Lookup by ARM id, case-insensitive (ARM ids are).
  const ObservedResource* FindById(const std::string& arm_id) const;
  // Exact address lookup, for kinds whose ARM id is server-chosen (private endpoint
  // connections): the handler's Refresh gives the live resource the desired address.
  const ObservedResource* FindByAddress(const std::string& address) const;
  const SoftDeletedResource* FindSoftDeleted(const std::string& kind, const std::string& name,
                                             const std::string& subscription) const;
};

// Lowercases ASCII; ARM names, ids and enum values compare case-insensitively.
std::string AsciiLower(std::string text);
bool EqualsIgnoreCase(const std::string& a, const std::string& b);

}  // namespace keyward::engine
