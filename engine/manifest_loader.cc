#include "engine/manifest_loader.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>

#include "engine/guardrails/policy.h"

namespace keyward::engine {

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 100000;

constexpr char kTagStr[] = "tag:yaml.org,2002:str";
constexpr char kTagInt[] = "tag:yaml.org,2002:int";
constexpr char kTagFloat[] = "tag:yaml.org,2002:float";
constexpr char kTagBool[] = "tag:yaml.org,2002:bool";
constexpr char kTagNull[] = "tag:yaml.org,2002:null";
constexpr char kTagMap[] = "tag:yaml.org,2002:map";
constexpr char kTagSeq[] = "tag:yaml.org,2002:seq";

SourceLocation At(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

bool IsNullWord(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> BoolWord(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool AllOf(const std::string& s, size_t from, int (*pred)(int)) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i) {
    if (!pred(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int IsOctal(int c) { return c >= '0' && c <= '7'; }

// YAML 1.2 core schema integers. Returns nullopt when `s` is not an integer; sets *overflow when
// it is one that does not fit 64 bits.
std::optional<Json> IntegerWord(const std::string& s, bool* overflow) {
  *overflow = false;
  int base = 10;
  size_t start = 0;
  bool negative = false;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && AllOf(s, 2, IsOctal)) {
    base = 8, start = 2;
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && AllOf(s, 2, isxdigit)) {
    base = 16, start = 2;
  } else {
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) negative = s[0] == '-', start = 1;
    if (!AllOf(s, start, isdigit)) return std::nullopt;
  }
  const char* first = s.data() + start;
  const char* last = s.data() + s.size();
  unsigned long long magnitude = 0;
  auto [ptr, ec] = std::from_chars(first, last, magnitude, base);
  if (ec != std::errc() || ptr != last) {
    *overflow = true;
    return Json();
  }
  if (negative) {
    if (magnitude > static_cast<unsigned long long>(INT64_MAX) + 1) {
      *overflow = true;
      return Json();
    }
    return Json(static_cast<int64_t>(0 - magnitude));
  }
  if (magnitude <= static_cast<unsigned long long>(INT64_MAX))
    return Json(static_cast<int64_t>(magnitude));
  return Json(static_cast<uint64_t>(magnitude));
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsFloatWord(const std::string& s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < n && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  bool dot = false;
  if (i < n && s[i] == '.') {
    dot = true;
    ++i;
    while (i < n && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (!dot && i == n) return false;  // plain integer: not a float
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < n && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

// Converts one yaml-cpp tree to JSON, recording every node's location.
class YamlConverter {
 public:
  YamlConverter(const std::string& file, SourceMap* source, Diagnostics* diagnostics)
      : file_(file), source_(source), diagnostics_(diagnostics) {}

  Json Convert(const YAML::Node& node, const std::string& path, const std::string& parent,
               const SourceLocation& key_location, int depth) {
    if (failed_) return Json();
    const SourceLocation here = At(file_, node.Mark());
    if (depth > kMaxDepth)
      return Fail(here, "nesting deeper than 64 levels (or an alias that contains itself)");
    if (++nodes_ > kMaxNodes)
      return Fail(here, "document has more than 100000 nodes (too many alias expansions?)");

    // A null written as nothing ("key:") has no useful mark of its own; point at the key.
    SourceLocation value_location = here;
    if (node.IsNull() && key_location.line > 0) value_location = key_location;
    source_->Record(path, parent, key_location, value_location);

    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Json();
      case YAML::NodeType::Scalar:
        return Scalar(node, value_location);
      case YAML::NodeType::Sequence: {
        if (!CheckCollectionTag(node, kTagSeq, here)) return Json();
        Json out = Json::array();
        size_t index = 0;
        for (const auto& child : node) {
          const SourceLocation child_location = At(file_, child.Mark());
          out.push_back(
              Convert(child, JoinFieldPath(path, index), path, child_location, depth + 1));
          ++index;
        }
        return out;
      }
      case YAML::NodeType::Map: {
        if (!CheckCollectionTag(node, kTagMap, here)) return Json();
        Json out = Json::object();
        std::map<std::string, SourceLocation> first_seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
          const SourceLocation key_at = At(file_, it->first.Mark());
          if (!it->first.IsScalar()) {
            diagnostics_->Error(key_at, "mapping keys must be plain strings");
            failed_ = true;
            return Json();
          }
          const std::string key = it->first.Scalar();
          auto [seen, inserted] = first_seen.emplace(key, key_at);
          if (!inserted) {
            diagnostics_->Error(key_at, "duplicate key '" + key + "' (first written at line " +
                                            std::to_string(seen->second.line) + ")");
            failed_ = true;
            continue;
          }
          out[key] = Convert(it->second, JoinFieldPath(path, key), path, key_at, depth + 1);
        }
        return out;
      }
    }
    return Json();
  }

  bool failed() const { return failed_; }

 private:
  Json Fail(const SourceLocation& where, const std::string& message) {
    diagnostics_->Error(where, message);
    failed_ = true;
    return Json();
  }

  bool CheckCollectionTag(const YAML::Node& node, const char* standard,
                          const SourceLocation& here) {
    const std::string& tag = node.Tag();
    if (tag.empty() || tag == "?" || tag == "!" || tag == standard) return true;
    Fail(here, "unsupported YAML tag '" + tag + "'");
    return false;
  }

  Json Scalar(const YAML::Node& node, const SourceLocation& here) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    // yaml-cpp marks quoted and block scalars with the non-specific tag "!" and plain ones with
    // "?": only plain scalars are resolved to null / bool / numbers.
    if (tag == "!" || tag == kTagStr) return Json(text);
    bool overflow = false;
    if (tag == "?" || tag.empty()) {
      if (IsNullWord(text)) return Json();
      if (auto b = BoolWord(text)) return Json(*b);
      if (auto i = IntegerWord(text, &overflow)) {
        if (overflow) return Fail(here, "integer " + text + " is out of range");
        return *i;
      }
      if (IsFloatWord(text)) return Json(std::strtod(text.c_str(), nullptr));
      return Json(text);
    }
    if (tag == kTagNull) {
      if (IsNullWord(text)) return Json();
      return Fail(here, "'" + text + "' is not a null (tagged !!null)");
    }
    if (tag == kTagBool) {
      if (auto b = BoolWord(text)) return Json(*b);
      return Fail(here, "'" + text + "' is not a boolean (tagged !!bool); write true or false");
    }
    if (tag == kTagInt) {
      auto i = IntegerWord(text, &overflow);
      if (i && !overflow) return *i;
      return Fail(here, "'" + text + "' is not an integer (tagged !!int)");
    }
    if (tag == kTagFloat) {
      if (IsFloatWord(text) || IntegerWord(text, &overflow))
        return Json(std::strtod(text.c_str(), nullptr));
      return Fail(here, "'" + text + "' is not a number (tagged !!float)");
    }
    return Fail(here, "unsupported YAML tag '" + tag + "'");
  }

  const std::string& file_;
  SourceMap* source_;
  Diagnostics* diagnostics_;
  size_t nodes_ = 0;
  bool failed_ = false;
};

std::string BaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool IsConfigFileName(const std::string& name) {
  return name == "keyward.yaml" || name == "keyward.yml";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::string* StringAt(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
}

// The strings of the array at `key` (anything else was reported by the schema).
std::vector<std::string> Strings(const Json& object, const char* key) {
  std::vector<std::string> out;
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return out;
  for (const Json& item : object[key])
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

// One directory (or the directory of a file path) with its keyward.yaml.
struct Root {
  std::string dir;
  StackConfig config;
  bool purge_then_create = false;
  SourceMap config_source;  // locations inside keyward.yaml (for defaults filled into manifests)
  bool config_valid = true;
};

struct PendingFile {
  std::string path;
  size_t root = 0;
};

// A validated document waiting for the set-wide checks.
struct Loaded {
  DesiredResource resource;
  std::vector<ResolveResponse::Reference> references;
};

class Loader {
 public:
  Loader(FileReader& reader, const HandlerRegistry& registry)
      : reader_(reader), registry_(registry), schemas_(SchemaSet::Embedded()) {}

  LoadResult Run(const std::vector<std::string>& paths) {
    CollectFiles(paths);
    for (auto& root : roots_) LoadConfig(root);
    CheckOneStack();
    for (const auto& file : files_) LoadFile(file);
    FinishSet();

    result_.set.digest = ManifestDigest(std::move(contents_));
    if (!roots_.empty()) {
      result_.set.config = roots_[0].config;
      result_.purge_then_create = roots_[0].purge_then_create;
    }
    return std::move(result_);
  }

 private:
  size_t RootFor(const std::string& dir) {
    for (size_t i = 0; i < roots_.size(); ++i) {
      if (roots_[i].dir == dir) return i;
    }
    roots_.push_back(Root{dir, {}, false, {}, true});
    return roots_.size() - 1;
  }

  void AddFile(const std::string& path, size_t root) {
    if (!seen_files_.insert(path).second) return;
    files_.push_back({path, root});
  }

  void CollectFiles(const std::vector<std::string>& paths) {
    if (paths.empty()) diagnostics().Error({}, "no manifest paths given");
    for (std::string path : paths) {
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (reader_.IsDirectory(path)) {
        const size_t root = RootFor(path);
        auto listed = reader_.ListManifestFiles(path);
        if (!listed) {
          diagnostics().Error({path, 0, 0}, "cannot list manifests: " + listed.error().ToString());
          continue;
        }
        bool any = false;
        for (const auto& file : *listed) {
          if (IsConfigFileName(BaseName(file))) {
            if (DirName(file) != path && !(path == "." && DirName(file) == ".")) {
              diagnostics().Warning(
                  {file, 0, 0},
                  "ignored: keyward.yaml is only read at the root of a manifest path");
            }
            continue;
          }
          any = true;
          AddFile(file, root);
        }
        if (!any) diagnostics().Warning({path, 0, 0}, "no *.yaml or *.yml manifests found");
      } else if (reader_.IsFile(path)) {
        const size_t root = RootFor(DirName(path));
        if (!IsConfigFileName(BaseName(path))) AddFile(path, root);
      } else {
        diagnostics().Error({path, 0, 0}, "no such file or directory");
      }
    }
  }

  void LoadConfig(Root& root) {
    std::string config_path;
    for (const char* name : {"keyward.yaml", "keyward.yml"}) {
      const std::string candidate = JoinPath(root.dir, name);
      if (!reader_.IsFile(candidate)) continue;
      if (!config_path.empty()) {
        diagnostics().Error({candidate, 0, 0},
                            "both " + config_path + " and " + candidate + " exist; keep one");
        continue;
      }
      config_path = candidate;
    }
    if (config_path.empty()) {
      std::string name = BaseName(root.dir);
      if (name.empty() || name == "." || name == ".." || name == "/")
        name = BaseName(reader_.AbsolutePath(root.dir));
      root.config.stack = name;
      diagnostics().Warning({root.dir, 0, 0}, "no keyward.yaml in '" + root.dir +
                                                  "'; the stack name defaults to '" + name +
                                                  "' (the keyward-stack tag on every resource)");
      return;
    }
    root.config.location = SourceLocation{config_path, 1, 1};
    auto text = Read(config_path, root.dir);
    if (!text) {
      root.config_valid = false;
      return;
    }
    std::vector<YamlDocument> docs = ParseYamlDocuments(*text, config_path, &diagnostics());
    if (docs.size() > 1) {
      diagnostics().Error(docs[1].source.document, "keyward.yaml must hold a single document");
    }
    YamlDocument doc;
    if (!docs.empty()) {
      doc = std::move(docs[0]);
    } else {
      doc.value = Json::object();
      doc.source.document = root.config.location;
    }
    const bool valid =
        schemas_.Validate("keyward.schema.json", doc.value, doc.source, &diagnostics());
    root.config_valid = valid;
    root.config_source = doc.source;
    const Json& v = doc.value;
    if (const std::string* stack = StringAt(v, "stack")) root.config.stack = *stack;
    if (v.is_object() && v.contains("defaults")) {
      const Json& d = v["defaults"];
      if (const std::string* s = StringAt(d, "subscription")) root.config.default_subscription = *s;
      if (const std::string* s = StringAt(d, "resourceGroup"))
        root.config.default_resource_group = *s;
      if (const std::string* s = StringAt(d, "location")) root.config.default_location = *s;
      if (const std::string* s = StringAt(d, "tenantId")) root.config.default_tenant_id = *s;
    }
    if (v.is_object() && v.contains("policies")) {
      const Json& p = v["policies"];
      if (p.is_object()) {
        if (p.contains("prune") && p["prune"].is_boolean())
          root.config.prune = p["prune"].get<bool>();
        if (p.contains("parallelism") && p["parallelism"].is_number_integer()) {
          root.config.parallelism = std::clamp(p["parallelism"].get<int>(), 1, 64);
        }
        if (const std::string* s = StringAt(p, "reconcilePolicy")) {
          if (auto policy = ParseReconcilePolicy(*s)) root.config.default_policy = *policy;
        }
        if (const std::string* s = StringAt(p, "softDelete"))
          root.purge_then_create = *s == "purge-then-create";
      }
    }
    guardrails::ReadGuardrailsSection(v, doc.source, &root.config);
    if (v.is_object() && v.contains("secrets")) {
      const Json& s = v["secrets"];
      if (const std::string* env = StringAt(s, "fingerprintKeyEnv"))
        root.config.fingerprint_key_env = *env;
      if (const std::string* on_prune = StringAt(s, "onPrune"))
        root.config.disable_pruned_secrets = *on_prune == "disable";
      const Json sources = s.is_object() ? s.value("sources", Json::object()) : Json::object();
      const Json env = sources.is_object() ? sources.value("env", Json::object()) : Json::object();
      root.config.secret_sources.allowed_directories = Strings(sources, "allowedDirectories");
      root.config.secret_sources.env_prefixes = Strings(env, "prefixes");
      root.config.secret_sources.env_names = Strings(env, "names");
    }
    if (v.is_object() && v.contains("plans")) {
      if (const std::string* env = StringAt(v["plans"], "signingKeyEnv"))
        root.config.plan_signing_key_env = *env;
    }
  }

  void CheckOneStack() {
    for (size_t i = 1; i < roots_.size(); ++i) {
      if (roots_[i].config.stack == roots_[0].config.stack) continue;
      diagnostics().Error(roots_[i].config.location.file.empty()
                              ? SourceLocation{roots_[i].dir, 0, 0}
                              : roots_[i].config.location,
                          "manifest paths belong to different stacks: '" + roots_[0].config.stack +
                              "' (" + roots_[0].dir + ") and '" + roots_[i].config.stack + "' (" +
                              roots_[i].dir + "); plan one stack at a time");
    }
  }

  // Reads a file and records it for the digest under its path relative to `root_dir`, so that
  // the digest of a set does not depend on the directory keyward was run from.
  Result<std::string> Read(const std::string& path, const std::string& root_dir) {
    auto text = reader_.Read(path);
    if (!text) {
      diagnostics().Error({path, 0, 0}, "cannot read: " + text.error().ToString());
      return text;
    }
    std::string relative = path;
    const std::string prefix = root_dir == "." ? "" : root_dir + "/";
    if (!prefix.empty() && relative.compare(0, prefix.size(), prefix) == 0) {
      relative = relative.substr(prefix.size());
    }
    contents_.emplace_back(relative, *text);
    result_.files.push_back(path);
    return text;
  }

  void LoadFile(const PendingFile& file) {
    auto text = Read(file.path, roots_[file.root].dir);
    if (!text) return;
    std::vector<YamlDocument> docs = ParseYamlDocuments(*text, file.path, &diagnostics());
    for (auto& doc : docs) LoadDocument(doc, roots_[file.root]);
  }

  // Fills keyward.yaml defaults into `doc` where the kind's schema has the field and the user
  // left it out. The filled field's location is the line in keyward.yaml it came from.
  void ApplyDefaults(YamlDocument& doc, const Root& root, const std::string& schema_file) {
    Json& v = doc.value;
    auto fill = [&](const char* section, const char* field, const std::string& value,
                    const char* config_key) {
      if (value.empty()) return;
      if (!v.contains(section) || !v[section].is_object() || v[section].contains(field)) return;
      if (!schemas_.DeclaresProperty(schema_file, {section, field})) return;
      v[section][field] = value;
      const std::string config_path = JoinFieldPath("defaults", config_key);
      doc.source.Record(JoinFieldPath(section, field), section,
                        root.config_source.KeyAt(config_path),
                        root.config_source.ValueAt(config_path));
    };
    // Only into an existing metadata / spec mapping: a missing or mistyped section is the
    // schema's to report, not something to paper over.
    fill("metadata", "subscription", root.config.default_subscription, "subscription");
    fill("metadata", "resourceGroup", root.config.default_resource_group, "resourceGroup");
    fill("spec", "location", root.config.default_location, "location");
    fill("spec", "tenantId", root.config.default_tenant_id, "tenantId");
  }

  std::string KnownKinds() const {
    std::vector<std::string> kinds;
    for (const auto& handler : registry_.all()) kinds.emplace_back(handler->Kind());
    std::string out;
    for (const auto& k : kinds) out += (out.empty() ? "" : ", ") + k;
    return out.empty() ? "none registered" : out;
  }

  void LoadDocument(YamlDocument& doc, const Root& root) {
    Json& v = doc.value;
    if (!v.is_object()) {
      diagnostics().Error(
          doc.source.document,
          "a manifest document must be a mapping with apiVersion, kind, metadata and spec");
      return;
    }
    const std::string* kind = StringAt(v, "kind");
    ResourceHandler* handler = kind ? registry_.Find(*kind) : nullptr;
    const std::string kind_schema = kind ? SchemaSet::FileForKind(*kind) : "";
    const std::string schema_file =
        handler && schemas_.Has(kind_schema) ? kind_schema : std::string("manifest.schema.json");

    ApplyDefaults(doc, root, schema_file);

    SchemaValidateOptions options;
    options.missing_hints["spec.location"] = "set it here or as defaults.location in keyward.yaml";
    options.missing_hints["spec.tenantId"] = "set it here or as defaults.tenantId in keyward.yaml";
    if (kind && !handler) options.suppress_paths.push_back("kind");
    const bool valid = schemas_.Validate(schema_file, v, doc.source, &diagnostics(), options);

    if (kind && !handler) {
      diagnostics().Error(doc.source.ValueAt("kind"),
                          "unknown kind '" + *kind + "' (known kinds: " + KnownKinds() + ")");
      return;
    }
    if (!valid || !handler) return;

    const Json& metadata = v["metadata"];
    DesiredResource r;
    r.kind = *kind;
    r.name = *StringAt(metadata, "name");
    if (const std::string* s = StringAt(metadata, "subscription")) r.subscription = *s;
    const bool group_scoped = schemas_.DeclaresProperty(schema_file, {"metadata", "resourceGroup"});
    if (group_scoped) {
      if (const std::string* s = StringAt(metadata, "resourceGroup")) r.resource_group = *s;
    }
    r.spec = v.contains("spec") ? v["spec"] : Json::object();
    r.location = doc.source.document;
    r.field_locations = doc.source.ValueLocations();
    r.manifest_root = root.dir;
    r.policy = root.config.default_policy;

    const std::string name = r.kind + "/" + r.name;
    bool ok = true;
    if (r.subscription.empty()) {
      diagnostics().Error(doc.source.KeyAt("metadata"),
                          name +
                              " has no subscription: set metadata.subscription or "
                              "defaults.subscription in keyward.yaml");
      ok = false;
    }
    if (group_scoped && r.resource_group.empty()) {
      diagnostics().Error(doc.source.KeyAt("metadata"),
                          name +
                              " has no resource group: set metadata.resourceGroup or "
                              "defaults.resourceGroup in keyward.yaml");
      ok = false;
    }
    if (metadata.contains("annotations") && metadata["annotations"].is_object()) {
      for (auto it = metadata["annotations"].begin(); it != metadata["annotations"].end(); ++it) {
        if (it->is_string()) r.annotations[it.key()] = it->get<std::string>();
      }
    }
    auto policy_text = r.annotations.find(kReconcilePolicyAnnotation);
    if (policy_text != r.annotations.end()) {
      if (auto policy = ParseReconcilePolicy(policy_text->second)) {
        r.policy = *policy;
      } else {
        diagnostics().Error(
            doc.source.ValueAt(JoinFieldPath("metadata.annotations", kReconcilePolicyAnnotation)),
            "'" + policy_text->second +
                "' is not a reconcile policy (expected manage, observe, skip or detach-on-delete)");
        ok = false;
      }
    }
    if (metadata.contains("dependsOn") && metadata["dependsOn"].is_array()) {
      for (const auto& entry : metadata["dependsOn"]) {
        if (entry.is_string()) r.depends_on.push_back(entry.get<std::string>());
      }
    }
    if (!ok) return;

    ResolveResponse resolved;
    try {
      ResolveRequest request;
      request.resource = &r;
      request.config = &root.config;
      resolved = handler->Resolve(request);
    } catch (const std::exception& e) {
      diagnostics().Error(r.location,
                          name + ": internal error in the " + r.kind + " handler: " + e.what());
      return;
    }
    for (Diagnostic d : resolved.diagnostics.items()) {
      if (d.location.file.empty()) d.location = r.location;
      if (d.severity == Severity::kError) {
        diagnostics().Error(d.location, d.message);
      } else {
        diagnostics().Warning(d.location, d.message);
      }
    }
    if (resolved.diagnostics.HasErrors()) return;
    if (resolved.address.empty()) {
      diagnostics().Error(r.location,
                          name + ": internal error: the " + r.kind + " handler gave no address");
      return;
    }
    r.address = resolved.address;
    r.arm_id = resolved.arm_id;
    loaded_.push_back(Loaded{std::move(r), std::move(resolved.references)});
  }

  // Set-wide checks: duplicates, explicit and implicit edges.
  void FinishSet() {
    std::map<std::string, size_t> by_address;  // lowercase address -> index into kept
    std::vector<Loaded*> kept;
    for (auto& item : loaded_) {
      const std::string key = Lower(item.resource.address);
      auto [it, inserted] = by_address.emplace(key, kept.size());
      if (!inserted) {
        const DesiredResource& first = kept[it->second]->resource;
        diagnostics().Error(item.resource.location, "duplicate resource " + item.resource.address +
                                                        ": defined at " +
                                                        first.location.ToString() + " and at " +
                                                        item.resource.location.ToString());
        continue;
      }
      kept.push_back(&item);
    }

    std::vector<std::vector<std::string>> item_edges;
    for (Loaded* item : kept) {
      DesiredResource& r = item->resource;
      std::vector<std::string> edges;
      auto add_edge = [&edges](const std::string& address) {
        if (std::find(edges.begin(), edges.end(), address) == edges.end()) edges.push_back(address);
      };
      for (size_t i = 0; i < r.depends_on.size(); ++i) {
        auto target = by_address.find(Lower(r.depends_on[i]));
        if (target == by_address.end()) {
          const std::string field = JoinFieldPath("metadata.dependsOn", i);
          auto where = r.field_locations.find(field);
          diagnostics().Error(where != r.field_locations.end() ? where->second : r.location,
                              r.address + ": dependsOn '" + r.depends_on[i] +
                                  "' is not a resource in this manifest set");
          continue;
        }
        add_edge(kept[target->second]->resource.address);
      }
      for (const auto& ref : item->references) {
        auto target = by_address.find(Lower(ref.address));
        if (target == by_address.end()) {
          if (!ref.required) continue;
          auto where = r.field_locations.find(ref.field);
          diagnostics().Error(where != r.field_locations.end() ? where->second : r.location,
                              "dangling reference: " + (ref.field.empty() ? r.address : ref.field) +
                                  " refers to " + ref.address +
                                  ", which is not in this manifest set");
          continue;
        }
        add_edge(kept[target->second]->resource.address);
      }
      // Assigned after every edge is computed: later items read earlier items' addresses.
      item_edges.push_back(std::move(edges));
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      kept[i]->resource.depends_on = std::move(item_edges[i]);
      result_.set.resources.push_back(std::move(kept[i]->resource));
    }
  }

  Diagnostics& diagnostics() { return result_.diagnostics; }

  FileReader& reader_;
  const HandlerRegistry& registry_;
  const SchemaSet& schemas_;
  std::vector<Root> roots_;
  std::vector<PendingFile> files_;
  std::set<std::string> seen_files_;
  std::vector<std::pair<std::string, std::string>> contents_;  // root-relative path, text
  std::vector<Loaded> loaded_;
  LoadResult result_;
};

}  // namespace

std::vector<YamlDocument> ParseYamlDocuments(const std::string& text, const std::string& file,
                                             Diagnostics* diagnostics) {
  std::vector<YamlDocument> out;
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    diagnostics->Error(At(file, e.mark), "invalid YAML: " + e.msg);
    return out;
  } catch (const std::exception& e) {
    diagnostics->Error({file, 0, 0}, std::string("invalid YAML: ") + e.what());
    return out;
  }
  for (const auto& node : nodes) {
    if (!node.IsDefined() || node.IsNull()) continue;  // empty document ("---" alone, comments)
    YamlDocument doc;
    doc.source.document = At(file, node.Mark());
    if (doc.source.document.line == 0) doc.source.document = SourceLocation{file, 1, 1};
    YamlConverter converter(file, &doc.source, diagnostics);
    try {
      doc.value = converter.Convert(node, "", "", SourceLocation{}, 0);
    } catch (const std::exception& e) {
      diagnostics->Error(doc.source.document, std::string("invalid YAML: ") + e.what());
      continue;
    }
    if (converter.failed()) continue;
    out.push_back(std::move(doc));
  }
  return out;
}

LoadResult LoadManifests(const std::vector<std::string>& paths, FileReader& reader,
                         const HandlerRegistry& registry) {
  return Loader(reader, registry).Run(paths);
}

std::string ManifestDigest(std::vector<std::pair<std::string, std::string>> files) {
  std::sort(files.begin(), files.end());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  auto feed = [&ctx](const std::string& field) {
    const std::string length = std::to_string(field.size()) + ":";
    EVP_DigestUpdate(ctx.get(), length.data(), length.size());
    EVP_DigestUpdate(ctx.get(), field.data(), field.size());
  };
  for (const auto& [path, contents] : files) {
    feed(path);
    feed(contents);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace keyward::engine
