#include "engine/schema_keywords.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>

namespace keyward::engine {

namespace {

using valijson::ValidationResults;
using valijson::adapters::Adapter;
using valijson::constraints::Constraint;
using valijson::constraints::PolyConstraint;

// The names the rewritten keywords carry in the copy valijson compiles.
constexpr char kPatternKeyword[] = "x-keyward-pattern";
constexpr char kPropertyNamesKeyword[] = "x-keyward-propertyNames";
constexpr char kUniqueItemsKeyword[] = "x-keyward-uniqueItems";
constexpr char kRegionsKeyword[] = "x-keyward-regions";

thread_local const std::vector<std::string>* t_extra_regions = nullptr;

// Unicode code points in UTF-8 text (what JSON Schema's lengths count).
size_t CodePoints(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// One regular expression per distinct pattern text, shared by every schema of the set.
class PatternCache {
 public:
  std::shared_ptr<const re2::RE2> Get(const std::string& pattern) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = compiled_[pattern];
    if (!slot) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_shared<const re2::RE2>(pattern, options);
      if (!re->ok())
        throw std::runtime_error("pattern " + pattern + " cannot run in RE2: " + re->error());
      slot = std::move(re);
    }
    return slot;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const re2::RE2>> compiled_;
};

// valijson copies constraints into the schema by placement into memory it allocates.
template <class Derived>
class KeywardConstraint : public PolyConstraint {
 private:
  Constraint* cloneInto(void* memory) const override {
    return new (memory) Derived(static_cast<const Derived&>(*this));
  }
  size_t sizeOf() const override { return sizeof(Derived); }
};

class PatternConstraint : public KeywardConstraint<PatternConstraint> {
 public:
  explicit PatternConstraint(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}

  bool validate(const Adapter& target, const std::vector<std::string>& context,
                ValidationResults* results) const override {
    // Only strings have patterns; a value of another type is the `type` keyword's error.
    if (!target.isString()) return true;
    if (re2::RE2::PartialMatch(target.getString(), *re_)) return true;
    if (results) results->pushError(context, kPatternMismatch);
    return false;
  }

 private:
  std::shared_ptr<const re2::RE2> re_;
};

class PropertyNamesConstraint : public KeywardConstraint<PropertyNamesConstraint> {
 public:
  PropertyNamesConstraint(std::shared_ptr<const re2::RE2> re, size_t min_length, size_t max_length)
      : re_(std::move(re)), min_length_(min_length), max_length_(max_length) {}

  bool validate(const Adapter& target, const std::vector<std::string>& context,
                ValidationResults* results) const override {
    if (!target.isObject()) return true;
    bool valid = true;
    target.applyToObject([&](const std::string& key, const Adapter&) {
      const size_t length = CodePoints(key);
      if (length >= min_length_ && length <= max_length_ &&
          (!re_ || re2::RE2::PartialMatch(key, *re_)))
        return true;
      valid = false;
      if (!results) return false;
      std::vector<std::string> at = context;
      at.push_back("[" + key + "]");
      results->pushError(at, kPropertyNameMismatch);
      return true;
    });
    return valid;
  }

 private:
  std::shared_ptr<const re2::RE2> re_;  // null: no pattern
  size_t min_length_;
  size_t max_length_;
};

// A text that is equal for equal JSON values (strict types), for hashing list items.
void AppendCanonical(const Adapter& value, std::string* out) {
  if (value.isString()) {
    out->append("s").append(std::to_string(value.getString().size())).append(":");
    out->append(value.getString());
  } else if (value.isInteger()) {
    out->append("i").append(std::to_string(value.getInteger())).append(";");
  } else if (value.isDouble()) {
    out->append("d").append(std::to_string(value.getDouble())).append(";");
  } else if (value.isBool()) {
    out->append(value.getBool() ? "T" : "F");
  } else if (value.isNull()) {
    out->append("N");
  } else if (value.isArray()) {
    out->append("[");
    value.applyToArray([out](const Adapter& item) {
      AppendCanonical(item, out);
      return true;
    });
    out->append("]");
  } else if (value.isObject()) {
    std::map<std::string, std::string> members;  // sorted: member order does not matter
    value.applyToObject([&members](const std::string& key, const Adapter& member) {
      AppendCanonical(member, &members[key]);
      return true;
    });
    out->append("{");
    for (const auto& [key, text] : members) {
      out->append(std::to_string(key.size())).append(":").append(key).append(text);
    }
    out->append("}");
  }
}

class UniqueItemsConstraint : public KeywardConstraint<UniqueItemsConstraint> {
 public:
  explicit UniqueItemsConstraint(size_t max_items) : max_items_(max_items) {}

