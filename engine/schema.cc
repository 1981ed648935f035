#include "engine/schema.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <tuple>

// Without this valijson prints and abort()s on a bad schema or $ref; we want an error value.
// Only this file includes valijson, so the definition is consistent for every instantiation.
#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace keyward::engine {

// ---------------------------------------------------------------------------------------------
// Field paths and source maps

namespace {

bool IsPlainKey(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string JoinFieldPath(const std::string& path, const std::string& key) {
  if (IsPlainKey(key)) return path.empty() ? key : path + "." + key;
  std::string quoted = "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "\"]";
  return path + quoted;
}

std::string JoinFieldPath(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

void SourceMap::Record(const std::string& path, const std::string& parent, SourceLocation key,
                       SourceLocation value) {
  entries_[path] = Entry{std::move(key), std::move(value), parent};
}

SourceLocation SourceMap::ValueAt(const std::string& path) const {
  std::string current = path;
  for (int guard = 0; guard < 1000; ++guard) {
    auto it = entries_.find(current);
    if (it == entries_.end()) break;
    if (it->second.value.line > 0) return it->second.value;
    if (it->second.key.line > 0) return it->second.key;
    if (current.empty()) break;
    current = it->second.parent;
  }
  // Unrecorded path (e.g. a field the schema wants but the user left out): nearest ancestor by
  // string prefix is not reliable with quoted keys, so use the document start.
  return document;
}

SourceLocation SourceMap::KeyAt(const std::string& path) const {
  auto it = entries_.find(path);
  if (it != entries_.end() && it->second.key.line > 0) return it->second.key;
  return ValueAt(path);
}

std::map<std::string, SourceLocation> SourceMap::ValueLocations() const {
  std::map<std::string, SourceLocation> out;
  for (const auto& [path, entry] : entries_) {
    if (path.empty()) continue;
    out[path] = entry.value.line > 0 ? entry.value : entry.key;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema compilation

namespace {

using valijson::adapters::NlohmannJsonAdapter;

std::string BaseName(const std::string& uri) {
  std::string doc = uri.substr(0, uri.find('#'));
  size_t slash = doc.rfind('/');
  return slash == std::string::npos ? doc : doc.substr(slash + 1);
}

// Rewrites "#/x" into "<file>#/x" everywhere (see schema.h for why).
void QualifyRefs(Json& node, const std::string& file) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it.value().is_string()) {
        std::string ref = it.value().get<std::string>();
        if (!ref.empty() && ref[0] == '#') it.value() = file + ref;
      } else {
        QualifyRefs(it.value(), file);
      }
    }
  } else if (node.is_array()) {
    for (auto& item : node) QualifyRefs(item, file);
  }
}

}  // namespace

struct SchemaSet::Impl {
  std::map<std::string, Json> raw;        // as written (for introspection and messages)
  std::map<std::string, Json> qualified;  // with file-qualified $refs (fed to valijson)
  std::map<std::string, std::unique_ptr<valijson::Schema>> compiled;

  // Follows $ref chains from `node` (in `file`). Returns null when a reference is broken.
  const Json* Deref(std::string* file, const Json* node) const {
    for (int guard = 0; node && guard < 32; ++guard) {
      if (!node->is_object()) return node;
      auto ref = node->find("$ref");
      if (ref == node->end() || !ref->is_string()) return node;
      const std::string text = ref->get<std::string>();
      const size_t hash = text.find('#');
      std::string target = hash == std::string::npos ? text : text.substr(0, hash);
      std::string pointer = hash == std::string::npos ? "" : text.substr(hash + 1);
      if (!target.empty()) *file = BaseName(target);
      auto doc = raw.find(*file);
      if (doc == raw.end()) return nullptr;
      try {
        node = &doc->second.at(Json::json_pointer(pointer));
      } catch (const std::exception&) {
        return nullptr;
      }
    }
    return node;
  }

  // The schema nodes that apply to one instance node: the node itself after $ref, the members
  // of allOf / anyOf / oneOf, and the then / else branch of an `if` that is a plain
  // `properties.X.const` test (the only conditional keyward's schemas use: dispatch on kind).
  // Used only to phrase messages and to list allowed fields, never to decide validity.
  using Candidates = std::vector<std::pair<std::string, const Json*>>;

  void Expand(std::string file, const Json* node, const Json* instance, Candidates* out,
              int depth = 0) const {
    if (depth > 16) return;
    node = Deref(&file, node);
    if (!node || !node->is_object()) return;
    out->emplace_back(file, node);
    for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
      auto list = node->find(keyword);
      if (list == node->end() || !list->is_array()) continue;
      for (const auto& sub : *list) Expand(file, &sub, instance, out, depth + 1);
    }
    auto condition = node->find("if");
    if (condition != node->end()) {
      std::optional<bool> holds = ConstCondition(*condition, instance);
      const char* branch = holds.value_or(false) ? "then" : "else";
      if (holds && node->contains(branch)) Expand(file, &(*node)[branch], instance, out, depth + 1);
    }
  }

