#include "engine/refresh.h"

#include <algorithm>
#include <set>
#include <utility>

namespace keyward::engine {

std::vector<std::string> PruneScopes(const DesiredSet& desired, bool prune) {
  std::set<std::string> scopes;
  if (prune)
    for (const DesiredResource& d : desired.resources)
      if (!d.subscription.empty() && !d.resource_group.empty())
        scopes.insert("/subscriptions/" + d.subscription + "/resourceGroups/" + d.resource_group);
  return {scopes.begin(), scopes.end()};
}

Result<ObservedSet> Refresh(const DesiredSet& desired, const HandlerRegistry& handlers,
                            const RefreshOptions& options, const Context& ctx) {
  ObservedSet observed;
  for (const auto& handler : handlers.all()) {
    const std::string kind(handler->Kind());
    if (ctx.IsCancelled())
      return MakeError(ErrorCode::kCancelled, "refresh cancelled before " + kind);

    RefreshRequest request;
    for (const DesiredResource& d : desired.resources)
      if (d.kind == kind && d.policy != ReconcilePolicy::kSkip) request.desired.push_back(&d);
    request.scopes = options.scopes;
    request.all_in_scope = options.all_in_scope;
    request.parallelism = static_cast<size_t>(std::max(1, options.parallelism));
    request.read_cache_prefix = options.read_cache_prefix;
    request.parents = &observed;
    request.desired_set = &desired;

    Result<RefreshResponse> response = MakeError(ErrorCode::kInternal, "not run");
    try {
      response = handler->Refresh(request, ctx);
    } catch (const std::exception& e) {
      // Containment, as in apply: a handler tripping over an answer it did not expect fails the
      // refresh with a message, never the process.
      response = MakeError(ErrorCode::kInternal,
                           std::string("unexpected error reading live state: ") + e.what());
    } catch (...) {
      response = MakeError(ErrorCode::kInternal, "unexpected non-standard exception");
    }
    if (!response) {
      Error error = response.error();
      error.message = "refresh " + kind + ": " + error.message;
      return tl::unexpected<Error>(std::move(error));
    }
    // `request.parents` points at `observed`; the handler has returned, so growing it is safe.
    for (auto& r : response->resources) {
      if (r.kind.empty()) r.kind = kind;
      observed.resources.push_back(std::move(r));
    }
    for (auto& s : response->soft_deleted) observed.soft_deleted.push_back(std::move(s));
    for (auto& [name, message] : response->unavailable_names)
      observed.unavailable_names.emplace(name, std::move(message));
  }
  return observed;
}

Result<ObservedSet> RefreshScope(const std::string& scope, const HandlerRegistry& handlers,
                                 const Context& ctx) {
  RefreshOptions options;
  options.scopes = {scope};
  options.all_in_scope = true;
  // No desired resources and no stack: every handler lists what is in scope, owns nothing.
  const DesiredSet nothing;
  return Refresh(nothing, handlers, options, ctx);
}

}  // namespace keyward::engine
