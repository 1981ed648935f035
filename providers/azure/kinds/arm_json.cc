#include "providers/azure/kinds/arm_json.h"

#include <cctype>

#include "engine/diff.h"
#include "engine/resource.h"

namespace keyward::azure {

using engine::FieldChange;

std::string Lower(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

// Without copies: planning compares keys case-insensitively thousands of times per vault.
bool IEquals(const std::string& a, const std::string& b) { return engine::EqualsIgnoreCase(a, b); }

std::string CanonicalLocation(const std::string& location) {
  return engine::NormalizeLocation(location);
}

const Json* FindKey(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto exact = object.find(key);
  if (exact != object.end()) return &*exact;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (IEquals(it.key(), key)) return &it.value();
  }
  return nullptr;
}

std::string StringAt(const Json& object, const std::string& key) {
  const Json* value = FindKey(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

const Json& PropertyOf(const Json& body, const std::string& name) {
  static const Json kNull;
  if (!body.is_object() || !body.contains("properties")) return kNull;
  const Json* value = FindKey(body["properties"], name);
  return value ? *value : kNull;
}

std::string ShowValue(const Json& value) {
  if (value.is_null()) return "(unset)";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string FingerprintOfJson(const Json& normalized) {
  return normalized.is_null() ? std::string() : engine::FingerprintOf(normalized);
}

Json DesiredTags(const Json& spec, const Json& live_tags, const std::string& stack) {
  Json tags = Json::object();
  const Json* user = FindKey(spec, "tags");
  if (user && user->is_object()) {
    for (auto it = user->begin(); it != user->end(); ++it) {
      tags[it.key()] = it.value().is_string() ? it.value() : Json(it.value().dump());
    }
  } else if (live_tags.is_object()) {
    tags = live_tags;  // unmanaged: preserved as they are
  }
  // Drop any differently-cased spelling of the ownership tag before setting it.
  for (auto it = tags.begin(); it != tags.end();) {
    if (IEquals(it.key(), kStackTag) && it.key() != kStackTag) {
      it = tags.erase(it);
    } else {
      ++it;
    }
  }
  if (!stack.empty()) {
    tags[kStackTag] = stack;
  } else if (const Json* owner = live_tags.is_object() ? FindKey(live_tags, kStackTag) : nullptr) {
    // Unowned mode (no stack) never touches ownership: another stack's tag stays.
    tags[kStackTag] = *owner;
  }
  return tags;
}

void DiffTags(const Json& before, const Json& after, std::vector<FieldChange>* out) {
  const Json empty = Json::object();
  const Json& b = before.is_object() ? before : empty;
  const Json& a = after.is_object() ? after : empty;
  for (auto it = a.begin(); it != a.end(); ++it) {
    const Json* have = FindKey(b, it.key());
    if (!have || *have != it.value()) {
      out->push_back({engine::JoinPath("tags", it.key()), have ? *have : Json(), it.value()});
    }
  }
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (!FindKey(a, it.key()))
      out->push_back({engine::JoinPath("tags", it.key()), it.value(), Json()});
  }
}

std::string StackTagOf(const Json& live) {
  if (!live.is_object()) return "";
  const Json* tags = FindKey(live, "tags");
  if (!tags) return "";
  const Json* value = FindKey(*tags, kStackTag);
  return value && value->is_string() ? value->get<std::string>() : "";
}

std::string ArmIdSegment(const std::string& arm_id, const std::string& marker) {
  const std::string lower = Lower(arm_id);
  const std::string needle = "/" + Lower(marker) + "/";
  const size_t pos = lower.find(needle);
  if (pos == std::string::npos) return "";
  const size_t start = pos + needle.size();
  const size_t end = arm_id.find('/', start);
  return arm_id.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

void DiffManagedTags(const Json& desired, const Json& live, std::vector<FieldChange>* out) {
  if (!desired.is_object() || !desired.contains("tags")) return;
  const Json* live_tags = live.is_object() ? FindKey(live, "tags") : nullptr;
  DiffTags(live_tags ? *live_tags : Json(), desired["tags"], out);
}

}  // namespace keyward::azure