  static std::optional<bool> ConstCondition(const Json& condition, const Json* instance) {
    if (!condition.is_object() || !instance || !instance->is_object()) return std::nullopt;
    auto props = condition.find("properties");
    if (props == condition.end() || !props->is_object()) return std::nullopt;
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (!it->is_object() || !it->contains("const")) return std::nullopt;
      auto value = instance->find(it.key());
      if (value == instance->end() || *value != (*it)["const"]) return false;
    }
    return true;
  }

  Candidates Member(const Candidates& parents, const std::string& key, const Json* child) const {
    Candidates out;
    for (const auto& [file, node] : parents) {
      auto props = node->find("properties");
      if (props != node->end() && props->is_object() && props->contains(key)) {
        Expand(file, &(*props)[key], child, &out);
        continue;
      }
      auto extra = node->find("additionalProperties");
      if (extra != node->end() && extra->is_object()) Expand(file, &*extra, child, &out);
    }
    return out;
  }

  Candidates Items(const Candidates& parents, const Json* child) const {
    Candidates out;
    for (const auto& [file, node] : parents) {
      auto items = node->find("items");
      if (items != node->end() && items->is_object()) Expand(file, &*items, child, &out);
    }
    return out;
  }

  // The first applicable node that has `keyword`.
  static const Json* With(const Candidates& candidates, const char* keyword) {
    for (const auto& [file, node] : candidates) {
      if (node->contains(keyword)) return node;
    }
    return nullptr;
  }
};

SchemaSet::SchemaSet() : impl_(std::make_unique<Impl>()) {}
SchemaSet::~SchemaSet() = default;

Result<std::shared_ptr<const SchemaSet>> SchemaSet::Load(
    const std::map<std::string, std::string>& files) {
  std::shared_ptr<SchemaSet> set(new SchemaSet());
  for (const auto& [name, text] : files) {
    try {
      Json doc = Json::parse(text);
      set->impl_->raw[name] = doc;
      QualifyRefs(doc, name);
      set->impl_->qualified[name] = std::move(doc);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, "schema " + name + " is not valid JSON", e.what());
    }
  }
  const auto& qualified = set->impl_->qualified;
  auto fetch = [&qualified](const std::string& uri) -> const Json* {
    auto it = qualified.find(BaseName(uri));
    return it == qualified.end() ? nullptr : new Json(it->second);
  };
  auto free_doc = [](const Json* doc) { delete doc; };
  for (const auto& [name, doc] : qualified) {
    auto schema = std::make_unique<valijson::Schema>();
    try {
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      NlohmannJsonAdapter adapter(doc);
      parser.populateSchema(adapter, *schema, fetch, free_doc);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, "schema " + name + " does not compile", e.what());
    }
    set->impl_->compiled[name] = std::move(schema);
  }
  return std::shared_ptr<const SchemaSet>(std::move(set));
}

const SchemaSet& SchemaSet::Embedded() {
  static const std::shared_ptr<const SchemaSet> embedded = [] {
    auto loaded = Load(EmbeddedSchemas());
    if (loaded) return *loaded;
    std::shared_ptr<SchemaSet> broken(new SchemaSet());
    broken->load_error_ = loaded.error().ToString();
    return std::shared_ptr<const SchemaSet>(std::move(broken));
  }();
  return *embedded;
}

std::string SchemaSet::FileForKind(std::string_view kind) {
  std::string out;
  for (char c : kind) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out + ".schema.json";
}

bool SchemaSet::Has(const std::string& file) const { return impl_->compiled.count(file) > 0; }

bool SchemaSet::DeclaresProperty(const std::string& file,
                                 const std::vector<std::string>& keys) const {
  auto doc = impl_->raw.find(file);
  if (doc == impl_->raw.end()) return false;
  std::string current = file;
  const Json* node = &doc->second;
  for (const auto& key : keys) {
    node = impl_->Deref(&current, node);
    if (!node || !node->is_object()) return false;
    auto props = node->find("properties");
    if (props == node->end() || !props->is_object() || !props->contains(key)) return false;
    node = &(*props)[key];
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Human-phrased validation errors

namespace {

std::string TypeOf(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "list";
    case Json::value_t::object:
      return "mapping";
    default:
      return "value";
  }
}

std::string SchemaTypeName(const std::string& type) {
  if (type == "object") return "a mapping";
  if (type == "array") return "a list";
  if (type == "integer") return "an integer";
  if (type == "null") return "null";
  return "a " + type;
}

std::string Show(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string Quote(const std::string& text) { return "'" + text + "'"; }

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string NumberText(const Json& number) {
  if (number.is_number_float()) {
    double d = number.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d)))
      return std::to_string(static_cast<long long>(d));
  }
  return number.dump();
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t d = EditDistance(word, candidate);
    if (d < best_distance) best = candidate, best_distance = d;
  }
  return best;
}

