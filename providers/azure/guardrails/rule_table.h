// What every file of the Key Vault rule table shares: the engine's rule types under short names,
// how a row is written, the makers of its parameters, and the benchmark controls the rules cite,
// each spelled once so two rules citing the same control cannot disagree on its title.
//   MCSB v1          Microsoft cloud security benchmark v1
//   CIS Azure 2.0.0  CIS Microsoft Azure Foundations Benchmark v2.0.0, section 8 (Key Vault)
#pragma once

#include <cstdint>
#include <optional>

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

// A rule is one row, a Rule aggregate in RuleInfo's field order (engine/guardrails/rule.h):
//   {{id, SARIF name, title, severity, kinds,
//     what it checks, why (rationale), how to fix it (remediation),
//     controls, parameters},
//    check}
// Controls and parameters may be left out; parameters are made by the two helpers below.

// An integer parameter with its default and the range keyward.yaml may set (nullopt: open).
inline engine::guardrails::RuleParameter IntegerParameter(const char* name, int64_t default_value,
                                                          const char* description,
                                                          std::optional<int64_t> minimum,
                                                          std::optional<int64_t> maximum) {
  return {name, ParameterType::kInteger, default_value, description, minimum, maximum};
}

// A list-of-strings parameter (it has no range).
inline engine::guardrails::RuleParameter StringListParameter(const char* name,
                                                             engine::Json default_value,
                                                             const char* description) {
  return {name, ParameterType::kStringList, std::move(default_value), description};
}

inline ControlReference Mcsb(const char* control, const char* title) {
  return {"MCSB v1", control, title};
}
inline ControlReference CisAzure(const char* section, const char* title) {
  return {"CIS Azure 2.0.0", section, title};
}

inline const ControlReference kMcsbNs2 =
    Mcsb("NS-2", "Secure cloud services with network controls");
inline const ControlReference kMcsbPa1 =
    Mcsb("PA-1", "Separate and limit highly privileged/administrative users");
inline const ControlReference kMcsbPa7 =
    Mcsb("PA-7", "Follow just enough administration (least privilege) principle");
inline const ControlReference kMcsbDp5 =
    Mcsb("DP-5", "Use customer-managed key option in data at rest encryption when required");
inline const ControlReference kMcsbDp6 = Mcsb("DP-6", "Use a secure key management process");
inline const ControlReference kMcsbDp8 =
    Mcsb("DP-8", "Ensure security of key and certificate repository");

inline const ControlReference kCisKeyExpiryRbac =
    CisAzure("8.1", "Ensure that the expiration date is set for all keys in RBAC key vaults");
inline const ControlReference kCisKeyExpiryNonRbac =
    CisAzure("8.2", "Ensure that the expiration date is set for all keys in non-RBAC key vaults");
inline const ControlReference kCisSecretExpiryRbac =
    CisAzure("8.3", "Ensure that the expiration date is set for all secrets in RBAC key vaults");
inline const ControlReference kCisSecretExpiryNonRbac = CisAzure(
    "8.4", "Ensure that the expiration date is set for all secrets in non-RBAC key vaults");
inline const ControlReference kCisRecoverable =
    CisAzure("8.5", "Ensure the key vault is recoverable");
inline const ControlReference kCisRbac =
    CisAzure("8.6", "Enable Role Based Access Control for Azure Key Vault");
inline const ControlReference kCisPrivateEndpoints =
    CisAzure("8.7", "Ensure that Private Endpoints are used for Azure Key Vault");
inline const ControlReference kCisKeyRotation =
    CisAzure("8.8", "Ensure automatic key rotation is enabled within Azure Key Vault");

}  // namespace keyward::azure::guardrails
