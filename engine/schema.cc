#include "engine/schema.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <tuple>

#include "engine/schema_keywords.h"

// valijson is built with VALIJSON_USE_EXCEPTIONS (engine/CMakeLists.txt, for every file that
// includes it): without it valijson prints and abort()s on a bad schema or $ref.
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

namespace {

// The path `path` was joined from by JoinFieldPath; "" for a top-level field. A quoted key
// escapes '"', so `["` never occurs inside one: the last `["` opens the last quoted key.
std::string ParentPath(const std::string& path) {
  size_t cut = std::string::npos;
  if (path.size() >= 2 && path.compare(path.size() - 2, 2, "\"]") == 0) {
    cut = path.rfind("[\"");
  } else if (!path.empty() && path.back() == ']') {
    cut = path.rfind('[');
  } else {
    cut = path.rfind('.');
  }
  return cut == std::string::npos ? "" : path.substr(0, cut);
}

}  // namespace

SourceMap::Position SourceMap::Compact(const std::string& file, int line, int column) {
  if (line <= 0) return Position{};
  size_t index = 0;
  while (index < files_.size() && files_[index] != file) ++index;
  if (index == files_.size()) files_.push_back(file);
  return Position{static_cast<int>(index), line, column};
}

SourceLocation SourceMap::Expand(const Position& position) const {
  if (position.line <= 0) return SourceLocation{};
  return SourceLocation{files_[position.file], position.line, position.column};
}

void SourceMap::Record(const std::string& path, const SourceLocation& key,
                       const SourceLocation& value) {
  entries_[path] =
      Entry{Compact(key.file, key.line, key.column), Compact(value.file, value.line, value.column)};
}

void SourceMap::Record(std::string path, const std::string& file, int key_line, int key_column,
                       int value_line, int value_column) {
  entries_.insert_or_assign(std::move(path), Entry{Compact(file, key_line, key_column),
                                                   Compact(file, value_line, value_column)});
}

SourceLocation SourceMap::ValueAt(const std::string& path) const {
  std::string current = path;
  for (int guard = 0; guard < 1000; ++guard) {
    auto it = entries_.find(current);
    if (it == entries_.end()) break;
    if (it->second.value.line > 0) return Expand(it->second.value);
    if (it->second.key.line > 0) return Expand(it->second.key);
    if (current.empty()) break;
    current = ParentPath(current);
  }
  // Unrecorded path (e.g. a field the schema wants but the user left out): nearest ancestor by
  // string prefix is not reliable with quoted keys, so use the document start.
  return document;
}

SourceLocation SourceMap::KeyAt(const std::string& path) const {
  auto it = entries_.find(path);
  if (it != entries_.end() && it->second.key.line > 0) return Expand(it->second.key);
  return ValueAt(path);
}

std::map<std::string, SourceLocation> SourceMap::TakeValueLocations() && {
  std::map<std::string, SourceLocation> out;
  while (!entries_.empty()) {
    auto node = entries_.extract(entries_.begin());
    if (node.key().empty()) continue;
    const Entry& entry = node.mapped();
    out.emplace_hint(out.end(), std::move(node.key()),
                     Expand(entry.value.line > 0 ? entry.value : entry.key));
  }
  return out;
}

std::map<std::string, SourceLocation> SourceMap::ValueLocations() const {
  std::map<std::string, SourceLocation> out;
  for (const auto& [path, entry] : entries_) {
    if (path.empty()) continue;
    out.emplace_hint(out.end(), path, Expand(entry.value.line > 0 ? entry.value : entry.key));
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
  std::set<std::string> regions;  // every x-keyward-regions entry, canonical (for suggestions)

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
    // A $ref with siblings (a description, a patternErrorMessage for this use of a shared
    // definition) comes first, so its message overrides the definition's.
    if (node && node->is_object() && node->contains("$ref") && node->size() > 1)
      out->emplace_back(file, node);
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

  class Phraser;

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
    Json doc;
    try {
      doc = Json::parse(text);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, "schema " + name + " is not valid JSON", e.what());
    }
    auto prepared = PrepareForValijson(doc, name);
    if (!prepared) {
      return MakeError(ErrorCode::kInternal, "schema " + name + " does not compile",
                       prepared.error().message);
    }
    set->impl_->raw[name] = std::move(doc);
    QualifyRefs(*prepared, name);
    set->impl_->qualified[name] = std::move(*prepared);
  }
  const auto& qualified = set->impl_->qualified;
  auto fetch = [&qualified](const std::string& uri) -> const Json* {
    auto it = qualified.find(BaseName(uri));
    return it == qualified.end() ? nullptr : new Json(it->second);
  };
  auto free_doc = [](const Json* doc) { delete doc; };
  // One parser for the whole set, so each distinct pattern is compiled once (schema_keywords.h).
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  RegisterKeywardKeywords(parser);
  for (const auto& [name, doc] : qualified) {
    auto schema = std::make_unique<valijson::Schema>();
    try {
      NlohmannJsonAdapter adapter(doc);
      parser.populateSchema(adapter, *schema, fetch, free_doc);
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternal, "schema " + name + " does not compile", e.what());
    }
    set->impl_->compiled[name] = std::move(schema);
  }
  for (const auto& [name, doc] : set->impl_->raw) {
    for (std::string& region : ListedRegions(doc)) set->impl_->regions.insert(std::move(region));
  }
  return std::shared_ptr<const SchemaSet>(std::move(set));
}