bool LooksLikeYaml11Bool(const Json& value) {
  if (!value.is_string()) return false;
  std::string lower;
  for (char c : value.get<std::string>())
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "yes" || lower == "no" || lower == "on" || lower == "off" || lower == "y" ||
         lower == "n" || lower == "true" || lower == "false";
}

// valijson's generic wrapper errors ("Failed to validate against schema associated with property
// name 'spec'") restate a child error one level up; the child error is the useful one.
bool IsWrapper(const std::string& description) {
  static const char* const kPrefixes[] = {
      "Failed to validate against schema associated with property name",
      "Failed to validate item #",
      "Failed to validate against child schema",
      "Failed to validate against a conditional schema",
      "Failed to validate against any schemas allowed by anyOf",
      "Failed to validate against any child schemas allowed by oneOf",
      "Failed to validate against additional properties schema",
      "Failed to validate against schema associated with pattern",
      "Failed to validate against dependent schema",
  };
  for (const char* prefix : kPrefixes) {
    if (description.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool SchemaSet::Validate(const std::string& file, const Json& document, const SourceMap& where,
                         Diagnostics* out, const SchemaValidateOptions& options) const {
  if (!load_error_.empty()) {
    out->Error(where.document,
               "internal error: the embedded schemas do not compile: " + load_error_);
    return false;
  }
  auto compiled = impl_->compiled.find(file);
  if (compiled == impl_->compiled.end()) {
    out->Error(where.document, "internal error: no schema named " + file);
    return false;
  }

  valijson::ValidationResults results;
  bool valid = false;
  try {
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    NlohmannJsonAdapter target(document);
    valid = validator.validate(*compiled->second, target, &results);
  } catch (const std::exception& e) {
    out->Error(where.document, std::string("internal error while validating: ") + e.what());
    return false;
  }
  if (valid) return true;

  struct Finding {
    SourceLocation location;
    std::string message;
    std::string path;
    bool type_error = false;
  };
  // A value of the wrong type also fails its enum / pattern / const; the type error says it all.
  std::set<std::string> type_error_paths;
  std::vector<Finding> findings;
  std::set<std::pair<std::string, std::string>> seen;  // (location, message)
  std::string current_path;
  auto add = [&](SourceLocation location, std::string message, bool type_error = false) {
    if (seen.emplace(location.ToString(), message).second) {
      findings.push_back({std::move(location), std::move(message), current_path, type_error});
    }
  };

  bool suppressed = false;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    if (IsWrapper(error.description)) continue;

    // Walk the context ("<root>", "[spec]", "[ipRules]", "[0]") through the instance and the
    // schema side by side, so array indexes and object keys are told apart by what the
    // document holds, and so the message can quote the schema's limits.
    std::string path;
    const Json* value = &document;
    Impl::Candidates schema;
    impl_->Expand(file, &impl_->raw.at(file), value, &schema);
    bool lost = false;
    for (size_t i = 1; i < error.context.size(); ++i) {
      std::string token = error.context[i];
      if (token.size() >= 2 && token.front() == '[' && token.back() == ']')
        token = token.substr(1, token.size() - 2);
      if (value && value->is_array() && !token.empty() &&
          std::all_of(token.begin(), token.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        size_t index = std::stoul(token);
        path = JoinFieldPath(path, index);
        value = index < value->size() ? &(*value)[index] : nullptr;
        schema = impl_->Items(schema, value);
      } else {
        path = JoinFieldPath(path, token);
        value =
            (value && value->is_object() && value->contains(token)) ? &(*value)[token] : nullptr;
        schema = impl_->Member(schema, token, value);
      }
      if (!value) lost = true;
    }
    if (std::find(options.suppress_paths.begin(), options.suppress_paths.end(), path) !=
        options.suppress_paths.end()) {
      suppressed = true;
      continue;
    }
    current_path = path;
    const std::string prefix = path.empty() ? "" : path + ": ";
    const std::string& d = error.description;

    if (d.rfind("Object contains a property that could not be validated", 0) == 0 && value &&
        value->is_object()) {
      // valijson names only the first unknown key; report every one, each at its own key.
      std::set<std::string> allowed_set;
      for (const auto& [unused, node] : schema) {
        auto props = node->find("properties");
        if (props == node->end() || !props->is_object()) continue;
        for (auto it = props->begin(); it != props->end(); ++it) allowed_set.insert(it.key());
      }
      const std::vector<std::string> allowed(allowed_set.begin(), allowed_set.end());
      bool any = false;
      for (auto it = value->begin(); it != value->end(); ++it) {
        if (allowed_set.count(it.key())) continue;
        any = true;
        std::string message = prefix + "unknown field " + Quote(it.key());
        const std::string suggestion = Closest(it.key(), allowed);
        if (!suggestion.empty()) message += ", did you mean " + Quote(suggestion) + "?";
        if (!allowed.empty()) message += " (allowed: " + JoinList(allowed) + ")";
        add(where.KeyAt(JoinFieldPath(path, it.key())), message);
      }
      if (any) continue;
    }

    SourceLocation at = where.ValueAt(path);
    std::string message;
    bool is_type_error = false;
    if (d.rfind("Missing required property '", 0) == 0) {
      const size_t start = d.find('\'') + 1;
      const std::string field = d.substr(start, d.rfind('\'') - start);
      at = path.empty() ? where.document : where.KeyAt(path);
      message = prefix + "missing required field " + Quote(field);
      auto hint = options.missing_hints.find(JoinFieldPath(path, field));
      if (hint != options.missing_hints.end()) message += " (" + hint->second + ")";
    } else if (lost) {
      message = prefix + d;
    } else if (d.rfind("Value type not permitted", 0) == 0) {
      std::vector<std::string> expected;
      if (const Json* typed = Impl::With(schema, "type")) {
        const Json& type = (*typed)["type"];
        if (type.is_string()) expected.push_back(SchemaTypeName(type.get<std::string>()));
        if (type.is_array()) {
          for (const auto& t : type) {
            if (t.is_string()) expected.push_back(SchemaTypeName(t.get<std::string>()));
          }
        }
      }
      message =
          prefix + "expected " + (expected.empty() ? "another type" : JoinList(expected)) +
          ", got " + TypeOf(*value) +
          (value->is_object() || value->is_array() || value->is_null() ? "" : " " + Show(*value));
      type_error_paths.insert(path);
      is_type_error = true;
      if (!expected.empty() && expected[0] == "a boolean" && LooksLikeYaml11Bool(*value)) {
        message += " (keyward reads YAML 1.2: write true or false, unquoted)";
      } else if (value->is_string() && !expected.empty() &&
                 (expected[0] == "an integer" || expected[0] == "a number")) {
        message += " (remove the quotes to write a number)";
      }
    } else if (const Json* min = Impl::With(schema, "minimum");
               d.rfind("Expected number greater than", 0) == 0 && min) {
      message = prefix + NumberText(*value) + " is less than the minimum " +
                NumberText((*min)["minimum"]);
    } else if (const Json* max = Impl::With(schema, "maximum");
               d.rfind("Expected number less than", 0) == 0 && max) {
      message = prefix + NumberText(*value) + " is greater than the maximum " +
                NumberText((*max)["maximum"]);
    } else if (const Json* listed = Impl::With(schema, "enum");
               d.rfind("Failed to match against any enum values", 0) == 0 && listed) {
      std::vector<std::string> options_text;
      for (const auto& option : (*listed)["enum"])
        options_text.push_back(option.is_string() ? option.get<std::string>() : option.dump());
      message = prefix + Show(*value) + " is not one of: " + JoinList(options_text);
    } else if (const Json* fixed = Impl::With(schema, "const");
               d.rfind("Failed to match expected value set by 'const'", 0) == 0 && fixed) {
      const Json& expected = (*fixed)["const"];
      message = prefix + Show(*value) + " must be " +
                (expected.is_string() ? expected.get<std::string>() : expected.dump());
    } else if (const Json* patterned = Impl::With(schema, "pattern");
               d.rfind("Failed to match regex", 0) == 0 && patterned) {
      auto custom = patterned->find("patternErrorMessage");
      if (custom != patterned->end() && custom->is_string()) {
        message = prefix + Show(*value) + " " + custom->get<std::string>();
      } else {
        message = prefix + Show(*value) + " does not match the pattern " +
                  patterned->value("pattern", std::string());
      }
    } else if (d.rfind("String should be no fewer than", 0) == 0 && value->is_string() &&
               value->get<std::string>().empty()) {
      message = prefix + "must not be empty";
    } else {
      // Rare keywords (length, item counts, uniqueness): valijson's text is clear enough.
      message = prefix + d;
    }
    add(at, message, is_type_error);
  }

  if (findings.empty() && !suppressed) {
    // valijson said invalid but only produced wrapper errors; never let that pass silently.
    add(where.document, "document does not match " + file);
  }
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.location.line, a.location.column) <
           std::tie(b.location.line, b.location.column);
  });
  for (auto& finding : findings) {
    if (type_error_paths.count(finding.path) && !finding.type_error) continue;
    out->Error(std::move(finding.location), std::move(finding.message));
  }
  return false;
}

}  // namespace keyward::engine
