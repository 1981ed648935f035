// A minimal Microsoft.Network: private endpoints only (PUT/GET/DELETE, api-versions 2023-09-01 ..
// 2024-07-01), because that is how private endpoint connections come into being on a vault or
// managed HSM (ARM-NOTES §5.6). Nothing about networking is modelled: no subnet/VNet validation, no
// NICs or IPs. What matters is the link:
//   * PUT with privateLinkServiceConnections[] creates an Approved ("Auto-Approved") connection on
//     the target, manualPrivateLinkServiceConnections[] a Pending one; the target must exist;
//   * the endpoint's body reflects each connection's current state (read from the connection);
//   * DELETE marks the connections Disconnected; they stay listed until the owner deletes them.
// Synchronous: PUT answers 201/200 with provisioningState Succeeded, DELETE 200/204.
#pragma once

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

inline constexpr char kPrivateEndpointType[] = "Microsoft.Network/privateEndpoints";

void RegisterNetworkRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
