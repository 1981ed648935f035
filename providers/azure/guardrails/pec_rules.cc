// KW-KV-014: private endpoint connections of vaults and managed HSMs — approved only for
// endpoints in subscriptions the stack trusts.
#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/guardrails/rule_table.h"
#include "providers/azure/guardrails/spec_values.h"
#include "providers/azure/kinds/pec_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::guardrails {
namespace {

// The subscription of the vault / HSM a connection belongs to: from spec.vault / spec.managedHsm
// when that is a full ARM id, else the connection's own (a name means the same scope).
std::string ParentSubscription(const RuleContext& c) {
  const PecKind& kind = c.subject.kind == kHsmPecKind.kind ? kHsmPecKind : kVaultPecKind;
  const std::string from_ref = SubscriptionOfId(SpecString(c.subject.spec, kind.parent_field));
  if (!from_ref.empty()) return from_ref;
  const std::string from_id = SubscriptionOfId(c.subject.arm_id);
  return from_id.empty() ? c.subject.subscription : from_id;
}

Rule AllowedSubscriptions() {
  return {
      {"KW-KV-014",
       "PrivateEndpointFromAllowedSubscription",
       "Private endpoints are approved only from allowed subscriptions",
       Severity::kHigh,
       {kVaultPecKind.kind, kHsmPecKind.kind},
       "A connection with `status: Approved` has a `spec.privateEndpointId` in the subscription "
       "of its vault or managed HSM, or in one of `allowedSubscriptions`. Rejected connections "
       "are never findings.",
       "Approving a private endpoint connection puts the vault on another network: whoever "
       "controls that endpoint's virtual network reaches the vault privately, past a firewall "
       "that denies the internet. An endpoint in a subscription the platform team does not know "
       "(another tenant's, a personal one) is an exfiltration path that looks like ordinary "
       "private networking.",
       "Set `status: Rejected` unless the endpoint belongs to a known subscription, and add the "
       "subscriptions of trusted landing zones to `allowedSubscriptions`.",
       {kMcsbNs2},
       {StringListParameter("allowedSubscriptions", Json::array(),
                            "Subscription ids whose private endpoints may be approved, besides "
                            "the vault's own.")}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        if (!IEquals(SpecString(c.subject.spec, "status"), "Approved")) return;
        const std::string endpoint = SpecString(c.subject.spec, "privateEndpointId");
        const std::string endpoint_subscription = SubscriptionOfId(endpoint);
        const std::string own = ParentSubscription(c);
        if (endpoint_subscription.empty() || IEquals(endpoint_subscription, own) ||
            EqualsAnyIgnoreCase(endpoint_subscription,
                                c.parameters.Strings("allowedSubscriptions")))
          return;
        out->push_back({"spec.privateEndpointId",
                        "approves a private endpoint in subscription " + endpoint_subscription +
                            ", which is neither the parent's own subscription (" + own +
                            ") nor in allowedSubscriptions"});
      }};
}

}  // namespace

std::vector<Rule> PrivateEndpointRules() { return {AllowedSubscriptions()}; }

}  // namespace keyward::azure::guardrails
