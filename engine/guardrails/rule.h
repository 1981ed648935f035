// The seam between the engine's guardrails machinery (estates, policy, waivers, outputs) and the
// rules themselves, which know what a kind's fields mean and so live with the provider
// (providers/azure/guardrails/ for Key Vault). A rule is a row of a table: its description
// (RuleInfo: stable id, severity, kinds, texts, benchmark controls, parameters with defaults) and
// a pure check over one resource of the estate.
//
// Rules read manifest-shaped specs (the `spec` of a document, whose fields keyward names exactly
// like the ARM properties), whatever the source: the manifests themselves, the manifests merged
// with live state, or live state turned into a spec by the kind's ExportManifest. So one rule
// serves validate, plan, audit and the daemon, and every field path it reports is a manifest path
// that the loader's YAML marks can locate.
//
// Checks must be pure (no I/O, clock or randomness): `keyward plan` stays deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/guardrails/finding.h"
#include "engine/resource.h"

namespace keyward::engine::guardrails {

class Estate;
struct Subject;

// A benchmark control a rule implements: {"MCSB v1", "DP-8", "Ensure security of key and
// certificate repository"}.
struct ControlReference {
  std::string benchmark;
  std::string control;
  std::string title;
};

enum class ParameterType { kInteger, kStringList, kBoolean };
const char* ParameterTypeName(ParameterType type);  // "integer" | "list of strings" | "boolean"

struct RuleParameter {
  std::string name;  // as written in keyward.yaml: guardrails.rules.<id>.parameters.<name>
  ParameterType type = ParameterType::kInteger;
  Json default_value;
  std::string description;
  std::optional<int64_t> minimum;  // integers only
  std::optional<int64_t> maximum;
};

struct RuleInfo {
  std::string id;     // "KW-KV-001": stable forever; never reused for another meaning
  std::string name;   // "PurgeProtectionEnabled": SARIF's rule name
  std::string title;  // one line: what good looks like
  Severity severity = Severity::kMedium;  // the default; keyward.yaml may override it
  std::vector<std::string> kinds;         // the kinds it applies to
  std::string checks;                     // what exactly it checks, defaults included
  std::string rationale;                  // why
  std::string remediation;                // how to fix it, in manifest terms
  std::vector<ControlReference> controls;
  std::vector<RuleParameter> parameters;

  bool AppliesTo(const std::string& kind) const;
  const RuleParameter* FindParameter(const std::string& name) const;
};

// A rule's parameters after keyward.yaml overrides, with their defaults filled in (the policy
// checked the types, so the accessors never see a wrong one).
class Parameters {
 public:
  Parameters() = default;
  explicit Parameters(Json values) : values_(std::move(values)) {}
  int64_t Integer(const std::string& name) const;
  std::vector<std::string> Strings(const std::string& name) const;
  bool Boolean(const std::string& name) const;

 private:
  Json values_ = Json::object();
};

// One problem a check found. `field` is a manifest field path under the resource
// ("spec.networkAcls.ipRules[0].value", "metadata.annotations[\"keyward.dev/waive\"]"), or empty
// for the resource as a whole. A path the manifest does not write falls back to its nearest
// written ancestor, then to the document.
struct Violation {
  std::string field;
  std::string message;
};

struct RuleContext {
  const Subject& subject;
  const Estate& estate;  // every resource, for rules that look at parents or siblings
  const Parameters& parameters;
};

using RuleCheck = std::function<void(const RuleContext& context, std::vector<Violation>* out)>;

struct Rule {
  RuleInfo info;
  RuleCheck check;  // runs only on subjects of info.kinds
};

// The engine's own rule: an expired keyward.dev/waive entry. It has no check (waivers are the
// engine's business); it is registered like any rule so it can be configured, documented and
// listed in SARIF.
inline constexpr char kExpiredWaiverRuleId[] = "KW-GR-001";
RuleInfo ExpiredWaiverRuleInfo();

// The rules of a build, registered explicitly (cli wires the provider's table in).
class RuleRegistry {
 public:
  RuleRegistry();  // holds the engine's own rules (KW-GR-001)
  void Register(Rule rule);
  const Rule* Find(const std::string& id) const;           // ids compare case-insensitively
  const std::vector<Rule>& all() const { return rules_; }  // in registration order

  // Spec fields of `kind` that a manifest owns whole: when planning, a desired value replaces
  // the live one without a deep merge, and a field the manifest leaves out is absent rather
  // than taken from live state (e.g. an access policy's permissions: an omitted list is none).
  void SetWholeFields(const std::string& kind, std::vector<std::string> fields);
  const std::vector<std::string>& WholeFields(const std::string& kind) const;

 private:
  std::vector<Rule> rules_;
  std::map<std::string, std::vector<std::string>> whole_fields_;
};

}  // namespace keyward::engine::guardrails
