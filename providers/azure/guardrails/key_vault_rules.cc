#include "providers/azure/guardrails/key_vault_rules.h"

#include "providers/azure/kinds/access_policy_model.h"

namespace keyward::azure::guardrails {

void RegisterKeyVaultRules(engine::guardrails::RuleRegistry& registry) {
  for (auto* table :
       {&VaultRules, &AccessPolicyRules, &KeyRules, &SecretRules, &PrivateEndpointRules})
    for (engine::guardrails::Rule& rule : (*table)()) registry.Register(std::move(rule));
  // A declared entry owns its whole permission set: a list the manifest leaves out is none,
  // whatever the live entry holds (access_policy_model.h), so planning never borrows it.
  registry.SetWholeFields(kAccessPolicyKind, {"permissions"});
}

const engine::guardrails::RuleRegistry& KeyVaultGuardrails() {
  static const engine::guardrails::RuleRegistry* registry = [] {
    auto* r = new engine::guardrails::RuleRegistry();
    RegisterKeyVaultRules(*r);
    return r;
  }();
  return *registry;
}

}  // namespace keyward::azure::guardrails
