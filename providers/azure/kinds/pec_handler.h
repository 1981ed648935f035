// The PrivateEndpointConnection and MhsmPrivateEndpointConnection kinds: one handler,
// parameterised by the parent kind (vault or managed HSM), around the pure logic in pec_model.h.
//
// Refresh reads no connection one by one. It takes the connections from the parents' live
// objects (properties.privateEndpointConnections[] of the vaults / HSMs refreshed before it,
// which carry id, etag and properties) and lists privateEndpointConnections only for parents it
// has no live object for (a parent keyward does not manage, or whose kind is not refreshed): one
// list per parent, bounded concurrency.
//
// Apply PUTs privateLinkServiceConnectionState {status, description} with If-Match: the etag the
// plan was made against, so a connection changed since the plan is refused (412) instead of
// overwritten. It never creates (Microsoft.Network does) and never deletes a connection.
#pragma once

#include <memory>

#include "providers/azure/kinds/kind_handler.h"
#include "providers/azure/kinds/pec_model.h"

namespace keyward::azure {

class PecHandler : public KindHandler<PecKind> {
 public:
  using KindHandler::KindHandler;

  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;
};

}  // namespace keyward::azure
