// Vaults_UpdateAccessPolicy: PUT .../vaults/{vaultName}/accessPolicies/{add|replace|remove}
// (ARM-NOTES §1.7, §5.3). Edits the vault's stored properties.accessPolicies in place, so vault
// GET/list show the result at once. An entry is identified by (tenantId, objectId, applicationId),
// all compared case-insensitively; permissions are compared case-insensitively too.
//   add     - unions each listed permission into the matching entry, or appends the entry
//             (recorded: keys [get,list,create] + [encrypt] => [get,list,create,encrypt]);
//   replace - the matching entry's permissions become the listed ones (appends when absent);
//   remove  - subtracts the listed permissions; an entry left with no permissions, or listed with
//             no permissions at all, is removed; an unknown entry is ignored.
// The answer is 200 {id: "{vault id}/accessPolicies/" (recorded trailing slash), type,
// properties.accessPolicies: the vault's whole list after the change}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"
#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

enum class AccessPolicyOperation { kAdd, kReplace, kRemove };

// Validates access policy entries (tenantId and applicationId GUIDs, objectId, permissions as
// arrays of strings); `path` names the array in error messages. Shared by vault PUT / PATCH and
// accessPolicies/{add|replace|remove}, so both accept exactly the same entries.
std::optional<ArmError> ValidateAccessPolicyEntries(const nlohmann::json& entries,
                                                    const std::string& path);

// Pure: applies `changes` (validated entries) to `policies` (the vault's list). Returns an error
// when the result would exceed 1024 entries.
std::optional<ArmError> ApplyAccessPolicyChange(AccessPolicyOperation operation,
                                                const nlohmann::json& changes,
                                                nlohmann::json* policies);

void RegisterAccessPolicyRoutes(Router& router, const ServiceContext& context);

}  // namespace keyward::emulator
