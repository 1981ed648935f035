// KW-KV-001..005: vaults and managed HSMs — recoverability, network exposure, authorization.
// Defaults for fields a manifest leaves out are ARM's for a new resource (api-version
// 2024-11-01): purge protection off for a vault and on for a managed HSM, soft delete on with 90
// days, public network access Enabled, network ACL default action Allow, RBAC authorization off.
#include <cstdlib>

#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/guardrails/rule_table.h"
#include "providers/azure/guardrails/spec_values.h"
#include "providers/azure/kinds/managed_hsm_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::guardrails {
namespace {

std::string Noun(const std::string& kind) {
  return kind == kManagedHsmKind ? "managed HSM" : "vault";
}

Rule PurgeProtection() {
  return {
      {"KW-KV-001",
       "PurgeProtectionEnabled",
       "Purge protection is enabled",
       Severity::kHigh,
       {kVaultKind, kManagedHsmKind},
       "`spec.enablePurgeProtection` is `true`. Left out, it counts as off for a vault (ARM "
       "creates vaults without purge protection) and as on for a managed HSM (ARM's default "
       "there).",
       "Without purge protection, whoever can delete the vault can also purge it, and a purged "
       "vault is gone at once with every key, secret and certificate in it: data encrypted with "
       "its keys can no longer be read. With purge protection a deleted vault can only be "
       "recovered until its retention period ends; nobody, its owners included, can purge it "
       "early, so an accidental or malicious delete becomes an incident that can be undone.",
       "Set `spec.enablePurgeProtection: true`. It cannot be turned off again, and after a "
       "delete the name stays reserved for the retention period (keyward plans a create of that "
       "name as `blocked`).",
       {kMcsbDp8, kCisRecoverable}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const bool hsm = c.subject.kind == kManagedHsmKind;
        const std::optional<bool> on = SpecBool(c.subject.spec, "enablePurgeProtection");
        if (on.value_or(hsm)) return;
        out->push_back(
            {"spec.enablePurgeProtection",
             on ? "enablePurgeProtection is false: the " + Noun(c.subject.kind) +
                      " and everything in it can be purged right after a delete"
                : "enablePurgeProtection is not set, and ARM creates vaults without purge "
                  "protection: the vault and everything in it can be purged right after a delete"});
      }};
}

Rule SoftDeleteRetention() {
  return {
      {"KW-KV-002",
       "SoftDeleteRetentionLongEnough",
       "Soft delete keeps deleted objects long enough",
       Severity::kMedium,
       {kVaultKind, kManagedHsmKind},
       "Soft delete is not switched off (`spec.enableSoftDelete` left out or `true`) and "
       "`spec.softDeleteRetentionInDays` is at least `minimumRetentionDays`. Left out, the "
       "retention is ARM's default of 90 days.",
       "The retention period is how long a deleted vault, key or secret can be recovered, and "
       "with purge protection how long nobody can destroy it. A short period leaves little time "
       "to notice a deletion (over a weekend, a holiday, a slow incident) before recovery is no "
       "longer possible. It is fixed when the vault is created, so the manifest is the place to "
       "get it right.",
       "Set `spec.softDeleteRetentionInDays` to at least the minimum (90, ARM's default, is also "
       "its maximum) and leave `enableSoftDelete` out or `true`. An existing vault's retention "
       "cannot change (keyward plans it as `blocked`): recreate the vault, or waive the rule "
       "with a reason.",
       {kMcsbDp8, kCisRecoverable},
       {IntegerParameter("minimumRetentionDays", 90,
                         "Fewest days a deleted object must stay recoverable (ARM allows 7-90).", 7,
                         90)}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        if (SpecBool(c.subject.spec, "enableSoftDelete") == false)
          out->push_back({"spec.enableSoftDelete", "enableSoftDelete is false: a deleted " +
                                                       Noun(c.subject.kind) +
                                                       " or object cannot be recovered at all"});
        const long long minimum = c.parameters.Integer("minimumRetentionDays");
        const std::optional<long long> days = SpecInt(c.subject.spec, "softDeleteRetentionInDays");
        if (days.value_or(kDefaultRetentionDays) < minimum)
          out->push_back({"spec.softDeleteRetentionInDays",
                          "softDeleteRetentionInDays is " +
                              std::to_string(days.value_or(kDefaultRetentionDays)) +
                              ", below the minimum of " + std::to_string(minimum) + " days"});
      }};
}

Rule PublicNetworkAccess() {
  return {
      {"KW-KV-003",
       "PublicNetworkAccessRestricted",
       "Public network access is disabled or denied by default",
       Severity::kHigh,
       {kVaultKind, kManagedHsmKind},
       "`spec.publicNetworkAccess` is `Disabled`, or `spec.networkAcls.defaultAction` is `Deny` "
       "(then only the listed IP ranges and virtual networks, and trusted Azure services with "
       "`bypass: AzureServices`, get through). Left out, ARM's defaults apply: public network "
       "access `Enabled`, default action `Allow`.",
       "A vault reachable from every network relies on authentication alone: a leaked token, a "
       "too-broad access policy or a password-spraying attempt can be tried from anywhere on "
       "the internet. Closing the public endpoint (private endpoints only) or denying by default "
       "removes that line of sight: an attacker first needs a foothold in an allowed network.",
       "Prefer `spec.publicNetworkAccess: Disabled` and reach the vault through private "
       "endpoints (approve them with PrivateEndpointConnection manifests). Where a public "
       "endpoint is needed, set `spec.networkAcls.defaultAction: Deny` and list what may connect "
       "in `ipRules` and `virtualNetworkRules`.",
       {kMcsbNs2, kCisPrivateEndpoints}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const Json& spec = c.subject.spec;
        const std::string access = SpecString(spec, "publicNetworkAccess");
        if (IEquals(access, "Disabled")) return;
        const Json* acls = SpecValue(spec, "networkAcls");
        const std::string action = acls ? SpecString(*acls, "defaultAction") : "";
        if (IEquals(action, "Deny")) return;
        const std::string access_text =
            access.empty() ? "publicNetworkAccess is not set (ARM's default is Enabled)"
                           : "publicNetworkAccess is " + access;
        const std::string action_text =
            action.empty() ? "networkAcls.defaultAction is not set (ARM's default is Allow)"
                           : "networkAcls.defaultAction is " + action;
        // The line that opens the vault: an explicit Enabled first, then an explicit Allow.
        const std::string field = !access.empty() || action.empty()
                                      ? "spec.publicNetworkAccess"
                                      : "spec.networkAcls.defaultAction";
        out->push_back({field, access_text + " and " + action_text + ": the " +
                                   Noun(c.subject.kind) + " accepts connections from any network"});
      }};
}

// "203.0.113.0/24" -> 24; a bare address is a host (/32, /128); nullopt when unreadable.
std::optional<int> PrefixLength(const std::string& value, bool* ipv6) {
  *ipv6 = value.find(':') != std::string::npos;
  const size_t slash = value.find('/');
  if (slash == std::string::npos) return *ipv6 ? 128 : 32;
  const std::string digits = value.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::atoi(digits.c_str());
}

Rule IpRules() {
  return {
      {"KW-KV-004",
       "IpRulesNarrow",
       "Firewall IP rules allow narrow ranges only",
       Severity::kHigh,
       {kVaultKind, kManagedHsmKind},
       "Every entry of `spec.networkAcls.ipRules` is an address or a CIDR range no wider than "
       "the minimum prefix length (by default a /24, 256 addresses, for IPv4 and a /48 for "
       "IPv6); `0.0.0.0/0` always fails. The list is checked even while public network access "
       "is disabled: it applies again the moment access is enabled.",
       "An IP rule lets its whole range past the vault's firewall. A wide range, or 0.0.0.0/0 "
       "(the whole internet), quietly undoes `defaultAction: Deny`: the firewall looks closed in "
       "the manifest and is open in practice, typically because a rule was widened to make a "
       "failing deployment pass.",
       "List the egress addresses that need the vault (a NAT gateway's address, an office's "
       "range) instead of a wide range, and use virtual network rules or private endpoints for "
       "workloads in Azure. If a wider range is really needed, lower the minimum prefix length "
       "for the stack or waive the rule for this vault with a reason.",
       {kMcsbNs2},
       {IntegerParameter(
            "minimumIpv4PrefixLength", 24,
            "Shortest IPv4 prefix allowed; 24 allows 203.0.113.0/24 and refuses 203.0.112.0/23.", 0,
            32),
        IntegerParameter("minimumIpv6PrefixLength", 48, "Shortest IPv6 prefix allowed.", 0, 128)}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const Json* rules = SpecValueAt(c.subject.spec, {"networkAcls", "ipRules"});
        if (!rules || !rules->is_array()) return;
        for (size_t i = 0; i < rules->size(); ++i) {
          const Json& entry = (*rules)[i];
          std::string field = "spec.networkAcls.ipRules[" + std::to_string(i) + "]";
          std::string value;
          if (entry.is_string()) {
            value = entry.get<std::string>();
          } else {
            value = SpecString(entry, "value");
            field += ".value";
          }
          bool ipv6 = false;
          const std::optional<int> prefix = PrefixLength(value, &ipv6);
          if (!prefix) continue;  // not a range: ARM rejects it with its own message
          const long long minimum =
              c.parameters.Integer(ipv6 ? "minimumIpv6PrefixLength" : "minimumIpv4PrefixLength");
          if (*prefix >= minimum && *prefix != 0) continue;
          std::string size = *prefix == 0 ? "every " + std::string(ipv6 ? "IPv6" : "IPv4") +
                                                " address (the whole internet)"
                             : !ipv6 ? std::to_string(1ULL << (32 - *prefix)) + " addresses"
                                     : "a /" + std::to_string(*prefix) + " network";
          out->push_back({field, "ipRules[" + std::to_string(i) + "] " + value + " allows " + size +
                                     "; the widest range allowed is a /" +
                                     std::to_string(minimum)});
        }
      }};
}

Rule RbacAuthorization() {
  return {
      {"KW-KV-005",
       "RbacAuthorizationPreferred",
       "Data access is authorized with Azure RBAC",
       Severity::kLow,
       {kVaultKind},
       "`spec.enableRbacAuthorization` is `true`. Left out, it counts as `false` (the default "
       "of api-version 2024-11-01). Advice rather than a defect, hence severity low.",
       "Access policies grant permissions on a whole vault with no conditions, no expiry and no "
       "Privileged Identity Management, and they do not show up in Azure's role-assignment "
       "reviews; an entry easily outlives its reason. Azure RBAC role assignments can be scoped "
       "to a single key or secret, made eligible-only with PIM, reviewed with the rest of the "
       "tenant's access and overridden by deny assignments.",
       "Create role assignments for what the vault's AccessPolicy manifests grant today (Key "
       "Vault Secrets User, Key Vault Crypto User, ...), then set "
       "`spec.enableRbacAuthorization: true` and remove the AccessPolicy manifests, which have "
       "no effect on an RBAC vault (keyward warns about them).",
       {kMcsbPa7, kCisRbac}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const std::optional<bool> rbac = SpecBool(c.subject.spec, "enableRbacAuthorization");
        if (rbac.value_or(false)) return;
        out->push_back({"spec.enableRbacAuthorization",
                        rbac ? "enableRbacAuthorization is false: data access is granted by access "
                               "policies"
                             : "enableRbacAuthorization is not set (ARM's default is false): data "
                               "access is granted by access policies"});
      }};
}

}  // namespace

std::vector<Rule> VaultRules() {
  return {PurgeProtection(), SoftDeleteRetention(), PublicNetworkAccess(), IpRules(),
          RbacAuthorization()};
}

}  // namespace keyward::azure::guardrails
