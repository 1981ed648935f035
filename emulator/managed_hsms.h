// Microsoft.KeyVault/managedHSMs (2024-11-01), ARM-NOTES §1.7, §1.8, §5.5: every write is a
// 202 + Location LRO polled under .../locations/{loc}/managedHsmOperationResults/{id}.
//
//   PUT (create / update / recover)  202 + ManagedHsm body (Provisioning "Allocating hardware", or
//                                    Updating "ManagedHsm is updating."); the Location answers 202
//                                    while running, then 200 with the final ManagedHsm (Succeeded).
//                                    The resource is visible to GET while it provisions.
//   PATCH                            the same, as a merge patch inside properties.
//   DELETE                           202; at the end the HSM is soft-deleted (always on) into
//                                    .../locations/{loc}/deletedManagedHSMs/{name}; 200 empty.
//   POST deletedManagedHSMs/purge    202 only (refused while purge protection is on).
//   GET MH/regions                   the geo-replication regions (primary = the HSM's location).
//
// Invariants: at most one operation runs per HSM (a second write answers 409
// AnotherOperationInProgress); provisioningState in the stored body is the truth (the operation
// completer flips it, so restarts keep it); names are global in their own namespace (HSM and
// deleted HSM names; vault names are separate DNS zones). Stored bodies are the response shape
// plus "_internal" (stripped by Render).
//
// Failed LROs: Operations::FailNext(kind, error) with one of the kinds below makes the next such
// operation end Failed (the HSM shows provisioningState Failed; Location pollers get the error).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/server.h"
#include "emulator/store.h"

namespace keyward::emulator {

inline constexpr char kManagedHsmType[] = "Microsoft.KeyVault/managedHSMs";
inline constexpr char kDeletedManagedHsmType[] = "Microsoft.KeyVault/deletedManagedHSMs";

// Operation kinds (for Operations::FailNext).
inline constexpr char kMhsmWriteKind[] = "ManagedHsmWrite";  // PUT, PATCH, recover
inline constexpr char kMhsmDeleteKind[] = "ManagedHsmDelete";
inline constexpr char kMhsmPurgeKind[] = "ManagedHsmPurge";

// Per subscription per region (azure-docs key-vault-limits, ARM-NOTES §3.4).
inline constexpr int kManagedHsmQuotaPerRegion = 5;

// Lowercased store key of a managed HSM.
std::string ManagedHsmKey(const std::string& sub, const std::string& rg, const std::string& name);

// 3-24 characters, ^[A-Za-z]([A-Za-z0-9]|-[A-Za-z0-9])+$ (keysManagedHsm.json ManagedHSMName).
std::optional<ArmError> ValidateManagedHsmName(const std::string& name);

// A ManagedHsmError body: {"error":{"code","message","innererror"?:{"code","message"}}}.
Reply ManagedHsmErrorReply(const ArmError& error, const std::string& inner_code = "",
                           const std::string& inner_message = "");

// Validates and normalises ManagedHsmProperties of a PUT (or of a PATCH merged into the stored
// properties). `existing`: stored properties of a live HSM (null on create); enforces immutable
// soft delete/retention and one-way purge protection. `location` is the HSM's (primary region).
std::optional<ArmError> NormalizeManagedHsmProperties(const nlohmann::json& input,
                                                      const nlohmann::json* existing,
                                                      const std::string& location,
                                                      nlohmann::json* out);

void RegisterManagedHsmRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
