#include "engine/diff.h"

#include <openssl/evp.h>

#include <cstdint>
#include <optional>

#include "engine/exact_match.h"

namespace keyward::engine {
namespace {

struct Segment {
  enum Type { kKey, kIndex, kAnyKey, kAnyIndex, kDeep };
  Type type = kKey;
  std::string key;
  size_t index = 0;
};

using Segments = std::vector<Segment>;

// Parses the syntax documented in diff.h. Wildcards are only accepted when `pattern` is true.
std::optional<Segments> ParsePath(std::string_view s, bool pattern) {
  Segments out;
  size_t i = 0;
  bool need_key = false;  // just consumed a '.'
  while (i < s.size()) {
    if (s[i] == '[') {
      if (need_key) return std::nullopt;
      size_t close;
      if (i + 1 < s.size() && s[i + 1] == '"') {
        size_t j = i + 2;
        while (j < s.size() && s[j] != '"') j += (s[j] == '\\') ? 2 : 1;
        if (j + 1 >= s.size() || s[j + 1] != ']') return std::nullopt;
        try {
          out.push_back({Segment::kKey, Json::parse(s.substr(i + 1, j - i)).get<std::string>(), 0});
        } catch (const Json::exception&) {
          return std::nullopt;
        }
        close = j + 1;
      } else {
        close = s.find(']', i);
        if (close == std::string_view::npos || close == i + 1) return std::nullopt;
        std::string_view body = s.substr(i + 1, close - i - 1);
        if (body == "*") {
          if (!pattern) return std::nullopt;
          out.push_back({Segment::kAnyIndex, {}, 0});
        } else {
          size_t index = 0;
          for (char c : body) {
            if (c < '0' || c > '9') return std::nullopt;
            index = index * 10 + static_cast<size_t>(c - '0');
          }
          out.push_back({Segment::kIndex, {}, index});
        }
      }
      i = close + 1;
      continue;
    }
    if (s[i] == '.') {
      if (out.empty() || need_key) return std::nullopt;
      need_key = true;
      ++i;
      continue;
    }
    if (!out.empty() && !need_key) return std::nullopt;  // "a[0]b"
    size_t end = i;
    while (end < s.size() && s[end] != '.' && s[end] != '[') ++end;
    std::string key(s.substr(i, end - i));
    if (pattern && key == "*") {
      out.push_back({Segment::kAnyKey, {}, 0});
    } else if (pattern && key == "**") {
      out.push_back({Segment::kDeep, {}, 0});
    } else {
      out.push_back({Segment::kKey, std::move(key), 0});
    }
    need_key = false;
    i = end;
  }
  if (need_key) return std::nullopt;
  return out;
}

bool MatchFrom(const Segments& p, size_t pi, const Segments& q, size_t qi, bool prefix) {
  if (pi == p.size()) return prefix || qi == q.size();
  if (p[pi].type == Segment::kDeep)
    return MatchFrom(p, pi + 1, q, qi, prefix) ||
           (qi < q.size() && MatchFrom(p, pi, q, qi + 1, prefix));
  if (qi == q.size()) return false;
  const Segment& a = p[pi];
  const Segment& b = q[qi];
  bool ok = false;
  switch (a.type) {
    case Segment::kKey:
      ok = b.type == Segment::kKey && a.key == b.key;
      break;
    case Segment::kIndex:
      ok = b.type == Segment::kIndex && a.index == b.index;
      break;
    case Segment::kAnyKey:
      ok = b.type == Segment::kKey;
      break;
    case Segment::kAnyIndex:
      ok = b.type == Segment::kIndex;
      break;
    case Segment::kDeep:
      break;
  }
  return ok && MatchFrom(p, pi + 1, q, qi + 1, prefix);
}

std::vector<Segments> Compile(const std::vector<std::string>& patterns) {
  std::vector<Segments> out;
  for (const auto& p : patterns)
    if (auto parsed = ParsePath(p, /*pattern=*/true)) out.push_back(std::move(*parsed));
  return out;
}

bool AnyMatch(const std::vector<Segments>& patterns, const Segments& path, bool prefix) {
  for (const auto& p : patterns)
    if (MatchFrom(p, 0, path, 0, prefix)) return true;
  return false;
}

bool NeedsQuoting(const std::string& key) {
  if (key.empty() || key == "**") return true;
  for (char c : key)
    if (c == '.' || c == '[' || c == ']' || c == '"' || c == '*') return true;
  return false;
}

// The diff walk. Carries the concrete path both as segments (for rule matching) and as text
// (for reporting), so no path is parsed twice.
class Differ {
 public:
  explicit Differ(const DiffRules& rules)
      : case_insensitive_(Compile(rules.case_insensitive_paths)),
        sets_(Compile(rules.set_paths)),
        ignored_(Compile(rules.ignored_paths)) {}

