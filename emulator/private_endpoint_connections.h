// Private endpoint connections (PECs) on vaults and managed HSMs, 2024-11-01 (ARM-NOTES §1.7,
// §5.6): GET (404 when absent), PUT (approve / reject: only privateLinkServiceConnectionState
// changes), DELETE (202 + Location on the connection's own URL, then gone) and the paged list by
// resource.
//
// There is no Key Vault API that creates a connection: Microsoft.Network does when a private
// endpoint targets the vault or HSM (network.h calls CreatePrivateEndpointConnection). The family
// also keeps the read-only summary `properties.privateEndpointConnections[]` ({id, etag,
// properties}) of the parent's stored body in step, so the vault and HSM families need no knowledge
// of connections (vaults.cc already carries that property over on PUT/PATCH).
//
// Stored PEC rows: key = lowercased id, parent = lowercased parent key (so a vault's soft delete,
// which removes every row under its key, takes its connections along), body = response shape plus
// "_internal" {peKey}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/server.h"
#include "emulator/store.h"

namespace keyward::emulator {

inline constexpr char kVaultPecType[] = "Microsoft.KeyVault/vaults/privateEndpointConnections";
inline constexpr char kHsmPecType[] = "Microsoft.KeyVault/managedHSMs/privateEndpointConnections";

// A resource that private endpoints may connect to.
struct PecTarget {
  std::string id;   // ARM id as the caller spelled it
  std::string key;  // lowercased id (store key)
  bool is_hsm = false;
  std::string resource_group;
  std::string name;
};

// Parses ".../resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults|managedHSMs/{name}".
std::optional<PecTarget> ParsePecTarget(const std::string& id);

struct NewConnection {
  std::string name;
  std::string private_endpoint_id;
  std::string private_endpoint_key;  // lowercased, to find the endpoint back
  std::string status;                // "Approved" or "Pending"
  std::string description;
};

// Creates a connection under an existing target (nullopt when the target row is missing) and
// refreshes the target's summary. Returns the stored key of the connection. Call inside a
// transaction.
std::optional<std::string> CreatePrivateEndpointConnection(Store::Tx& tx, const PecTarget& target,
                                                           const NewConnection& connection);

// The endpoint went away: status Disconnected, new etag. No-op when the connection is gone.
void DisconnectPrivateEndpointConnection(Store::Tx& tx, const std::string& pec_key,
                                         const std::string& description);

// privateLinkServiceConnectionState of a stored connection; nullopt once it was deleted.
std::optional<nlohmann::json> PrivateEndpointConnectionState(Store::Tx& tx,
                                                             const std::string& pec_key);

void RegisterPrivateEndpointConnectionRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
