#include "engine/guardrails/policy.h"

#include "engine/guardrails/field_path.h"
#include "engine/manifest_loader.h"
#include "engine/schema.h"

namespace keyward::engine::guardrails {
namespace {

constexpr char kSection[] = "guardrails";

SourceLocation ConfigLocation(const StackConfig& config, const std::string& path) {
  return LocateField(config.guardrails_locations, path, config.location);
}

// Checks one configured parameter value against its declaration; a message when it is wrong.
std::optional<std::string> ParameterProblem(const RuleParameter& p, const Json& value) {
  switch (p.type) {
    case ParameterType::kInteger: {
      if (!value.is_number_integer()) return "must be an integer";
      const int64_t v = value.get<int64_t>();
      if (p.minimum && v < *p.minimum) return "must be at least " + std::to_string(*p.minimum);
      if (p.maximum && v > *p.maximum) return "must be at most " + std::to_string(*p.maximum);
      return std::nullopt;
    }
    case ParameterType::kStringList:
      if (!value.is_array()) return "must be a list of strings";
      for (const Json& item : value)
        if (!item.is_string()) return "must be a list of strings";
      return std::nullopt;
    case ParameterType::kBoolean:
      if (!value.is_boolean()) return "must be true or false";
      return std::nullopt;
  }
  return std::nullopt;
}

void LoadRuleSettings(const StackConfig& config, const Json& rules_json, Policy* policy,
                      Diagnostics* diagnostics) {
  const std::string rules_path = JoinFieldPath(kSection, "rules");
  for (auto it = rules_json.begin(); it != rules_json.end(); ++it) {
    const std::string path = JoinFieldPath(rules_path, it.key());
    const Rule* rule = policy->rules->Find(it.key());
    if (!rule) {
      diagnostics->Error(ConfigLocation(config, path),
                         "guardrails: unknown rule '" + it.key() +
                             "' (`keyward guardrails list` shows the rules of this build)");
      continue;
    }
    if (!it->is_object()) continue;  // the schema reports it
    RuleSettings& settings = policy->settings[rule->info.id];
    if (auto enabled = it->find("enabled"); enabled != it->end() && enabled->is_boolean())
      settings.enabled = enabled->get<bool>();
    if (auto severity = it->find("severity"); severity != it->end() && severity->is_string()) {
      if (auto parsed = ParseSeverity(severity->get<std::string>())) settings.severity = *parsed;
    }
    auto parameters = it->find("parameters");
    if (parameters == it->end() || !parameters->is_object()) continue;
    Json values = Json::object();
    for (const RuleParameter& p : rule->info.parameters) values[p.name] = p.default_value;
    bool ok = true;
    for (auto param = parameters->begin(); param != parameters->end(); ++param) {
      const std::string param_path = JoinFieldPath(JoinFieldPath(path, "parameters"), param.key());
      const RuleParameter* declared = rule->info.FindParameter(param.key());
      if (!declared) {
        std::string known;
        for (const RuleParameter& p : rule->info.parameters)
          known += (known.empty() ? "" : ", ") + p.name;
        diagnostics->Error(ConfigLocation(config, param_path),
                           "guardrails: " + rule->info.id + " has no parameter '" + param.key() +
                               "' (" + (known.empty() ? "it takes none" : "it takes " + known) +
                               ")");
        ok = false;
        continue;
      }
      if (auto problem = ParameterProblem(*declared, param.value())) {
        diagnostics->Error(
            ConfigLocation(config, param_path),
            "guardrails: " + rule->info.id + " parameter " + param.key() + " " + *problem);
        ok = false;
        continue;
      }
      values[param.key()] = param.value();
    }
    if (ok) settings.parameters = Parameters(std::move(values));
  }
}

}  // namespace

const RuleSettings* Policy::SettingsFor(const std::string& rule_id) const {
  auto it = settings.find(rule_id);
  return it == settings.end() ? nullptr : &it->second;
}

Policy LoadPolicy(const StackConfig& config, const RuleRegistry& rules, Diagnostics* diagnostics) {
  Policy policy;
  policy.rules = &rules;
  for (const Rule& rule : rules.all()) {
    Json defaults = Json::object();
    for (const RuleParameter& p : rule.info.parameters) defaults[p.name] = p.default_value;
    policy.settings[rule.info.id] = RuleSettings{true, rule.info.severity, Parameters(defaults)};
  }
  const Json& section = config.guardrails;
  if (!section.is_object()) return policy;
  if (auto enabled = section.find("enabled"); enabled != section.end() && enabled->is_boolean())
    policy.enabled = enabled->get<bool>();
  if (auto fail_on = section.find("failOn"); fail_on != section.end() && fail_on->is_string())
    policy.fail_on = ParseSeverity(fail_on->get<std::string>());  // "none": stays unset
  if (auto rules_json = section.find("rules");
      rules_json != section.end() && rules_json->is_object())
    LoadRuleSettings(config, *rules_json, &policy, diagnostics);
  return policy;
}

void LoadWaivers(const DesiredSet& set, Policy* policy, Diagnostics* diagnostics) {
  if (!policy->rules) return;
  const std::string annotation_path = JoinFieldPath("metadata.annotations", kWaiveAnnotation);
  for (const DesiredResource& r : set.resources) {
    auto text = r.annotations.find(kWaiveAnnotation);
    if (text == r.annotations.end()) continue;
    const SourceLocation where = LocateField(r.field_locations, annotation_path, r.location);
    for (Waiver& w : ParseWaivers(text->second, where, diagnostics)) {
      const Rule* rule = policy->rules->Find(w.rule_id);
      if (!rule) {
        diagnostics->Error(where,
                           r.address + ": keyward.dev/waive names unknown rule '" + w.rule_id +
                               "' (`keyward guardrails list` shows the rules of this build)");
        continue;
      }
      w.rule_id = rule->info.id;
      if (!rule->info.kinds.empty() && !rule->info.AppliesTo(r.kind))
        diagnostics->Warning(where, r.address + ": keyward.dev/waive: " + rule->info.id +
                                        " does not apply to " + r.kind +
                                        " resources, so this waiver never matches");
      policy->waivers[r.address].push_back(std::move(w));
    }
  }
}

Result<Policy> LoadPolicyFile(const std::string& path, FileReader& reader,
                              const RuleRegistry& rules, Diagnostics* diagnostics) {
  KEYWARD_ASSIGN_OR_RETURN(auto text, reader.Read(path));
  Diagnostics problems;
  std::vector<YamlDocument> docs = ParseYamlDocuments(text, path, &problems);
  StackConfig config;
  config.location = SourceLocation{path, 1, 1};
  if (docs.size() > 1)
    problems.Error(docs[1].source.document, "keyward.yaml must hold a single document");
  if (!docs.empty()) {
    SchemaSet::Embedded().Validate("keyward.schema.json", docs[0].value, docs[0].source, &problems);
    ReadGuardrailsSection(docs[0].value, docs[0].source, &config);
  }
  Policy policy = LoadPolicy(config, rules, &problems);
  diagnostics->Append(problems);
  if (problems.HasErrors())
    return MakeError(ErrorCode::kInvalidArgument, path + " has errors (see above)");
  return policy;
}

void ReadGuardrailsSection(const Json& keyward_yaml, const SourceMap& source, StackConfig* config) {
  if (!keyward_yaml.is_object() || !keyward_yaml.contains(kSection)) return;
  config->guardrails = keyward_yaml[kSection];
  // Where each key is written: what a configuration error names is the key (a rule id, a
  // parameter), not the value below it.
  for (const auto& [field, location] : source.ValueLocations())
    if (field == kSection || field.rfind(std::string(kSection) + ".", 0) == 0)
      config->guardrails_locations[field] = source.KeyAt(field);
}

}  // namespace keyward::engine::guardrails