  bool validate(const Adapter& target, const std::vector<std::string>& context,
                ValidationResults* results) const override {
    if (!target.isArray()) return true;
    // Over maxItems, `maxItems` reports the list; comparing its items would cost without bound.
    if (target.getArraySize() > max_items_) return true;
    std::unordered_map<std::string, size_t> first_index;
    size_t index = 0;
    bool valid = true;
    target.applyToArray([&](const Adapter& item) {
      std::string text;
      AppendCanonical(item, &text);
      auto [it, inserted] = first_index.emplace(std::move(text), index);
      if (!inserted) {
        valid = false;
        if (results) {
          results->pushError(context, std::string(kDuplicateItems) + ":" +
                                          std::to_string(it->second) + ":" + std::to_string(index));
        }
      }
      ++index;
      return true;
    });
    return valid;
  }

 private:
  size_t max_items_;
};

class RegionConstraint : public KeywardConstraint<RegionConstraint> {
 public:
  explicit RegionConstraint(std::shared_ptr<const std::set<std::string>> regions)
      : regions_(std::move(regions)) {}

  bool validate(const Adapter& target, const std::vector<std::string>& context,
                ValidationResults* results) const override {
    if (!target.isString()) return true;
    const std::string region = CanonicalRegion(target.getString());
    if (regions_->count(region)) return true;
    if (t_extra_regions) {
      for (const std::string& extra : *t_extra_regions) {
        if (CanonicalRegion(extra) == region) return true;
      }
    }
    if (results) results->pushError(context, kUnknownRegion);
    return false;
  }

 private:
  std::shared_ptr<const std::set<std::string>> regions_;
};

// The builders read the keyword values PrepareForValijson wrote, through valijson's adapter.
class PatternBuilder : public valijson::ConstraintBuilder {
 public:
  explicit PatternBuilder(std::shared_ptr<PatternCache> cache) : cache_(std::move(cache)) {}
  Constraint* make(const Adapter& value) const override {
    return new PatternConstraint(cache_->Get(value.asString()));
  }

 private:
  std::shared_ptr<PatternCache> cache_;
};

class PropertyNamesBuilder : public valijson::ConstraintBuilder {
 public:
  explicit PropertyNamesBuilder(std::shared_ptr<PatternCache> cache) : cache_(std::move(cache)) {}
  Constraint* make(const Adapter& value) const override {
    std::shared_ptr<const re2::RE2> re;
    size_t min_length = 0, max_length = SIZE_MAX;
    value.applyToObject([&](const std::string& key, const Adapter& member) {
      if (key == "pattern") re = cache_->Get(member.asString());
      if (key == "minLength") min_length = static_cast<size_t>(member.asInteger());
      if (key == "maxLength") max_length = static_cast<size_t>(member.asInteger());
      return true;
    });
    return new PropertyNamesConstraint(std::move(re), min_length, max_length);
  }

 private:
  std::shared_ptr<PatternCache> cache_;
};

class UniqueItemsBuilder : public valijson::ConstraintBuilder {
 public:
  Constraint* make(const Adapter& value) const override {
    return new UniqueItemsConstraint(static_cast<size_t>(value.asInteger()));
  }
};

class RegionsBuilder : public valijson::ConstraintBuilder {
 public:
  Constraint* make(const Adapter& value) const override {
    auto regions = std::make_shared<std::set<std::string>>();
    value.applyToArray([&regions](const Adapter& item) {
      regions->insert(CanonicalRegion(item.asString()));
      return true;
    });
    return new RegionConstraint(std::move(regions));
  }
};

// ---------------------------------------------------------------------------------------------
// Rewriting a schema for valijson

bool IsSchemaMap(const std::string& keyword) {
  return keyword == "properties" || keyword == "definitions";
}
bool IsSubschema(const std::string& keyword) {
  return keyword == "additionalProperties" || keyword == "if" || keyword == "then";
}
bool IsSchemaList(const std::string& keyword) { return keyword == "allOf" || keyword == "anyOf"; }

class Preparer {
 public:
  explicit Preparer(std::string file) : file_(std::move(file)) {}

