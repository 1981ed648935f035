// KW-KV-012..013: secrets — an expiry date and a content type.
#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/guardrails/rule_table.h"
#include "providers/azure/guardrails/spec_values.h"
#include "providers/azure/kinds/secret_model.h"

namespace keyward::azure::guardrails {
namespace {

Rule Expiry() {
  return {
      {"KW-KV-012",
       "SecretExpires",
       "Secrets have an expiry date",
       Severity::kMedium,
       {kSecretKind},
       "`spec.attributes.exp` is set (a Unix time or an RFC 3339 date-time).",
       "A secret without an expiry lives as long as nobody rotates it. An expiry makes its "
       "lifetime explicit, lets Key Vault raise near-expiry events, and turns a forgotten "
       "rotation into a visible failure instead of a credential that quietly keeps working for "
       "years after it leaked.",
       "Set `spec.attributes.exp` to the date by which the secret must be rotated, and rotate it "
       "(a new value through `valueFrom`, a new `exp`) before then.",
       {kMcsbDp6, kCisSecretExpiryRbac, kCisSecretExpiryNonRbac}},
      [](const RuleContext& c, std::vector<Violation>* out) {
        if (SpecValueAt(c.subject.spec, {"attributes", "exp"})) return;
        out->push_back(
            {"spec.attributes.exp", "attributes.exp is not set: the secret never expires"});
      }};
}

Rule ContentType() {
  return {
      {"KW-KV-013",
       "SecretContentType",
       "Secrets declare a content type",
       Severity::kLow,
       {kSecretKind},
       "`spec.contentType` is a non-empty string, such as `text/plain`, `application/x-pkcs12` "
       "or `connection-string`.",
       "The content type tells the people and tools that handle a secret what it is (a password, "
       "a certificate bundle, a connection string), so rotation runbooks, scanners and incident "
       "responders treat it correctly without reading its value.",
       "Set `spec.contentType` to a short description of the value's format."},
      [](const RuleContext& c, std::vector<Violation>* out) {
        if (!SpecString(c.subject.spec, "contentType").empty()) return;
        out->push_back({"spec.contentType", "contentType is not set"});
      }};
}

}  // namespace

std::vector<Rule> SecretRules() { return {Expiry(), ContentType()}; }

}  // namespace keyward::azure::guardrails
