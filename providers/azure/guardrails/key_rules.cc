// KW-KV-009..011: keys — expiry or rotation, RSA size, HSM protection for customer-managed keys.
// Keys are created once (ARM's create-if-not-exist), so the manifest that declares a key is the
// one chance to get these right; for existing keys the findings say what the live key lacks.
#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/guardrails/rule_table.h"
#include "providers/azure/guardrails/spec_values.h"
#include "providers/azure/kinds/key_model.h"
#include "providers/azure/kinds/vault_model.h"

namespace keyward::azure::guardrails {
namespace {

bool IsRsa(const std::string& kty) { return IEquals(kty, "RSA") || IEquals(kty, "RSA-HSM"); }
bool IsHsm(const std::string& kty) { return IEquals(kty, "RSA-HSM") || IEquals(kty, "EC-HSM"); }

// A vault's keys and a managed HSM's, the kinds most key rules apply to.
std::vector<std::string> KeyKinds() { return {VaultKeyKind().kind, ManagedHsmKeyKind().kind}; }

Rule Expiry() {
  return {
      {"KW-KV-009",
       "KeyExpiresOrRotates",
       "Keys expire, or rotate under a policy that sets an expiry",
       Severity::kMedium,
       KeyKinds(),
       "The key has `spec.attributes.exp`, or a `spec.rotationPolicy` whose "
       "`attributes.expiryTime` is set (an ISO 8601 duration such as `P2Y`, which gives every "
       "new version an expiry).",
       "A key without an expiry can be used forever: a leaked or weakened key stays valid until "
       "someone remembers to retire it. An expiry forces the rotation question to be answered; "
       "a rotation policy with an expiry answers it for good, creating new versions before the "
       "old ones lapse.",
       "Add a `rotationPolicy` with `attributes.expiryTime` (e.g. `P2Y`) and a `rotate` "
       "lifetime action (e.g. `timeAfterCreate: P1Y`), or set `attributes.exp`. ARM creates a "
       "key once: for a key that exists, set its rotation policy in the data plane (or replace "
       "the key) and waive the rule until then.",
       {kMcsbDp6, kCisKeyExpiryRbac, kCisKeyExpiryNonRbac, kCisKeyRotation}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const Json& spec = c.subject.spec;
        if (SpecValueAt(spec, {"attributes", "exp"})) return;
        const Json* policy = SpecValue(spec, "rotationPolicy");
        if (policy && SpecValueAt(*policy, {"attributes", "expiryTime"})) return;
        if (policy) {
          out->push_back({"spec.rotationPolicy.attributes.expiryTime",
                          "the rotation policy sets no attributes.expiryTime and attributes.exp is "
                          "not set: the key never expires"});
        } else {
          out->push_back({"spec.attributes.exp",
                          "neither attributes.exp nor a rotation policy with an expiry is set: the "
                          "key never expires"});
        }
      }};
}

Rule RsaKeySize() {
  return {
      {"KW-KV-010",
       "RsaKeySizeMinimum",
       "RSA keys are at least the minimum size",
       Severity::kHigh,
       KeyKinds(),
       "For `kty` `RSA` and `RSA-HSM`, `spec.keySize` is at least `minimumRsaKeySize`. Left "
       "out, the size is ARM's default of 2048 bits.",
       "An RSA key's strength grows with its modulus. 2048 bits is today's floor (NIST SP "
       "800-57 rates it at 112 bits of security); keys that must stay safe beyond 2030, or "
       "stricter internal standards, call for 3072 bits or more.",
       "Set `spec.keySize` to 3072 or 4096 (at least the minimum). An existing key's size cannot "
       "change: create a key under a new name and move its consumers to it.",
       {kMcsbDp6},
       {IntegerParameter("minimumRsaKeySize", 2048,
                         "Smallest RSA modulus in bits (Key Vault offers 2048, 3072, 4096).", 2048,
                         4096)}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const std::string kty = SpecString(c.subject.spec, "kty");
        if (!IsRsa(kty)) return;
        const std::optional<long long> size = SpecInt(c.subject.spec, "keySize");
        const long long minimum = c.parameters.Integer("minimumRsaKeySize");
        if (size.value_or(kDefaultRsaKeySize) >= minimum) return;
        out->push_back({size ? "spec.keySize" : "spec.kty",
                        "a " + std::to_string(size.value_or(kDefaultRsaKeySize)) + "-bit RSA key" +
                            (size ? "" : " (keySize not set: ARM's default)") +
                            " is below the minimum of " + std::to_string(minimum) + " bits"});
      }};
}

Rule HsmForCustomerManagedKeys() {
  return {
      {"KW-KV-011",
       "HsmBackedCustomerManagedKeys",
       "Customer-managed keys on premium vaults are HSM-backed",
       Severity::kMedium,
       {VaultKeyKind().kind},
       "On a vault whose `sku.name` is `premium`, a key that can serve as a customer-managed key "
       "(its `keyOps` include one of `keyOperations`, or it leaves `keyOps` out and so allows "
       "every operation) has `kty` `RSA-HSM` or `EC-HSM`. Keys of standard vaults, and of vaults "
       "the estate does not include, are not judged. Managed HSM keys are always HSM-backed.",
       "Azure services encrypt data at rest by wrapping their data keys with a customer-managed "
       "key. A premium vault can keep that key in FIPS 140 validated HSMs, where its private "
       "part never leaves the hardware; a software-protected key in the same vault gives that up "
       "for no saving, since the vault is already premium.",
       "Declare the key with `kty: RSA-HSM` (or `EC-HSM`). An existing key's type cannot change: "
       "create an HSM-backed key under a new name and point the service's encryption settings "
       "at it.",
       {kMcsbDp5, kMcsbDp6},
       {StringListParameter("keyOperations", Json::array({"wrapKey", "unwrapKey"}),
                            "Key operations that make a key a customer-managed key.")}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        const std::string kty = SpecString(c.subject.spec, "kty");
        if (kty.empty() || IsHsm(kty)) return;
        const Subject* vault = c.estate.FindById(IdBefore(c.subject.arm_id, "keys"));
        if (!vault || vault->kind != kVaultKind) return;
        const Json* sku = SpecValue(vault->spec, "sku");
        if (!sku || !IEquals(SpecString(*sku, "name"), "premium")) return;
        const std::vector<std::string> cmk_ops = c.parameters.Strings("keyOperations");
        const Json* ops = SpecValue(c.subject.spec, "keyOps");
        std::vector<std::string> matched;
        if (!ops || !ops->is_array()) {
          matched = cmk_ops;  // no keyOps: every operation is allowed
        } else {
          for (const Json& op : *ops)
            if (op.is_string() && EqualsAnyIgnoreCase(op.get<std::string>(), cmk_ops))
              matched.push_back(op.get<std::string>());
        }
        if (matched.empty()) return;
        out->push_back({"spec.kty", "vault " + ArmIdSegment(vault->arm_id, "vaults") +
                                        " is premium and this " + kty + " key allows " +
                                        JoinWords(matched, " / ") +
                                        " (a customer-managed key), but it is software-protected; "
                                        "use " +
                                        (IEquals(kty, "EC") ? "EC-HSM" : "RSA-HSM")});
      }};
}

}  // namespace

std::vector<Rule> KeyRules() { return {Expiry(), RsaKeySize(), HsmForCustomerManagedKeys()}; }

}  // namespace keyward::azure::guardrails
