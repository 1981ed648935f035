#include "engine/manifest_loader.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include "engine/diff.h"
#include "engine/duration.h"
#include "engine/guardrails/policy.h"

namespace keyward::engine {

namespace {

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
  // For every manifest of this root (made once: hints and keyward.yaml's extraRegions).
  SchemaValidateOptions validate_options;
  // keyward.yaml `defaults.X` -> where it is written (key, value), filled on first use.
  mutable std::map<std::string, std::pair<SourceLocation, SourceLocation>> default_locations;
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
    Root root{dir, {}, false, {}, true, {}, {}};
    root.validate_options.missing_hints["spec.location"] =
        "set it here or as defaults.location in keyward.yaml";
    root.validate_options.missing_hints["spec.tenantId"] =
        "set it here or as defaults.tenantId in keyward.yaml";
    roots_.push_back(std::move(root));
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
      } else if (auto read = reader_.Read(path);
                 !read && read.error().code != ErrorCode::kNotFound) {
        // It exists but is no regular file (a FIFO, /dev/zero...): say what it is.
        diagnostics().Error({path, 0, 0}, "cannot read: " + read.error().ToString());
      } else {
        diagnostics().Error({path, 0, 0}, "no such file or directory");
      }
    }
  }

  void LoadConfig(Root& root) {
    const std::string config_path = FindConfigFile(root);
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
    const std::string* text = Read(config_path, root.dir);
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
    // Read first: defaults.location is checked against them too.
    root.config.extra_regions = ExtraRegions(doc.value);
    root.validate_options.extra_regions = root.config.extra_regions;
    const bool valid = schemas_.Validate("keyward.schema.json", doc.value, doc.source,
                                         &diagnostics(), root.validate_options);

    root.config_valid = valid;
    root.config_source = doc.source;
    ReadConfigFields(doc, root);
  }

  // keyward.yaml or keyward.yml in the root's directory ("" when neither). Both, or one that
  // exists but cannot be read, is an error.
  std::string FindConfigFile(Root& root) {
    std::string config_path;
    for (const char* name : {"keyward.yaml", "keyward.yml"}) {
      const std::string candidate = JoinPath(root.dir, name);
      if (!reader_.IsFile(candidate)) {
        // One that exists but cannot be a stack config (a FIFO, a device, a directory) is an
        // error: planning without it would silently name the stack after the directory.
        auto read = reader_.Read(candidate);
        if (!read && read.error().code != ErrorCode::kNotFound) {
          diagnostics().Error({candidate, 0, 0}, "cannot read: " + read.error().ToString());
          root.config_valid = false;
        }
        continue;
      }
      if (!config_path.empty()) {
        diagnostics().Error({candidate, 0, 0},
                            "both " + config_path + " and " + candidate + " exist; keep one");
        continue;
      }
      config_path = candidate;
    }
    return config_path;
  }

  // The fields of a keyward.yaml that passed (or failed) its schema: each is taken only when it
  // has the right type, so a schema error never becomes a crash here.
  void ReadConfigFields(const YamlDocument& doc, Root& root) {
    const Json& v = doc.value;
    if (const std::string* stack = StringAt(v, "stack")) root.config.stack = *stack;
    if (v.is_object() && v.contains("defaults")) ReadDefaults(v["defaults"], &root.config);
    if (v.is_object() && v.contains("policies")) ReadPolicies(v["policies"], root);
    if (v.is_object() && v.contains("lock")) root.config.lock = v["lock"];
    guardrails::ReadGuardrailsSection(v, doc.source, &root.config);
    if (v.is_object() && v.contains("secrets")) ReadSecretsSection(v["secrets"], &root.config);
    if (v.is_object() && v.contains("plans")) {
      if (const std::string* env = StringAt(v["plans"], "signingKeyEnv"))
        root.config.plan_signing_key_env = *env;
    }
    if (v.is_object() && v.contains("timeouts")) ReadTimeouts(v["timeouts"], doc.source, root);
  }

  static void ReadDefaults(const Json& d, StackConfig* config) {
    if (const std::string* s = StringAt(d, "subscription")) config->default_subscription = *s;
    if (const std::string* s = StringAt(d, "resourceGroup")) config->default_resource_group = *s;
    if (const std::string* s = StringAt(d, "location")) config->default_location = *s;
    if (const std::string* s = StringAt(d, "tenantId")) config->default_tenant_id = *s;
  }

  static void ReadPolicies(const Json& p, Root& root) {
    if (!p.is_object()) return;
    if (p.contains("prune") && p["prune"].is_boolean()) root.config.prune = p["prune"].get<bool>();
    if (p.contains("parallelism") && p["parallelism"].is_number_integer()) {
      root.config.parallelism = std::clamp(p["parallelism"].get<int>(), 1, 64);
    }
    if (const std::string* s = StringAt(p, "reconcilePolicy")) {
      if (auto policy = ParseReconcilePolicy(*s)) root.config.default_policy = *policy;
    }
    if (const std::string* s = StringAt(p, "softDelete"))
      root.purge_then_create = *s == "purge-then-create";
  }

  static void ReadSecretsSection(const Json& s, StackConfig* config) {
    if (const std::string* env = StringAt(s, "fingerprintKeyEnv"))
      config->fingerprint_key_env = *env;
    if (const std::string* on_prune = StringAt(s, "onPrune"))
      config->disable_pruned_secrets = *on_prune == "disable";
    const Json sources = s.is_object() ? s.value("sources", Json::object()) : Json::object();
    const Json env = sources.is_object() ? sources.value("env", Json::object()) : Json::object();
    config->secret_sources.allowed_directories = Strings(sources, "allowedDirectories");
    config->secret_sources.env_prefixes = Strings(env, "prefixes");
    config->secret_sources.env_names = Strings(env, "names");
  }

  // timeouts.operation / timeouts.request: durations, checked here (the schema only says string).
  void ReadTimeouts(const Json& timeouts, const SourceMap& source, Root& root) {
    for (auto [key, field] : {std::pair{"operation", &root.config.operation_timeout},
                              std::pair{"request", &root.config.request_timeout}}) {
      const std::string* text = StringAt(timeouts, key);
      if (!text) continue;
      if (auto duration = ParseDuration(*text)) {
        *field = *duration;
      } else {
        diagnostics().Error(source.ValueAt(std::string("timeouts.") + key),
                            std::string("timeouts.") + key + " '" + *text +
                                "' is not a duration such as 90s, 30m or 1h (at most " +
                                FormatDuration(kMaxDuration) + ")");
        root.config_valid = false;
      }
    }
  }

  static std::vector<std::string> ExtraRegions(const Json& config) {
    std::vector<std::string> out;
    if (!config.is_object() || !config.contains("extraRegions")) return out;
    const Json& regions = config["extraRegions"];
    if (!regions.is_array()) return out;
    for (const Json& region : regions) {
      if (region.is_string() && out.size() < 64) out.push_back(region.get<std::string>());
    }
    return out;
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
  // Returns the text (kept for the digest; valid until the next Read), or null after reporting.
  const std::string* Read(const std::string& path, const std::string& root_dir) {
    auto text = reader_.Read(path);
    if (!text) {
      diagnostics().Error({path, 0, 0}, "cannot read: " + text.error().ToString());
      return nullptr;
    }
    std::string relative = path;
    const std::string prefix = root_dir == "." ? "" : root_dir + "/";
    if (!prefix.empty() && relative.compare(0, prefix.size(), prefix) == 0) {
      relative = relative.substr(prefix.size());
    }
    contents_.emplace_back(std::move(relative), std::move(*text));
    result_.files.push_back(path);
    return &contents_.back().second;
  }

  void LoadFile(const PendingFile& file) {
    const std::string* text = Read(file.path, roots_[file.root].dir);
    if (!text) return;
    std::vector<YamlDocument> docs = ParseYamlDocuments(*text, file.path, &diagnostics());
    for (auto& doc : docs) LoadDocument(doc, roots_[file.root]);
  }

  // Fills keyward.yaml defaults into `doc` where the kind's schema has the field and the user
  // left it out. The filled field's location is the line in keyward.yaml it came from.
  void ApplyDefaults(YamlDocument& doc, const Root& root, const std::string& schema_file) {
    Json& v = doc.value;
    const DefaultFields& declared = DeclaredDefaults(schema_file);
    auto fill = [&](const char* section, const char* field, bool declares, const std::string& value,
                    const char* config_key) {
      if (value.empty() || !declares) return;
      auto target = v.find(section);
      if (target == v.end() || !target->is_object() || target->contains(field)) return;
      (*target)[field] = value;
      // Where the default is written in keyward.yaml (looked up once per root and field).
      auto [where, fresh] = root.default_locations.try_emplace(config_key);
      if (fresh) {
        const std::string config_path = JoinFieldPath("defaults", config_key);
        where->second = {root.config_source.KeyAt(config_path),
                         root.config_source.ValueAt(config_path)};
      }
      doc.source.Record(JoinFieldPath(section, field), where->second.first, where->second.second);
    };
    // Only into an existing metadata / spec mapping: a missing or mistyped section is the
    // schema's to report, not something to paper over.
    fill("metadata", "subscription", declared.subscription, root.config.default_subscription,
         "subscription");
    fill("metadata", "resourceGroup", declared.resource_group, root.config.default_resource_group,
         "resourceGroup");
    fill("spec", "location", declared.location, root.config.default_location, "location");
    fill("spec", "tenantId", declared.tenant_id, root.config.default_tenant_id, "tenantId");
  }

  // Which keyward.yaml defaults a kind's schema has a field for, asked once per schema rather
  // than once per document.
  struct DefaultFields {
    bool subscription = false, resource_group = false, location = false, tenant_id = false;
  };
  const DefaultFields& DeclaredDefaults(const std::string& schema_file) {
    auto it = declared_defaults_.find(schema_file);
    if (it != declared_defaults_.end()) return it->second;
    DefaultFields d;
    d.subscription = schemas_.DeclaresProperty(schema_file, {"metadata", "subscription"});
    d.resource_group = schemas_.DeclaresProperty(schema_file, {"metadata", "resourceGroup"});
    d.location = schemas_.DeclaresProperty(schema_file, {"spec", "location"});
    d.tenant_id = schemas_.DeclaresProperty(schema_file, {"spec", "tenantId"});
    return declared_defaults_.emplace(schema_file, d).first->second;
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

    SchemaValidateOptions unknown_kind;
    if (kind && !handler) {
      unknown_kind = root.validate_options;
      unknown_kind.suppress_paths.push_back("kind");
    }
    const bool valid = schemas_.Validate(schema_file, v, doc.source, &diagnostics(),
                                         kind && !handler ? unknown_kind : root.validate_options);

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
    const bool group_scoped = DeclaredDefaults(schema_file).resource_group;
    if (group_scoped) {
      if (const std::string* s = StringAt(metadata, "resourceGroup")) r.resource_group = *s;
    }
    // The document is not used after this: take its parts instead of copying them.
    r.spec = v.contains("spec") ? std::move(v["spec"]) : Json::object();
    r.location = doc.source.document;
    r.manifest_root = root.dir;
    r.policy = root.config.default_policy;

    if (!ReadMetadata(metadata, doc.source, group_scoped, &r)) return;
    r.field_locations =
        FieldLocations(std::move(doc.source).TakeValueLocations());  // doc.source is done
    ResolveAndKeep(std::move(r), *handler, root);
  }

  // The scope, annotations (with the reconcile policy) and dependsOn of `r` from its metadata.
  // False after reporting a missing scope or an unknown policy.
  bool ReadMetadata(const Json& metadata, const SourceMap& source, bool group_scoped,
                    DesiredResource* resource) {
    DesiredResource& r = *resource;
    const std::string name = r.kind + "/" + r.name;
    bool ok = true;
    if (r.subscription.empty()) {
      diagnostics().Error(source.KeyAt("metadata"),
                          name +
                              " has no subscription: set metadata.subscription or "
                              "defaults.subscription in keyward.yaml");
      ok = false;
    }
    if (group_scoped && r.resource_group.empty()) {
      diagnostics().Error(source.KeyAt("metadata"),
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
            source.ValueAt(JoinFieldPath("metadata.annotations", kReconcilePolicyAnnotation)),
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
    return ok;
  }

  // The handler's Resolve (address, ARM id, references, its own checks); keeps `r` when it
  // resolves without errors.
  void ResolveAndKeep(DesiredResource r, const ResourceHandler& handler, const Root& root) {
    const std::string name = r.kind + "/" + r.name;
    ResolveResponse resolved;
    try {
      ResolveRequest request;
      request.resource = &r;
      request.config = &root.config;
      resolved = handler.Resolve(request);
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
    const std::vector<Loaded*> kept = WithoutDuplicates(&by_address);
    std::vector<std::vector<std::string>> item_edges;
    for (Loaded* item : kept) item_edges.push_back(EdgesOf(*item, kept, by_address));
    // Assigned after every edge is computed: later items read earlier items' addresses.
    for (size_t i = 0; i < kept.size(); ++i) {
      kept[i]->resource.depends_on = std::move(item_edges[i]);
      result_.set.resources.push_back(std::move(kept[i]->resource));
    }
  }

  // The loaded resources minus the second of any two with the same address, or with the same
  // ARM identity under different addresses (two AccessPolicy manifests for one vault, tenant and
  // object id would be two creates of one ARM entry).
  std::vector<Loaded*> WithoutDuplicates(std::map<std::string, size_t>* by_address) {
    std::map<std::string, const DesiredResource*> by_arm_id;  // canonical id -> first declarer
    std::vector<Loaded*> kept;
    for (auto& item : loaded_) {
      const DesiredResource& r = item.resource;
      auto [it, inserted] = by_address->emplace(Lower(r.address), kept.size());
      if (!inserted) {
        const DesiredResource& first = kept[it->second]->resource;
        diagnostics().Error(r.location, "duplicate resource " + r.address + ": defined at " +
                                            first.location.ToString() + " and at " +
                                            r.location.ToString());
        continue;
      }
      if (!r.arm_id.empty()) {
        auto [same, fresh] = by_arm_id.emplace(CanonicalArmId(r.arm_id), &r);
        if (!fresh) {
          by_address->erase(Lower(r.address));
          diagnostics().Error(r.location, "duplicate identity: " + r.address + " and " +
                                              same->second->address + " (" +
                                              same->second->location.ToString() +
                                              ") declare the same Azure resource " + r.arm_id +
                                              "; keep one manifest for it");
          continue;
        }
      }
      kept.push_back(&item);
    }
    return kept;
  }

  std::vector<std::string> EdgesOf(const Loaded& item, const std::vector<Loaded*>& kept,
                                   const std::map<std::string, size_t>& by_address) {
    const DesiredResource& r = item.resource;
    std::vector<std::string> edges;
    auto add_edge = [&edges](const std::string& address) {
      if (std::find(edges.begin(), edges.end(), address) == edges.end()) edges.push_back(address);
    };
    for (size_t i = 0; i < r.depends_on.size(); ++i) {
      auto target = by_address.find(Lower(r.depends_on[i]));
      if (target == by_address.end()) {
        diagnostics().Error(r.LocationOf(JoinFieldPath("metadata.dependsOn", i)),
                            r.address + ": dependsOn '" + r.depends_on[i] +
                                "' is not a resource in this manifest set");
        continue;
      }
      add_edge(kept[target->second]->resource.address);
    }
    for (const auto& ref : item.references) {
      const std::string field = ref.field.empty() ? r.address : ref.field;
      auto target = by_address.find(Lower(ref.address));
      if (target == by_address.end()) {
        if (!ref.required) continue;
        diagnostics().Error(r.LocationOf(ref.field), "dangling reference: " + field +
                                                         " refers to " + ref.address +
                                                         ", which is not in this manifest set");
        continue;
      }
      const DesiredResource& declared = kept[target->second]->resource;
      if (!ref.arm_id.empty() && !declared.arm_id.empty() &&
          !ArmIdEquals(ref.arm_id, declared.arm_id)) {
        diagnostics().Error(
            r.LocationOf(ref.field),
            "dangling reference: " + field + " refers to " + ref.arm_id + ", but " +
                declared.address + " in this manifest set is " + declared.arm_id + " (" +
                declared.location.ToString() +
                "); give both the same subscription and resource group, or refer to it by "
                "its full ARM id");
        continue;
      }
      add_edge(declared.address);
    }
    return edges;
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
  std::map<std::string, DefaultFields> declared_defaults_;
  LoadResult result_;
};

}  // namespace

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
