#include "engine/guardrails/sarif.h"

#include <map>

#include "engine/diff.h"
#include "engine/guardrails/rule_docs.h"
#include "engine/url.h"

namespace keyward::engine::guardrails {
namespace {

constexpr char kSarifSchema[] = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr char kSourceRoot[] = "%SRCROOT%";

Json ReportingDescriptor(const RuleInfo& info, const RuleSettings* settings) {
  const Severity severity = settings ? settings->severity : info.severity;
  Json tags = Json::array({"security", "azure-key-vault"});
  for (const ControlReference& c : info.controls) tags.push_back(c.benchmark + " " + c.control);
  return {{"id", info.id},
          {"name", info.name},
          {"shortDescription", {{"text", info.title}}},
          {"fullDescription", {{"text", info.checks}}},
          {"help", {{"text", RuleText(info)}, {"markdown", RuleMarkdown(info, 3)}}},
          {"defaultConfiguration",
           {{"level", SarifLevel(severity)}, {"enabled", settings ? settings->enabled : true}}},
          {"properties",
           {{"security-severity", SecuritySeverity(severity)},
            {"precision", "very-high"},
            {"problem.severity", SarifLevel(severity)},
            {"tags", std::move(tags)}}}};
}

Json Location(const Finding& f) {
  Json logical = Json::array({{{"name", f.address},
                               {"fullyQualifiedName", f.arm_id.empty() ? f.address : f.arm_id},
                               {"kind", "resource"}}});
  Json location = {{"logicalLocations", std::move(logical)}};
  if (!f.location.file.empty()) {
    Json artifact = {{"uri", PathToUri(f.location.file)}};
    if (!f.location.file.empty() && f.location.file[0] != '/') artifact["uriBaseId"] = kSourceRoot;
    Json physical = {{"artifactLocation", std::move(artifact)}};
    if (f.location.line > 0) {
      physical["region"] = {{"startLine", f.location.line}};
      if (f.location.column > 0) physical["region"]["startColumn"] = f.location.column;
    }
    location["physicalLocation"] = std::move(physical);
  }
  return location;
}

Json Result(const Finding& f, const std::map<std::string, size_t>& rule_index) {
  Json result = {{"ruleId", f.rule_id},
                 {"level", SarifLevel(f.severity)},
                 {"message", {{"text", f.address + ": " + f.message}}},
                 {"locations", Json::array({Location(f)})},
                 {"partialFingerprints", {{"keywardFinding/v1", FingerprintOf(Json(f.Key()))}}},
                 {"properties",
                  {{"severity", SeverityName(f.severity)},
                   {"address", f.address},
                   {"field", f.field},
                   {"source", FindingSourceName(f.source)}}}};
  if (auto it = rule_index.find(f.rule_id); it != rule_index.end())
    result["ruleIndex"] = it->second;
  if (f.waiver)
    result["suppressions"] = Json::array(
        {{{"kind", "inSource"},
          {"status", "accepted"},
          {"justification", f.waiver->reason + " (waived until " + f.waiver->expires + ")"}}});
  return result;
}

}  // namespace

const char* SarifLevel(Severity severity) {
  return BySeverity(severity, "note", "warning", "error", "error");
}

const char* SecuritySeverity(Severity severity) {
  return BySeverity(severity, "3.0", "5.5", "8.0", "9.5");
}

std::string PathToUri(const std::string& path) {
  std::string out = !path.empty() && path[0] == '/' ? "file://" : "";
  // Each segment percent-encoded, the slashes between them kept.
  const std::string_view rest = path;
  size_t start = 0;
  for (size_t slash; (slash = rest.find('/', start)) != std::string_view::npos; start = slash + 1)
    out += PercentEncode(rest.substr(start, slash - start)) + '/';
  return out + PercentEncode(rest.substr(start));
}

std::string RenderSarif(const std::vector<Finding>& findings, const Policy& policy,
                        const SarifOptions& options) {
  Json rules = Json::array();
  std::map<std::string, size_t> rule_index;
  if (policy.rules) {
    for (const Rule& rule : policy.rules->all()) {
      rule_index[rule.info.id] = rules.size();
      rules.push_back(ReportingDescriptor(rule.info, policy.SettingsFor(rule.info.id)));
    }
  }
  Json driver = {{"name", "keyward"},
                 {"fullName", "keyward guardrails for Azure Key Vault"},
                 {"rules", std::move(rules)}};
  if (!options.tool_version.empty()) {
    driver["version"] = options.tool_version;
    driver["semanticVersion"] = options.tool_version;
  }
  Json results = Json::array();
  for (const Finding& f : findings) results.push_back(Result(f, rule_index));

  Json run = {{"tool", {{"driver", std::move(driver)}}},
              {"results", std::move(results)},
              {"columnKind", "unicodeCodePoints"}};
  if (!options.automation_id.empty()) run["automationDetails"] = {{"id", options.automation_id}};
  if (!options.source_root.empty()) {
    std::string root = options.source_root;
    if (root.back() != '/') root += '/';
    run["originalUriBaseIds"] = {{kSourceRoot, {{"uri", PathToUri(root)}}}};
  }
  Json log = {{"$schema", kSarifSchema}, {"version", "2.1.0"}, {"runs", Json::array({run})}};
  return log.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace keyward::engine::guardrails
