#include "providers/azure/kinds/pec_handler.h"

#include <map>
#include <optional>

#include "engine/parallel.h"
#include "providers/azure/kinds/arm_json.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;

struct ParentGroup {
  PecParent parent;
  std::vector<const engine::DesiredResource*> desired;
  std::optional<std::vector<Json>> connections;  // set once known
};

// The parent's read-only connection summaries, when refresh already has its live object.
std::optional<std::vector<Json>> SummariesOf(const engine::ObservedSet* parents,
                                             const char* parent_kind, const std::string& id) {
  if (!parents) return std::nullopt;
  for (const engine::ObservedResource& o : parents->resources) {
    if (o.kind != parent_kind || !IEquals(o.arm_id, id)) continue;
    const Json* props = FindKey(o.live, "properties");
    if (!props || !props->is_object()) return std::nullopt;  // a list without properties
    std::vector<Json> out;
    const Json* list = FindKey(*props, "privateEndpointConnections");
    if (list && list->is_array()) out.assign(list->begin(), list->end());
    return out;
  }
  return std::nullopt;
}

std::string ConnectionPath(const std::string& arm_id) {
  return WithApiVersion(arm_id, kKeyVaultApiVersion);
}

}  // namespace

Result<engine::RefreshResponse> PecHandler::Refresh(const engine::RefreshRequest& request,
                                                    const Context& ctx) {
  // Desired connections by parent (lowercase id: ARM ids compare case-insensitively).
  std::map<std::string, ParentGroup> groups;
  std::vector<std::string> taken;
  for (const engine::DesiredResource* d : request.desired) {
    taken.push_back(d->address);
    std::string error;
    auto parent = PecParentOf(kind_, *d, &error);
    if (!parent) continue;  // Resolve already reported it
    ParentGroup& group = groups[Lower(parent->id)];
    if (group.parent.id.empty()) group.parent = *parent;
    group.desired.push_back(d);
  }

  // Export reads the connections of every observed parent (summaries in the parent's list item).
  if (request.all_in_scope && request.parents) {
    for (const engine::ObservedResource& o : request.parents->resources) {
      if (o.kind != kind_.parent_kind) continue;
      ParentGroup& group = groups[Lower(o.arm_id)];
      if (group.parent.id.empty())
        group.parent = {o.arm_id, ArmIdSegment(o.arm_id, kind_.parent_collection), false};
    }
  }

  std::vector<ParentGroup*> to_list;
  for (auto& [key, group] : groups) {
    group.connections = SummariesOf(request.parents, kind_.parent_kind, group.parent.id);
    if (!group.connections) to_list.push_back(&group);
  }
  std::vector<Result<std::vector<Json>>> lists(to_list.size());
  engine::ForEachBounded(to_list.size(), request.parallelism, [&](size_t i) {
    lists[i] = client_->ListAll(
        ConnectionPath(to_list[i]->parent.id + "/privateEndpointConnections"), ctx);
  });
  for (size_t i = 0; i < to_list.size(); ++i) {
    if (lists[i]) {
      to_list[i]->connections = std::move(*lists[i]);
    } else if (lists[i].error().code == ErrorCode::kNotFound) {
      to_list[i]->connections.emplace();  // no parent yet, so no connections yet
    } else {
      return tl::unexpected(lists[i].error());
    }
  }

  engine::RefreshResponse out;
  for (auto& [key, group] : groups) {
    for (engine::ObservedResource& o :
         ObservePecs(kind_, group.parent.name, *group.connections, group.desired, taken)) {
      out.resources.push_back(std::move(o));
    }
  }
  return out;
}

Result<engine::ApplyResponse> PecHandler::Apply(const engine::ApplyRequest& request,
                                                const Context& ctx) {
  const Change& change = *request.change;
  if (change.arm_id.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition, change.address + ": no live connection to " +
                                                         engine::ActionName(change.action) +
                                                         " (plan has no ARM id)");
  }
  const std::string path = ConnectionPath(change.arm_id);
  switch (change.action) {
    case Action::kNoOp:
      break;
    case Action::kUpdate: {
      RequestOptions options;
      // The etag the plan was made against: a connection that moved since is refused, not
      // overwritten (its owner or Microsoft.Network changed it; the plan is stale).
      const std::string etag = change.before.is_object() ? change.before.value("etag", "") : "";
      if (!etag.empty()) options.headers.Set("If-Match", etag);
      auto put = client_->Put(path, change.after, ctx, options);
      if (!put) {
        const Error& e = put.error();
        const std::optional<ArmError> arm = ArmErrorOf(e);
        if ((arm && arm->status == 412) || HasArmCode(e, "PreconditionFailed")) {
          return MakeError(ErrorCode::kAborted,
                           change.address +
                               ": the connection changed since the plan was made "
                               "(etag " +
                               etag +
                               " no longer matches): refresh and "
                               "plan again",
                           e.detail);
        }
        if (arm && arm->status == 409) {
          return MakeError(e.code, change.address + ": ARM refused the change: " + e.message,
                           e.detail);
        }
        return tl::unexpected(e);
      }
      // The spec allows an Azure-AsyncOperation header on the 200; follow it when present.
      KEYWARD_RETURN_IF_ERROR(client_->PollUntilDone(*put, path, HttpMethod::kPut, ctx));
      break;
    }
    default:
      return MakeError(ErrorCode::kFailedPrecondition,
                       change.address + ": action " + engine::ActionName(change.action) +
                           " cannot be applied to a private endpoint connection");
  }
  KEYWARD_ASSIGN_OR_RETURN(auto live, client_->Get(path, ctx));
  engine::ApplyResponse out;
  out.live = std::move(live.body);
  out.fingerprint = PecFingerprint(NormalizePec(out.live));
  return out;
}

}  // namespace keyward::azure
