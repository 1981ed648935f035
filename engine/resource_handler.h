// The seam between the provider-agnostic engine and what a kind means in Azure. One handler per
// kind lives in providers/azure/ and is registered explicitly in cli/main.cc. Calls take and return
// request / response structs, so adding a field breaks no signature (Terraform's provider calls).
//
// Pure methods (Resolve, PlanChange) must not do I/O, read the clock or use randomness: MakePlan
// calls them and must stay a pure function of (desired, observed, options).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/context.h"
#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/result.h"

namespace keyward::engine {

class PlanIndex;  // engine/plan_index.h

struct ResolveRequest {
  const DesiredResource* resource = nullptr;  // kind, name, scope and spec are filled in
  const StackConfig* config = nullptr;
};

struct ResolveResponse {
  std::string address;  // "Vault/payments-kv", "Secret/payments-kv/db-password"
  std::string arm_id;   // canonical: "/subscriptions/{s}/resourceGroups/{rg}/providers/..."
  // Addresses this resource refers to (implicit dependency edges), e.g. the vault of a secret,
  // the resource group of a vault. A reference to an address absent from the set is kept only
  // when `required` is true (then it is a dangling-reference error).
  struct Reference {
    std::string address;
    bool required = true;
    std::string field;  // "spec.vault", for the error message location
    // The ARM id the referrer expects the target to have, when it computed one (e.g. a secret's
    // vault, from the secret's own subscription and resource group). A target in the set with
    // another id is a dangling reference too: the address matched, the resource did not.
    std::string arm_id;
  };
  std::vector<Reference> references;
  Diagnostics diagnostics;  // kind-specific validation beyond the JSON Schema
};

struct PlanOptions {
  bool prune = false;              // plan deletes of owned resources gone from the manifests
  bool purge_then_create = false;  // policy: purge a soft-deleted name instead of recovering
  std::string stack;               // ownership tag value
};

struct PlanChangeRequest {
  const DesiredResource* desired = nullptr;           // null: planning a prune candidate
  const ObservedResource* observed = nullptr;         // null: absent in ARM
  const SoftDeletedResource* soft_deleted = nullptr;  // a soft-deleted resource holding the name
  const std::string* name_unavailable = nullptr;  // ARM's message if the name is taken elsewhere
  const PlanOptions* options = nullptr;
  // The whole desired and observed sets, for checks that span resources (access policies per
  // vault, managed HSMs per region, a vault's `accessPolicies: exclusive`). Read-only; pure.
  const DesiredSet* desired_set = nullptr;
  const ObservedSet* observed_set = nullptr;
  // Lookups over those sets in constant or logarithmic time (engine/plan_index.h), built once
  // per MakePlan; null when a request is built by hand. Look things up through FindDesired & co.
  // rather than by scanning the sets: a scan per resource is N² over a fleet.
  const PlanIndex* index = nullptr;
};

// Which live resources to read: one list call per scope, never one GET per resource.
struct RefreshRequest {
  std::vector<const DesiredResource*> desired;  // of this handler's kind
  // Extra scopes to list for prune: "/subscriptions/{s}" or
  // "/subscriptions/{s}/resourceGroups/{rg}".
  std::vector<std::string> scopes;
  // Observed parents (already refreshed, since refresh runs in dependency order of kinds), e.g.
  // the vaults whose keys a Key handler lists.
  const ObservedSet* parents = nullptr;
  // The whole desired set (stack name, parents' specs such as `accessPolicies: exclusive`).
  const DesiredSet* desired_set = nullptr;
  // `keyward export`: list every child under the observed parents (keys, secrets, access policy
  // entries), not only the ones desired resources name, with the full properties of each.
  bool all_in_scope = false;
  // At most this many ARM reads of one handler in flight (`--parallelism`, keyward.yaml's
  // policies.parallelism): the one setting for refresh and apply.
  size_t parallelism = kDefaultParallelism;
  // Where a handler may keep what it read, between runs, to read less next time: files named
  // read_cache_prefix + "." + kind + ".json" (the CLI: <state dir>/read-cache/<stack>). Empty:
  // memory only, for as long as the handler lives (the daemon, tests).
  std::string read_cache_prefix;
};

struct RefreshResponse {
  std::vector<ObservedResource> resources;
  std::vector<SoftDeletedResource> soft_deleted;
  std::map<std::string, std::string> unavailable_names;
};

// What `keyward export` writes into keyward.yaml, so that manifests leave those fields out.
struct ExportContext {
  std::string default_subscription;
  std::string default_resource_group;  // empty when exporting a whole subscription
};

struct ApplyRequest {
  const Change* change = nullptr;
  const DesiredResource* desired = nullptr;  // null when applying a saved plan without manifests
  const StackConfig* config = nullptr;  // keyward.yaml (e.g. the secret fingerprint key's name)
};

struct ApplyResponse {
  Json live;  // re-read after the write; compared with the plan by the engine
  std::string fingerprint;
};

// What the engine needs to know about a kind without naming it: apply's destroy guard and the
// layout of `keyward export`. The defaults suit a child kind (a key, an access policy).
struct KindTraits {
  // Deleting one takes what is inside it with it (a vault its keys and secrets, a resource group
  // its vaults): apply refuses the delete without --allow-destroy.
  bool delete_needs_allow_destroy = false;
  // Export: "" writes each document into the file of the resource that contains it (by ARM id),
  // or into "<kind in lowercase>-<name>.yaml" when none does; otherwise every resource of the
  // kind starts its own file, "<prefix><name>.yaml", and the resources inside it follow there.
  std::string export_file_prefix;
  // Export: left out of a whole-subscription export (only exported when one resource group is).
  bool export_needs_resource_group = false;
  // Export: written above each document of the kind.
  std::string export_comment;
};

class ResourceHandler {
 public:
  virtual ~ResourceHandler() = default;

  virtual std::string_view Kind() const = 0;

  // Pure. See KindTraits.
  virtual KindTraits Traits() const { return {}; }

  // Pure. Address, ARM id and references of a desired resource.
  virtual ResolveResponse Resolve(const ResolveRequest& request) const = 0;

  // Pure. Decides the change for one address. Sets action, before/after (normalized), field
  // changes, reason and reason_code, fingerprint. The engine fills in address, depends_on, policy.
  virtual Change PlanChange(const PlanChangeRequest& request) const = 0;

  // Effects. Reads live state with list calls.
  virtual Result<RefreshResponse> Refresh(const RefreshRequest& request, const Context& ctx) = 0;

  // Effects. Executes one change (action decides what), then re-reads the resource.
  virtual Result<ApplyResponse> Apply(const ApplyRequest& request, const Context& ctx) = 0;

  // Pure. `keyward export`: the manifest document (apiVersion, kind, metadata, spec) that plans
  // as no-op against `observed` in a stack without ownership: user-settable fields only, server
  // defaults and keyward's own tags left out. nullopt: this kind (or this resource) is not
  // exported.
  virtual std::optional<Json> ExportManifest(const ObservedResource& observed,
                                             const ExportContext& context) const {
    (void)observed;
    (void)context;
    return std::nullopt;
  }
};

// Handlers by kind, registered explicitly (no static initializers). Refresh order = registration
// order, so parents (ResourceGroup, Vault) are registered before their children.
class HandlerRegistry {
 public:
  void Register(std::unique_ptr<ResourceHandler> handler);
  ResourceHandler* Find(std::string_view kind) const;
  const std::vector<std::unique_ptr<ResourceHandler>>& all() const { return handlers_; }

 private:
  std::vector<std::unique_ptr<ResourceHandler>> handlers_;
};

}  // namespace keyward::engine