bool IsOutputSchema(const std::string& file) {
  return file == "plan.schema.json" || file == "audit.schema.json";
}

const SchemaSet& SchemaSet::Embedded() {
  static const std::shared_ptr<const SchemaSet> embedded = [] {
    std::map<std::string, std::string> input;
    for (const auto& [name, text] : EmbeddedSchemas())
      if (!IsOutputSchema(name)) input.emplace(name, text);
    auto loaded = Load(input);
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
//
// valijson 1.0 reports each failed constraint as a context ("<root>", "[spec]", "[0]") and an
// English description; keyward's own keywords (schema_keywords.h) report a keyward:... tag.
// Descriptions are recognized by their opening words below, and schema_test.cc pins the message
// of every supported keyword, so a valijson upgrade that rewords one fails a test instead of
// silently changing what users read.

namespace {

// A document with more problems than this is probably not what the author meant to validate;
// the rest are counted, not listed.
constexpr size_t kMaxFindingsPerDocument = 50;
constexpr size_t kShownTextBytes = 60;

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

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

// Cuts `text` to at most `max` bytes on a UTF-8 character boundary, marking the cut with "...".
std::string Truncate(std::string text, size_t max = kShownTextBytes) {
  if (text.size() <= max) return text;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

// A value as JSON, shortened. Invalid UTF-8 is shown as U+FFFD here (only here: the document
// itself is never rewritten) rather than letting dump() throw.
std::string Show(const Json& value) {
  return Truncate(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string Quote(const std::string& text) {
  std::string shown;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown += kHex[(c >> 4) & 0xF];
      shown += kHex[c & 0xF];
    } else {
      shown += c;
    }
  }
  return "'" + Truncate(shown) + "'";
}

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
  // Suggestions are for typos; comparing a megabyte against every candidate helps nobody.
  if (word.size() > 64) return "";
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
      "Failed to validate against additional properties schema",
  };
  for (const char* prefix : kPrefixes) {
    if (StartsWith(description, prefix)) return true;
  }
  return false;
}

size_t CodePoints(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// "1 item", "3 items".
std::string Count(size_t n, const std::string& noun, const std::string& plural = "") {
  return std::to_string(n) + " " + (n == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

bool IsIndex(const std::string& token) {
  return !token.empty() && token.size() < 10 && std::all_of(token.begin(), token.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

// Turns valijson's errors for one document into keyward's diagnostics.
class SchemaSet::Impl::Phraser {
 public:
  Phraser(const Impl& impl, const std::string& file, const Json& document, const SourceMap& where,
          const SchemaValidateOptions& options)
      : impl_(impl), file_(file), document_(document), where_(where), options_(options) {}

  void Add(const valijson::ValidationResults::Error& error) {
    if (IsWrapper(error.description)) return;
    Site site = Locate(error.context);
    if (std::find(options_.suppress_paths.begin(), options_.suppress_paths.end(), site.path) !=
        options_.suppress_paths.end()) {
      suppressed_ = true;
      return;
    }
    Phrase(site, error.description);
  }

  void Report(Diagnostics* out) {
    if (findings_.empty() && !suppressed_) {
      // valijson said invalid but only produced wrapper errors; never let that pass silently.
      findings_.push_back({where_.document, "document does not match " + file_, "", false});
    }
    std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.location.line, a.location.column) <
             std::tie(b.location.line, b.location.column);
    });
    size_t shown = 0, hidden = 0;
    for (auto& finding : findings_) {
      if (type_error_paths_.count(finding.path) && !finding.type_error) continue;
      if (shown == kMaxFindingsPerDocument) {
        ++hidden;
        continue;
      }
      ++shown;
      out->Error(std::move(finding.location), std::move(finding.message));
    }
    if (hidden > 0) {
      out->Error(where_.document, std::to_string(hidden) +
                                      " more problems in this document are not listed; fix the "
                                      "ones above first");
    }
  }

 private:
  // The node an error is about: the context walked through the document and the schema side by
  // side, so array indexes and object keys are told apart by what the document holds, and so
  // the message can quote the schema's limits.
  struct Site {
    std::string path;
    std::string parent_path;
    std::string key;              // the last object key of the path; empty for items and root
    const Json* value = nullptr;  // null when the context leaves the document
    Candidates schema;            // schema nodes that apply to `value`
    Candidates parent_schema;
  };

  struct Finding {
    SourceLocation location;
    std::string message;
    std::string path;
    bool type_error = false;
  };

  Site Locate(const std::vector<std::string>& context) const {
    Site site;
    site.value = &document_;
    impl_.Expand(file_, &impl_.raw.at(file_), site.value, &site.schema);
    for (size_t i = 1; i < context.size(); ++i) {
      std::string token = context[i];
      if (token.size() >= 2 && token.front() == '[' && token.back() == ']')
        token = token.substr(1, token.size() - 2);
      site.parent_path = site.path;
      site.parent_schema = site.schema;
      const Json* value = site.value;
      if (value && value->is_array() && IsIndex(token)) {
        const size_t index = std::stoul(token);
        site.path = JoinFieldPath(site.path, index);
        site.key.clear();
        site.value = index < value->size() ? &(*value)[index] : nullptr;
        site.schema = impl_.Items(site.schema, site.value);
      } else {
        site.path = JoinFieldPath(site.path, token);
        site.key = token;
        site.value =
            (value && value->is_object() && value->contains(token)) ? &(*value)[token] : nullptr;
        site.schema = impl_.Member(site.schema, token, site.value);
      }
    }
    return site;
  }

  void Add(SourceLocation location, std::string message, const std::string& path,
           bool type_error = false) {
    if (seen_.emplace(location.ToString(), message).second)
      findings_.push_back({std::move(location), std::move(message), path, type_error});
  }

  static std::string PrefixOf(const std::string& path) { return path.empty() ? "" : path + ": "; }

  // The first limit of `keyword` among the schema nodes, as text.
  static std::string Limit(const Candidates& schema, const char* keyword) {
    const Json* node = With(schema, keyword);
    return node ? NumberText((*node)[keyword]) : "?";
  }

  void Phrase(const Site& site, const std::string& d) {
    const std::string prefix = PrefixOf(site.path);
    if (StartsWith(d, "Missing required property '")) return Required(site, d);
    if (d == kPropertyNameMismatch) return PropertyName(site);
    if (!site.value) return Add(where_.ValueAt(site.path), prefix + d, site.path);
    const Json& value = *site.value;
    const SourceLocation at = where_.ValueAt(site.path);
    if (StartsWith(d, "Object contains a property that could not be validated") &&
        value.is_object() && UnknownFields(site))
      return;
    if (StartsWith(d, "Value type not permitted")) return Type(site);
    if (StartsWith(d, kDuplicateItems)) return Duplicate(site, d);
    std::string message;
    if (StartsWith(d, "Expected number greater than")) {
      message = NumberText(value) + " is less than the minimum " + Limit(site.schema, "minimum");
    } else if (StartsWith(d, "Expected number less than")) {
      message = NumberText(value) + " is greater than the maximum " + Limit(site.schema, "maximum");
    } else if (const Json* listed = With(site.schema, "enum");
               StartsWith(d, "Failed to match against any enum values") && listed) {
      std::vector<std::string> options;
      for (const auto& option : (*listed)["enum"])
        options.push_back(option.is_string() ? option.get<std::string>() : option.dump());
      message = Show(value) + " is not one of: " + JoinList(options);
    } else if (const Json* fixed = With(site.schema, "const");
               StartsWith(d, "Failed to match expected value set by 'const'") && fixed) {
      const Json& expected = (*fixed)["const"];
      message = Show(value) + " must be " +
                (expected.is_string() ? expected.get<std::string>() : expected.dump());
    } else if (d == kPatternMismatch) {
      const Json* custom = With(site.schema, "patternErrorMessage");
      message = Show(value) + " " + PatternProblem(custom ? custom : With(site.schema, "pattern"));
    } else if (d == kUnknownRegion) {
      message = Region(value);
    } else if (StartsWith(d, "String should be no fewer than") && value.is_string()) {
      message = value.get<std::string>().empty()
                    ? "must not be empty"
                    : Show(value) + " is shorter than the minimum of " +
                          Limit(site.schema, "minLength") + " characters";
    } else if (StartsWith(d, "String should be no more than") && value.is_string()) {
      message = "is " + std::to_string(CodePoints(value.get<std::string>())) +
                " characters long, more than the maximum of " + Limit(site.schema, "maxLength");
    } else if (StartsWith(d, "Array should contain no fewer than") && value.is_array()) {
      message = value.empty() ? "must not be empty"
                              : "has " + Count(value.size(), "item") +
                                    ", fewer than the minimum of " + Limit(site.schema, "minItems");
    } else if (StartsWith(d, "Array should contain no more than") && value.is_array()) {
      message = "has " + Count(value.size(), "item") + ", more than the maximum of " +
                Limit(site.schema, "maxItems");
    } else if (StartsWith(d, "Object should have no fewer than") && value.is_object()) {
      message = value.empty()
                    ? "must not be empty"
                    : "has " + Count(value.size(), "entry", "entries") +
                          ", fewer than the minimum of " + Limit(site.schema, "minProperties");
    } else if (StartsWith(d, "Object should have no more than") && value.is_object()) {
      message = "has " + Count(value.size(), "entry", "entries") + ", more than the maximum of " +
                Limit(site.schema, "maxProperties");
    } else {
      // A keyword without a mapping (schema_test.cc proves the embedded schemas use none).
      message = d;
    }
    Add(at, prefix + message, site.path);
  }

  void Required(const Site& site, const std::string& d) {
    const size_t start = d.find('\'') + 1;
    const std::string field = d.substr(start, d.rfind('\'') - start);
    std::string message = PrefixOf(site.path) + "missing required field " + Quote(field);
    auto hint = options_.missing_hints.find(JoinFieldPath(site.path, field));
    if (hint != options_.missing_hints.end()) message += " (" + hint->second + ")";
    Add(site.path.empty() ? where_.document : where_.KeyAt(site.path), message, site.path);
  }

  // valijson names only the first unknown key; report every one, each at its own key.
  bool UnknownFields(const Site& site) {
    std::set<std::string> allowed_set;
    for (const auto& [unused, node] : site.schema) {
      auto props = node->find("properties");
      if (props == node->end() || !props->is_object()) continue;
      for (auto it = props->begin(); it != props->end(); ++it) allowed_set.insert(it.key());
    }
    const std::vector<std::string> allowed(allowed_set.begin(), allowed_set.end());
    bool any = false;
    for (auto it = site.value->begin(); it != site.value->end(); ++it) {
      if (allowed_set.count(it.key())) continue;
      any = true;
      std::string message = PrefixOf(site.path) + "unknown field " + Quote(it.key());
      const std::string suggestion = Closest(it.key(), allowed);
      if (!suggestion.empty()) message += ", did you mean " + Quote(suggestion) + "?";
      if (!allowed.empty()) message += " (allowed: " + JoinList(allowed) + ")";
      Add(where_.KeyAt(JoinFieldPath(site.path, it.key())), message, site.path);
    }
    return any;
  }

  void Type(const Site& site) {
    const Json& value = *site.value;
    // Every type any applicable node allows (anyOf lists several).
    std::vector<std::string> expected;
    auto allow = [&expected](const Json& type) {
      if (!type.is_string()) return;
      const std::string name = SchemaTypeName(type.get<std::string>());
      if (std::find(expected.begin(), expected.end(), name) == expected.end())
        expected.push_back(name);
    };
    for (const auto& [unused, node] : site.schema) {
      auto type = node->find("type");
      if (type == node->end()) continue;
      if (type->is_array()) {
        for (const auto& t : *type) allow(t);
      } else {
        allow(*type);
      }
    }
    // Under anyOf, a branch of another type reports its type error even when the value has a
    // type some other branch allows (and fails there for another reason, reported by itself).
    const std::string actual = TypeOf(value);
    for (const std::string& name : expected) {
      if (name == "a " + actual || name == "an " + actual || name == actual ||
          (name == "a number" && actual == "integer"))
        return;
    }
    std::string alternatives;
    for (size_t i = 0; i < expected.size(); ++i)
      alternatives += (i == 0 ? "" : i + 1 == expected.size() ? " or " : ", ") + expected[i];
    std::string message =
        PrefixOf(site.path) + "expected " + (expected.empty() ? "another type" : alternatives) +
        ", got " + TypeOf(value) +
        (value.is_object() || value.is_array() || value.is_null() ? "" : " " + Show(value));
    if (!expected.empty() && expected[0] == "a boolean" && LooksLikeYaml11Bool(value)) {
      message += " (keyward reads YAML 1.2: write true or false, unquoted)";
    } else if (value.is_string() && !expected.empty() &&
               (expected[0] == "an integer" || expected[0] == "a number")) {
      message += " (remove the quotes to write a number)";
    }
    type_error_paths_.insert(site.path);
    Add(where_.ValueAt(site.path), message, site.path, true);
  }

  static std::string PatternProblem(const Json* node) {
    if (!node) return "does not match its pattern";
    auto custom = node->find("patternErrorMessage");
    if (custom != node->end() && custom->is_string()) return custom->get<std::string>();
    auto pattern = node->find("pattern");
    if (pattern != node->end() && pattern->is_string())
      return "does not match the pattern " + pattern->get<std::string>();
    return "does not match its pattern";
  }

  // `site` is the offending key of an object whose schema has propertyNames.
  void PropertyName(const Site& site) {
    const Json* owner = With(site.parent_schema, "propertyNames");
    const Json* rule = owner ? &(*owner)["propertyNames"] : nullptr;
    std::string problem = PatternProblem(rule && rule->contains("pattern") ? rule : nullptr);
    const size_t length = CodePoints(site.key);
    if (rule && rule->contains("maxLength") && length > (*rule)["maxLength"].get<size_t>()) {
      problem = "is " + std::to_string(length) + " characters long, more than the maximum of " +
                NumberText((*rule)["maxLength"]);
    } else if (rule && rule->contains("minLength") && length < (*rule)["minLength"].get<size_t>()) {
      problem =
          "is shorter than the minimum of " + NumberText((*rule)["minLength"]) + " characters";
    }
    Add(where_.KeyAt(site.path),
        PrefixOf(site.parent_path) + "key " + Quote(site.key) + " " + problem, site.path);
  }

  void Duplicate(const Site& site, const std::string& d) {
    // "keyward:uniqueItems:<first>:<repeat>"
    const size_t second_colon = d.rfind(':');
    const size_t first_colon = d.rfind(':', second_colon - 1);
    const std::string first = d.substr(first_colon + 1, second_colon - first_colon - 1);
    const std::string repeat = d.substr(second_colon + 1);
    const size_t index = std::stoul(repeat);
    const Json* item = index < site.value->size() ? &(*site.value)[index] : nullptr;
    Add(where_.ValueAt(JoinFieldPath(site.path, index)),
        PrefixOf(site.path) + "item " + repeat + (item ? " " + Show(*item) : "") +
            " repeats item " + first + "; list each value once",
        site.path);
  }

  std::string Region(const Json& value) const {
    std::string message = Show(value) + " is not an Azure region keyward knows";
    const std::vector<std::string> known(impl_.regions.begin(), impl_.regions.end());
    const std::string suggestion =
        value.is_string() ? Closest(CanonicalRegion(value.get<std::string>()), known) : "";
    if (!suggestion.empty()) message += "; did you mean " + Quote(suggestion) + "?";
    return message + " (a region newer than keyward: list it under extraRegions in keyward.yaml)";
  }

  const Impl& impl_;
  const std::string& file_;
  const Json& document_;
  const SourceMap& where_;
  const SchemaValidateOptions& options_;
  std::vector<Finding> findings_;
  std::set<std::pair<std::string, std::string>> seen_;  // (location, message)
  std::set<std::string> type_error_paths_;  // a wrong type also fails enum / const: say it once
  bool suppressed_ = false;
};

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
  try {
    // A Validator holds only valijson's std::regex cache, which keyward's schemas never fill
    // (schema_keywords.h), so making one per document costs nothing; what is expensive (patterns,
    // the compiled schema) was built once in Load.
    ScopedExtraRegions regions(&options.extra_regions);
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    NlohmannJsonAdapter target(document);
    if (validator.validate(*compiled->second, target, &results)) return true;
  } catch (const std::exception& e) {
    out->Error(where.document, std::string("internal error while validating: ") + e.what());
    return false;
  }
  Impl::Phraser phraser(*impl_, file, document, where, options);
  valijson::ValidationResults::Error error;
  while (results.popError(error)) phraser.Add(error);
  phraser.Report(out);
  return false;
}

}  // namespace keyward::engine
