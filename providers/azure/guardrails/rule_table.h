// What every file of the Key Vault rule table shares: the engine's rule types under short names,
// and the benchmark controls the rules cite, each spelled once so two rules citing the same
// control cannot disagree on its title.
//   MCSB v1          Microsoft cloud security benchmark v1
//   CIS Azure 2.0.0  CIS Microsoft Azure Foundations Benchmark v2.0.0, section 8 (Key Vault)
#pragma once

#include "engine/guardrails/estate.h"
#include "engine/guardrails/rule.h"

namespace keyward::azure::guardrails {

using engine::guardrails::ControlReference;
using engine::guardrails::ParameterType;
using engine::guardrails::Rule;
using engine::guardrails::RuleContext;
using engine::guardrails::Severity;
using engine::guardrails::Subject;
using engine::guardrails::Violation;

inline const ControlReference kMcsbNs2{"MCSB v1", "NS-2",
                                       "Secure cloud services with network controls"};
inline const ControlReference kMcsbPa1{"MCSB v1", "PA-1",
                                       "Separate and limit highly privileged/administrative users"};
inline const ControlReference kMcsbPa7{
    "MCSB v1", "PA-7", "Follow just enough administration (least privilege) principle"};
inline const ControlReference kMcsbDp5{
    "MCSB v1", "DP-5", "Use customer-managed key option in data at rest encryption when required"};
inline const ControlReference kMcsbDp6{"MCSB v1", "DP-6", "Use a secure key management process"};
inline const ControlReference kMcsbDp8{"MCSB v1", "DP-8",
                                       "Ensure security of key and certificate repository"};

inline const ControlReference kCisKeyExpiryRbac{
    "CIS Azure 2.0.0", "8.1",
    "Ensure that the expiration date is set for all keys in RBAC key vaults"};
inline const ControlReference kCisKeyExpiryNonRbac{
    "CIS Azure 2.0.0", "8.2",
    "Ensure that the expiration date is set for all keys in non-RBAC key vaults"};
inline const ControlReference kCisSecretExpiryRbac{
    "CIS Azure 2.0.0", "8.3",
    "Ensure that the expiration date is set for all secrets in RBAC key vaults"};
inline const ControlReference kCisSecretExpiryNonRbac{
    "CIS Azure 2.0.0", "8.4",
    "Ensure that the expiration date is set for all secrets in non-RBAC key vaults"};
inline const ControlReference kCisRecoverable{"CIS Azure 2.0.0", "8.5",
                                              "Ensure the key vault is recoverable"};
inline const ControlReference kCisRbac{"CIS Azure 2.0.0", "8.6",
                                       "Enable Role Based Access Control for Azure Key Vault"};
inline const ControlReference kCisPrivateEndpoints{
    "CIS Azure 2.0.0", "8.7", "Ensure that Private Endpoints are used for Azure Key Vault"};
inline const ControlReference kCisKeyRotation{
    "CIS Azure 2.0.0", "8.8", "Ensure automatic key rotation is enabled within Azure Key Vault"};

}  // namespace keyward::azure::guardrails
