#include "engine/export.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace keyward::engine {
namespace {

constexpr char kSchemaBase[] = "https://keyward.dev/schemas/v1alpha1/";

bool StartsWithIgnoreCase(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

bool InScope(const std::string& arm_id, const std::string& scope) {
  return EqualsIgnoreCase(arm_id, scope) || StartsWithIgnoreCase(arm_id, scope + "/");
}

bool ReadsAsNonString(const std::string& text) {
  if (text.empty()) return true;
  try {
    const YAML::Node node = YAML::Load(text);
    if (!node.IsScalar() || node.Scalar() != text) return true;
    bool b = false;
    double d = 0;
    return YAML::convert<bool>::decode(node, b) || YAML::convert<double>::decode(node, d) ||
           text == "null" || text == "~" || text == "Null" || text == "NULL";
  } catch (const YAML::Exception&) {
    return true;
  }
}

void Emit(YAML::Emitter& out, const Json& value) {
  if (value.empty() && (value.is_object() || value.is_array())) {
    out << YAML::Flow << (value.is_object() ? YAML::BeginMap : YAML::BeginSeq)
        << (value.is_object() ? YAML::EndMap : YAML::EndSeq);
  } else if (value.is_object()) {
    out << YAML::BeginMap;
    // apiVersion, kind, metadata, spec first (the order people read manifests in).
    std::vector<std::string> keys;
    for (const char* first : {"apiVersion", "kind", "metadata", "name", "stack", "spec"})
      if (value.contains(first)) keys.push_back(first);
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) keys.push_back(it.key());
    }
    for (const std::string& key : keys) {
      out << YAML::Key << key << YAML::Value;
      Emit(out, value[key]);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const Json& item : value) Emit(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    // Quote strings the loader would read back as another type ("true", "08", "1e3", "null").
    const std::string text = value.get<std::string>();
    if (ReadsAsNonString(text)) out << YAML::DoubleQuoted;
    out << text;
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_number_integer()) {
    out << value.get<long long>();
  } else if (value.is_number()) {
    out << value.get<double>();
  } else {
    out << YAML::Null;
  }
}

std::string Lowercase(std::string text) { return AsciiLower(std::move(text)); }

std::string SchemaFor(const std::string& kind) {
  return std::string(kSchemaBase) + Lowercase(kind) + ".schema.json";
}

std::string Modeline(const std::string& schema) {
  return "# yaml-language-server: $schema=" + schema + "\n";
}

// A value every exported document agrees on ("" when they differ or none has it).
class Agreement {
 public:
  void Add(const Json* value) {
    if (!value || !value->is_string()) return;
    const std::string text = value->get<std::string>();
    if (seen_ && !EqualsIgnoreCase(text, value_)) conflict_ = true;
    if (!seen_) value_ = text;
    seen_ = true;
  }
  std::string value() const { return seen_ && !conflict_ ? value_ : ""; }

 private:
  bool seen_ = false;
  bool conflict_ = false;
  std::string value_;
};

std::string KeywardYaml(const ExportOptions& options, const std::string& location,
                        const std::string& tenant) {
  std::string text = Modeline(SchemaFor("keyward"));
  text +=
      "# Written by keyward export. No stack is set, so keyward owns nothing here: it tags, "
      "adopts\n"
      "# and prunes nothing, and `keyward plan` shows the exported resources as no-op.\n"
      "# Setting a stack takes ownership: the next plan shows `adopt` for each resource (keys and\n"
      "# HSM keys stay `unsupported`, since ARM cannot tag an existing key).\n";
  YAML::Emitter out;
  Json config = Json::object();
  if (!options.stack.empty()) config["stack"] = options.stack;
  Json defaults = {{"subscription", options.subscription}};
  if (!options.resource_group.empty()) defaults["resourceGroup"] = options.resource_group;
  if (!location.empty()) defaults["location"] = location;
  if (!tenant.empty()) defaults["tenantId"] = tenant;
  config["defaults"] = defaults;
  if (options.stack.empty()) text += "# stack: <name>\n";
  Emit(out, config);
  return text + out.c_str() + "\n";
}

}  // namespace

std::string ExportScope(const ExportOptions& options) {
  std::string scope = "/subscriptions/" + options.subscription;
  if (!options.resource_group.empty()) scope += "/resourceGroups/" + options.resource_group;
  return scope;
}

std::string ManifestYaml(const Json& document) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, document);
  return std::string(out.c_str()) + "\n";
}

ExportResult BuildExport(const ObservedSet& observed, const HandlerRegistry& handlers,
                         const ExportOptions& options) {
  ExportResult result;
  const std::string scope = ExportScope(options);
  ExportContext context;
  context.default_subscription = options.subscription;
  context.default_resource_group = options.resource_group;

  // Top-level resources own a file; children join the file of the resource whose ARM id prefixes
  // theirs (vault -> keys, secrets, access policies; HSM -> keys).
  struct File {
    std::string name;
    std::string parent_id;
    std::string text;
  };
  std::vector<File> files;
  Agreement location;
  Agreement tenant;
  auto file_of = [&](const std::string& arm_id) -> File* {
    File* best = nullptr;
    for (File& f : files) {
      if (!f.parent_id.empty() && StartsWithIgnoreCase(arm_id, f.parent_id + "/") &&
          (!best || f.parent_id.size() > best->parent_id.size()))
        best = &f;
    }
    return best;
  };

  for (const ObservedResource& r : observed.resources) {
    if (!InScope(r.arm_id, scope)) continue;
    const ResourceHandler* handler = handlers.Find(r.kind);
    const KindTraits traits = handler ? handler->Traits() : KindTraits{};
    if (traits.export_needs_resource_group && options.resource_group.empty()) continue;
    const std::optional<Json> document =
        handler ? handler->ExportManifest(r, context) : std::nullopt;
    if (!document) {
      result.skipped.push_back(r.address);
      continue;
    }
    const Json& spec = (*document)["spec"];
    File* file = file_of(r.arm_id);
    if (!file || !traits.export_file_prefix.empty()) {
      if (spec.contains("location")) location.Add(&spec["location"]);
      if (spec.contains("tenantId")) tenant.Add(&spec["tenantId"]);
      const std::string name = (*document)["metadata"].value("name", "");
      const std::string prefix =
          traits.export_file_prefix.empty() ? Lowercase(r.kind) + "-" : traits.export_file_prefix;
      files.push_back({prefix + Lowercase(name) + ".yaml", r.arm_id,
                       Modeline(std::string(kSchemaBase) + "manifest.schema.json")});
      file = &files.back();
    } else {
      file->text += "---\n";
    }
    file->text += traits.export_comment + ManifestYaml(*document);
    ++result.documents;
  }
  for (File& f : files) result.files[f.name] = std::move(f.text);
  result.files["keyward.yaml"] = KeywardYaml(options, location.value(), tenant.value());
  return result;
}

}  // namespace keyward::engine
