// Refresh: read live state through every registered handler (DESIGN.md §2). One of the two places
// (with apply) where the engine causes I/O, always through the handlers.
//
// Handlers run in registration order, one at a time, because children need their parents: the
// Key handler lists keys of the vaults the Vault handler already observed (RefreshRequest::
// parents is the ObservedSet built so far). Concurrency belongs inside a handler (one list call
// per scope, bounded by the ARM client), not across kinds.
#pragma once

#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "engine/result.h"

namespace keyward::engine {

struct RefreshOptions {
  // Extra scopes to list so that prune can see owned resources no manifest mentions anymore:
  // "/subscriptions/{s}" or "/subscriptions/{s}/resourceGroups/{rg}".
  std::vector<std::string> scopes;
  bool all_in_scope = false;  // RefreshRequest::all_in_scope (keyward export)
  // RefreshRequest::parallelism: `--parallelism`, else keyward.yaml's policies.parallelism.
  int parallelism = kDefaultParallelism;
  std::string read_cache_prefix;  // RefreshRequest::read_cache_prefix
};

// The scopes prune must list: every (subscription, resource group) the manifests use, so owned
// resources that left the manifests (and the children of desired parents, such as a key whose
// manifest was removed) are seen. Empty when `prune` is false.
std::vector<std::string> PruneScopes(const DesiredSet& desired, bool prune);

// Desired resources with policy skip are not passed to handlers (skip = ignore entirely). The
// first handler error stops the refresh (a partial ObservedSet would plan wrong creates) and
// is returned with the kind prefixed: "refresh Vault: ...", keeping the error code. An exception
// escaping a handler is such an error too (kInternal), never a crash.
Result<ObservedSet> Refresh(const DesiredSet& desired, const HandlerRegistry& handlers,
                            const RefreshOptions& options, const Context& ctx);

// Everything in `scope` ("/subscriptions/{s}" or ".../resourceGroups/{rg}") with no manifests:
// every handler lists all it finds there, with full properties (`keyward export`, `keyward audit`).
Result<ObservedSet> RefreshScope(const std::string& scope, const HandlerRegistry& handlers,
                                 const Context& ctx);

}  // namespace keyward::engine