  void Diff(const Json& desired, const Json& live, Segments& path, const std::string& text,
            std::vector<FieldChange>* out) const {
    if (desired.is_null()) return;  // not managed
    if (AnyMatch(ignored_, path, /*prefix=*/true)) return;
    if (desired.is_object()) {
      if (!live.is_null() && !live.is_object()) {
        out->push_back({text, live, desired});
        return;
      }
      for (const auto& [key, value] : desired.items()) {
        const Json* sub = nullptr;
        if (live.is_object()) {
          auto it = live.find(key);
          if (it != live.end()) sub = &*it;
        }
        path.push_back({Segment::kKey, key, 0});
        Diff(value, sub ? *sub : kNull, path, JoinPath(text, key), out);
        path.pop_back();
      }
      return;
    }
    if (desired.is_array()) {
      if (!live.is_array()) {
        out->push_back({text, live, desired});
        return;
      }
      if (AnyMatch(sets_, path, /*prefix=*/false)) {
        if (!SetEqual(desired, live, path)) out->push_back({text, live, desired});
        return;
      }
      // Ordered: element by element when the shapes line up (precise paths for the reader),
      // else the whole array (indexes mean nothing across an insertion).
      if (desired.size() != live.size()) {
        out->push_back({text, live, desired});
        return;
      }
      for (size_t i = 0; i < desired.size(); ++i) {
        path.push_back({Segment::kIndex, {}, i});
        if (desired[i].is_null() && !live[i].is_null()) {
          out->push_back({JoinIndex(text, i), live[i], desired[i]});
        } else {
          Diff(desired[i], live[i], path, JoinIndex(text, i), out);
        }
        path.pop_back();
      }
      return;
    }
    if (!ScalarEqual(desired, live, AnyMatch(case_insensitive_, path, /*prefix=*/true)))
      out->push_back({text, live, desired});
  }

 private:
  static inline const Json kNull = nullptr;

  bool Matches(const Json& desired, const Json& live, Segments& path) const {
    std::vector<FieldChange> changes;
    Diff(desired, live, path, {}, &changes);
    return changes.empty();
  }

  // Multiset equality. Greedy matching is exact when elements are fully specified (the usual
  // case: ipRules, permission names); with partially specified object elements it can, in rare
  // overlapping cases, report drift that a perfect matching would not.
  bool SetEqual(const Json& desired, const Json& live, Segments& path) const {
    if (desired.size() != live.size()) return false;
    std::vector<bool> used(live.size(), false);
    for (size_t i = 0; i < desired.size(); ++i) {
      bool found = false;
      path.push_back({Segment::kIndex, {}, i});
      for (size_t j = 0; j < live.size() && !found; ++j) {
        if (used[j]) continue;
        const bool ok =
            desired[i].is_null() ? live[j].is_null() : Matches(desired[i], live[j], path);
        if (ok) used[j] = found = true;
      }
      path.pop_back();
      if (!found) return false;
    }
    return true;
  }

  static bool ScalarEqual(const Json& a, const Json& b, bool case_insensitive) {
    if (a.is_number() && b.is_number()) {
      if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
      if (a.is_number_unsigned() && b.is_number_unsigned())
        return a.get<uint64_t>() == b.get<uint64_t>();
      if (a.is_number_unsigned() || b.is_number_unsigned()) {
        // One side is a signed integer: equal only when both are non-negative and agree.
        const Json& s = a.is_number_unsigned() ? b : a;
        const Json& u = a.is_number_unsigned() ? a : b;
        return s.get<int64_t>() >= 0 &&
               static_cast<uint64_t>(s.get<int64_t>()) == u.get<uint64_t>();
      }
      return a.get<int64_t>() == b.get<int64_t>();
    }
    if (a.is_string() && b.is_string())
      return case_insensitive ? EqualsIgnoreCase(a.get_ref<const std::string&>(),
                                                 b.get_ref<const std::string&>())
                              : a == b;
    return a == b;
  }

  std::vector<Segments> case_insensitive_;
  std::vector<Segments> sets_;
  std::vector<Segments> ignored_;
};

}  // namespace

std::vector<FieldChange> DiffManagedFields(const Json& desired, const Json& live,
                                           const DiffRules& rules) {
  std::vector<FieldChange> out;
  // The steady state: nothing to report, found without building a path or compiling the rules.
  if (ManagedFieldsMatchExactly(desired, live)) return out;
  Segments path;
  Differ(rules).Diff(desired, live, path, {}, &out);
  return out;
}

bool PathMatches(std::string_view pattern, std::string_view path) {
  auto p = ParsePath(pattern, true);
  auto q = ParsePath(path, false);
  return p && q && MatchFrom(*p, 0, *q, 0, /*prefix=*/false);
}

bool PathCovers(std::string_view pattern, std::string_view path) {
  auto p = ParsePath(pattern, true);
  auto q = ParsePath(path, false);
  return p && q && MatchFrom(*p, 0, *q, 0, /*prefix=*/true);
}

std::string JoinPath(const std::string& parent, const std::string& key) {
  if (NeedsQuoting(key)) return parent + "[" + Json(key).dump() + "]";
  return parent.empty() ? key : parent + "." + key;
}

std::string JoinIndex(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string NormalizeLocation(const std::string& location) {
  std::string out;
  out.reserve(location.size());
  for (char c : location)
    if (c != ' ' && c != '\t') out.push_back(c);
  return AsciiLower(std::move(out));
}

std::string CanonicalArmId(const std::string& arm_id) {
  std::string out = AsciiLower(arm_id);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool ArmIdEquals(const std::string& a, const std::string& b) {
  return CanonicalArmId(a) == CanonicalArmId(b);
}

std::string FingerprintOf(const Json& value) {
  // nlohmann::json objects are std::map-backed, so dump() emits keys sorted: canonical.
  const std::string canonical = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  // Fetched once: OpenSSL 3 looks EVP_sha256() up in its provider tables on every use, which
  // cost more than hashing a vault's few hundred bytes (a plan fingerprints every live resource).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!sha256 ||
      EVP_Digest(canonical.data(), canonical.size(), digest, &length, sha256, nullptr) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(length * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace keyward::engine