  // Returns false (with error()) on the first unsupported construct.
  bool Prepare(Json& schema, const std::string& where) {
    if (schema.is_boolean()) return true;
    if (!schema.is_object()) return Fail(where, "a schema must be an object or a boolean");
    Json out = Json::object();
    for (auto it = schema.begin(); it != schema.end(); ++it) {
      const std::string& keyword = it.key();
      Json value = it.value();
      const std::string at = where + "/" + keyword;
      if (!SupportedSchemaKeywords().count(keyword))
        return Fail(at, "keyword '" + keyword + "' is not supported by keyward's validator");
      if (IsSchemaMap(keyword)) {
        if (!value.is_object()) return Fail(at, "must be an object of schemas");
        for (auto member = value.begin(); member != value.end(); ++member) {
          if (!Prepare(member.value(), at + "/" + member.key())) return false;
        }
      } else if (IsSubschema(keyword) || (keyword == "items" && !value.is_array())) {
        if (!Prepare(value, at)) return false;
      } else if (IsSchemaList(keyword) || keyword == "items") {
        if (!value.is_array()) return Fail(at, "must be a list of schemas");
        for (size_t i = 0; i < value.size(); ++i) {
          if (!Prepare(value[i], at + "/" + std::to_string(i))) return false;
        }
      } else if (keyword == "pattern") {
        if (!value.is_string()) return Fail(at, "must be a string");
        out[kPatternKeyword] = std::move(value);
        continue;
      } else if (keyword == "propertyNames") {
        if (!PropertyNames(value, at)) return false;
        out[kPropertyNamesKeyword] = std::move(value);
        continue;
      } else if (keyword == "uniqueItems") {
        if (value != true) continue;
        auto max = schema.find("maxItems");
        if (max == schema.end() || !max->is_number_unsigned())
          return Fail(at, "uniqueItems needs a maxItems beside it (it bounds the check)");
        out[kUniqueItemsKeyword] = *max;
        continue;
      } else if (keyword == "format") {
        continue;  // annotation only (see schema_keywords.h)
      } else if (keyword == kRegionsKeyword) {
        if (!value.is_array() || value.empty()) return Fail(at, "must be a list of region names");
        for (const Json& region : value) {
          if (!region.is_string()) return Fail(at, "must be a list of region names");
        }
      }
      out[keyword] = std::move(value);
    }
    schema = std::move(out);
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool PropertyNames(const Json& value, const std::string& at) {
    if (!value.is_object()) return Fail(at, "must be an object");
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& keyword = it.key();
      if (keyword == "pattern" && it->is_string()) continue;
      if ((keyword == "minLength" || keyword == "maxLength") && it->is_number_unsigned()) continue;
      if (keyword == "patternErrorMessage" || keyword == "description") continue;
      return Fail(at, "propertyNames supports pattern, minLength and maxLength only");
    }
    return true;
  }

  bool Fail(const std::string& where, const std::string& message) {
    error_ = file_ + "#" + where + ": " + message;
    return false;
  }

  std::string file_;
  std::string error_;
};

void CollectRegions(const Json& node, std::set<std::string>* out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == kRegionsKeyword && it->is_array()) {
        for (const Json& region : *it) {
          if (region.is_string()) out->insert(CanonicalRegion(region.get<std::string>()));
        }
      } else {
        CollectRegions(*it, out);
      }
    }
  } else if (node.is_array()) {
    for (const Json& item : node) CollectRegions(item, out);
  }
}

}  // namespace

const std::set<std::string>& SupportedSchemaKeywords() {
  static const std::set<std::string> keywords = {
      // structure
      "$schema", "$id", "$ref", "definitions", "type", "properties", "additionalProperties",
      "required", "items", "allOf", "anyOf", "if", "then",
      // values
      "enum", "const", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems",
      "maxItems", "uniqueItems", "minProperties", "maxProperties", "propertyNames", kRegionsKeyword,
      // annotations (no effect on validity)
      "title", "description", "examples", "default", "format", "patternErrorMessage", "$comment"};
  return keywords;
}

Result<Json> PrepareForValijson(const Json& schema, const std::string& file) {
  Json out = schema;
  Preparer preparer(file);
  if (!preparer.Prepare(out, "")) return MakeError(ErrorCode::kInternal, preparer.error());
  return out;
}

void RegisterKeywardKeywords(valijson::SchemaParser& parser) {
  auto cache = std::make_shared<PatternCache>();
  parser.addConstraintBuilder(kPatternKeyword, new PatternBuilder(cache));
  parser.addConstraintBuilder(kPropertyNamesKeyword, new PropertyNamesBuilder(cache));
  parser.addConstraintBuilder(kUniqueItemsKeyword, new UniqueItemsBuilder());
  parser.addConstraintBuilder(kRegionsKeyword, new RegionsBuilder());
}

std::string CanonicalRegion(std::string_view region) {
  std::string out;
  out.reserve(region.size());
  for (char c : region) {
    if (c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> ListedRegions(const Json& schema) {
  std::set<std::string> regions;
  CollectRegions(schema, &regions);
  return {regions.begin(), regions.end()};
}

ScopedExtraRegions::ScopedExtraRegions(const std::vector<std::string>* extra)
    : previous_(t_extra_regions) {
  t_extra_regions = extra;
}

ScopedExtraRegions::~ScopedExtraRegions() { t_extra_regions = previous_; }

}  // namespace keyward::engine
