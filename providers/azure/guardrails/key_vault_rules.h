// The Key Vault guardrail rules: the rule table behind `keyward validate`, `plan`, `audit` and
// the daemon's findings (docs/guardrails.md is generated from it). They live with the provider
// because they read Key Vault's vocabulary — purge protection, network ACLs, access policy
// permissions, key types — through the engine's small rule seam (engine/guardrails/rule.h),
// which hands each check a manifest-shaped spec whatever the source (manifests, manifests merged
// with live state, or live state exported as a spec).
//
// Ids are stable: KW-KV-001 means purge protection forever; a retired rule's id is never reused.
// One file per group of kinds holds that group's rows:
//   vault_rules.cc          KW-KV-001..005  Vault, ManagedHsm
//   access_policy_rules.cc  KW-KV-006..008  AccessPolicy
//   key_rules.cc            KW-KV-009..011  Key, ManagedHsmKey
//   secret_rules.cc         KW-KV-012..013  Secret
//   pec_rules.cc            KW-KV-014       PrivateEndpointConnection,
//   MhsmPrivateEndpointConnection
#pragma once

#include <vector>

#include "engine/guardrails/rule.h"

namespace keyward::azure::guardrails {

std::vector<engine::guardrails::Rule> VaultRules();
std::vector<engine::guardrails::Rule> AccessPolicyRules();
std::vector<engine::guardrails::Rule> KeyRules();
std::vector<engine::guardrails::Rule> SecretRules();
std::vector<engine::guardrails::Rule> PrivateEndpointRules();

// Registers every rule above, in id order, and the fields a manifest owns whole.
void RegisterKeyVaultRules(engine::guardrails::RuleRegistry& registry);

// A registry holding the engine's own rules and the Key Vault rules, built once.
const engine::guardrails::RuleRegistry& KeyVaultGuardrails();

}  // namespace keyward::azure::guardrails
