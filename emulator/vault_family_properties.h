// The properties that vaults and managed HSMs share (tenantId, softDeleteRetentionInDays,
// publicNetworkAccess, networkAcls, createMode, the service-owned read-only fields) and their
// name rule. One copy, so the two resource families validate them alike; each family's
// Normalize*Properties keeps only what is its own (sku and access policies, admins and regions,
// and how each defaults purge protection).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/arm_error.h"

namespace keyward::emulator {

// 3-24 of [a-zA-Z0-9-], starts with a letter, ends with a letter or digit, no "--".
bool IsVaultFamilyName(const std::string& name);
// That rule in the service's words, to follow "... must " in the name errors.
inline constexpr char kVaultFamilyNameRule[] =
    "be a string of 3 to 24 characters and contain only numbers (0-9), letters (a-z, A-Z), and "
    "hyphens (-). It must start with a letter, end with a letter or digit, and must not contain "
    "consecutive hyphens.";

// properties.tenantId: required, a GUID; copied to `p`.
std::optional<ArmError> NormalizeTenantId(const nlohmann::json& input, nlohmann::json* p);

// properties.softDeleteRetentionInDays: 7..90, default 90, fixed once `existing` (the stored
// properties, null on create) exists. `resource` names the family in the error ("vault").
std::optional<ArmError> NormalizeRetention(const nlohmann::json& input,
                                           const nlohmann::json* existing,
                                           const std::string& resource, nlohmann::json* p);

// The error for turning purge protection off again ("a vault", "a managed HSM").
ArmError PurgeProtectionIsIrreversible(const std::string& a_resource);

// properties.publicNetworkAccess: Enabled (default) or Disabled, any case.
std::optional<ArmError> NormalizePublicNetworkAccess(const nlohmann::json& input,
                                                     nlohmann::json* p);

// How properties.networkAcls treats an explicit null bypass or defaultAction: vaults reject it,
// managed HSMs take the default (each as its recorded service does).
enum class NullAclValue { kInvalid, kDefault };

// properties.networkAcls: bypass and defaultAction canonicalised (AzureServices / Allow by
// default), ipRules and virtualNetworkRules checked and defaulted to [].
std::optional<ArmError> NormalizeNetworkAcls(const nlohmann::json& acls, NullAclValue nulls,
                                             nlohmann::json* out);

// properties.createMode, when present: default or recover.
std::optional<ArmError> ValidateCreateMode(const nlohmann::json& input);

// Copies the read-only `fields` the service owns from the stored properties into `p`.
void CarryOverReadOnly(const nlohmann::json* existing, std::initializer_list<const char*> fields,
                       nlohmann::json* p);

}  // namespace keyward::emulator
