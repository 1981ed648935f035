#include "engine/yaml_document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace keyward::engine {

namespace {

constexpr char kTagStr[] = "tag:yaml.org,2002:str";
constexpr char kTagInt[] = "tag:yaml.org,2002:int";
constexpr char kTagFloat[] = "tag:yaml.org,2002:float";
constexpr char kTagBool[] = "tag:yaml.org,2002:bool";
constexpr char kTagNull[] = "tag:yaml.org,2002:null";
constexpr char kTagMap[] = "tag:yaml.org,2002:map";
constexpr char kTagSeq[] = "tag:yaml.org,2002:seq";
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// ---------------------------------------------------------------------------------------------
// Characters

// A character YAML text may not hold, at byte `offset`.
struct BadCharacter {
  size_t offset = 0;
  std::string message;
};

std::string Hex(uint32_t value, int digits) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out(digits, '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) out[i] = kDigits[value & 0xF];
  return out;
}

// Why the code point may not appear in keyward's YAML; empty when it may.
std::string ForbiddenCodePoint(uint32_t cp) {
  const bool c0 = cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r';
  const bool c1 = cp >= 0x80 && cp <= 0x9F && cp != 0x85;
  if (cp == 0) return "a NUL byte (is this a binary file?)";
  if (c0 || cp == 0x7F || c1) return "the control character U+" + Hex(cp, 4);
  if (cp == 0xFFFE || cp == 0xFFFF) return "the noncharacter U+" + Hex(cp, 4);
  return "";
}

// Decodes the UTF-8 character at text[i]. Returns its length, or 0 when the bytes there are not
// UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b0 = byte(0);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // range of the second byte
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, *cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, *cp = b0 & 0x0F;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;  // no UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, *cp = b0 & 0x07;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    const unsigned char b = byte(k);
    if (k == 1 ? (b < low || b > high) : (b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  return length;
}

// The first character of `text` that keyward refuses (see yaml_document.h).
std::optional<BadCharacter> FindBadCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(text, i, &cp);
    if (length == 0) {
      const auto b = static_cast<unsigned char>(text[i]);
      std::string message = "not valid UTF-8 (byte 0x" + Hex(b, 2) + ")";
      if (i == 0 && text.size() >= 2 &&
          ((b == 0xFF && text[1] == '\xFE') || (b == 0xFE && text[1] == '\xFF')))
        message += ": this looks like UTF-16; save the file as UTF-8";
      else
        message += "; keyward reads manifests as UTF-8 only and never rewrites a string";
      return BadCharacter{i, message};
    }
    if (std::string reason = ForbiddenCodePoint(cp); !reason.empty())
      return BadCharacter{i, reason + " is not allowed in a manifest"};
    i += length;
  }
  return std::nullopt;
}

// Why a scalar's decoded text (what a double-quoted escape produced) is refused; empty if not.
std::string ScalarProblem(const std::string& value) {
  for (size_t i = 0; i < value.size();) {
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(value, i, &cp);
    if (length == 0) return "an escape in this string makes it invalid UTF-8";
    if (std::string reason = ForbiddenCodePoint(cp); !reason.empty())
      return "this string holds " + reason +
             " (written as an escape); Azure names and values "
             "may not contain control characters";
    i += length;
  }
  return "";
}

// Line and byte column (1-based) of `offset`, the way yaml-cpp counts them (it skips a BOM).
SourceLocation LocationOf(const std::string& file, std::string_view text, size_t offset) {
  const size_t bom = text.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
  int line = 1;
  size_t line_start = bom;
  for (size_t i = bom; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, line_start = i + 1;
  }
  return SourceLocation{file, line, static_cast<int>(offset - line_start) + 1};
}

SourceLocation At(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

// ---------------------------------------------------------------------------------------------
// Plain scalars (YAML 1.2 core schema)

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

// ---------------------------------------------------------------------------------------------
// Conversion

// The text of one file and what its conversion has checked so far.
class YamlText {
 public:
  YamlText(const std::string& file, std::string_view text)
      : file_(file), text_(text), bom_(text.substr(0, kBom.size()) == kBom ? kBom.size() : 0) {}

  const std::string& file() const { return file_; }

  // For a scalar yaml-cpp read as quoted or block: an error when it is a quoted scalar that the
  // file never closes. Each scalar is scanned once (aliases repeat nodes, not work).
  std::string UnclosedQuote(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.pos < 0) return "";
    const size_t start = static_cast<size_t>(mark.pos) + bom_;
    if (start >= text_.size() || !checked_.insert(start).second) return "";
    const char quote = text_[start];
    if (quote != '"' && quote != '\'') return "";  // a block scalar
    for (size_t i = start + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is an escaped quote
          continue;
        }
        quoted_.emplace_back(start, i + 1);
        return "";
      }
    }
    return std::string("this ") + (quote == '"' ? "double" : "single") +
           "-quoted string is never closed (the file ends first)";
  }

  // The first %-directive that follows document content without a '...' end marker in between
  // (lines inside quoted scalars are content, not directives).
  std::optional<size_t> MisplacedDirective() const {
    std::vector<std::pair<size_t, size_t>> spans = quoted_;
    std::sort(spans.begin(), spans.end());
    size_t next_span = 0;
    bool in_document = false;
    for (size_t start = bom_; start < text_.size();) {
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      const std::string_view line = text_.substr(start, end - start);
      // Spans never overlap and lines come in order: one sweep finds the span around `start`.
      while (next_span < spans.size() && spans[next_span].second <= start) ++next_span;
      const bool quoted = next_span < spans.size() && spans[next_span].first < start;
      if (!quoted) {
        const size_t first = line.find_first_not_of(" \t\r");
        if (line.substr(0, 1) == "%") {
          if (in_document) return start;
        } else if (line.substr(0, 3) == "...") {
          in_document = false;
        } else if (line.substr(0, 3) == "---" ||
                   (first != std::string_view::npos && line[first] != '#')) {
          in_document = true;
        }
      }
      start = end + 1;
    }
    return std::nullopt;
  }

 private:
  const std::string& file_;
  std::string_view text_;
  size_t bom_;
  std::set<size_t> checked_;
  std::vector<std::pair<size_t, size_t>> quoted_;  // [opening quote, after closing quote)
};

// What the documents of one file have expanded to so far (aliases repeat nodes and text).
struct FileBudget {
  size_t nodes = 0;
  size_t bytes = 0;
};

// Converts one yaml-cpp tree to JSON, recording every node's location.
class YamlConverter {
 public:
  YamlConverter(YamlText* text, SourceMap* source, Diagnostics* diagnostics, FileBudget* budget)
      : text_(text), source_(source), diagnostics_(diagnostics), budget_(budget) {}

  Json Convert(const YAML::Node& node, const std::string& path, const std::string& parent,
               const SourceLocation& key_location, int depth) {
    if (failed_) return Json();
    const SourceLocation here = At(text_->file(), node.Mark());
    if (depth > kMaxYamlDepth)
      return Fail(here, "nesting deeper than " + std::to_string(kMaxYamlDepth) +
                            " levels (or an alias that contains itself)");
    if (++nodes_ > kMaxYamlNodesPerDocument)
      return Fail(here, "document has more than " + std::to_string(kMaxYamlNodesPerDocument) +
                            " nodes (too many alias expansions?)");
    if (++budget_->nodes > kMaxYamlNodesPerFile)
      return Fail(here, "file has more than " + std::to_string(kMaxYamlNodesPerFile) +
                            " nodes (too many alias expansions?)");
    if (node.IsScalar() && (budget_->bytes += node.Scalar().size()) > kMaxYamlTextPerFile)
      return Fail(here, "file expands to more than " + std::to_string(kMaxYamlTextPerFile >> 20) +
                            " MiB of text (too many alias expansions?)");

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
      case YAML::NodeType::Sequence:
        return Sequence(node, path, here, depth);
      case YAML::NodeType::Map:
        return Map(node, path, here, depth);
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

  Json Sequence(const YAML::Node& node, const std::string& path, const SourceLocation& here,
                int depth) {
    if (!CheckCollectionTag(node, kTagSeq, here)) return Json();
    Json out = Json::array();
    size_t index = 0;
    for (const auto& child : node) {
      const SourceLocation child_location = At(text_->file(), child.Mark());
      out.push_back(Convert(child, JoinFieldPath(path, index), path, child_location, depth + 1));
      ++index;
    }
    return out;
  }

  Json Map(const YAML::Node& node, const std::string& path, const SourceLocation& here, int depth) {
    if (!CheckCollectionTag(node, kTagMap, here)) return Json();
    Json out = Json::object();
    std::map<std::string, SourceLocation> first_seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const SourceLocation key_at = At(text_->file(), it->first.Mark());
      if (!it->first.IsScalar()) return Fail(key_at, "mapping keys must be plain strings");
      if (!CheckQuoted(it->first, key_at)) return Json();
      const std::string key = it->first.Scalar();
      auto [seen, inserted] = first_seen.emplace(key, key_at);
      if (!inserted) {
        Fail(key_at, "duplicate key '" + key + "' (first written at line " +
                         std::to_string(seen->second.line) + ")");
        continue;
      }
      out[key] = Convert(it->second, JoinFieldPath(path, key), path, key_at, depth + 1);
    }
    return out;
  }

  bool CheckCollectionTag(const YAML::Node& node, const char* standard,
                          const SourceLocation& here) {
    const std::string& tag = node.Tag();
    if (tag.empty() || tag == "?" || tag == "!" || tag == standard) return true;
    Fail(here, "unsupported YAML tag '" + tag + "'");
    return false;
  }

  // Quoted and block scalars (yaml-cpp's tag "!"): closed, and free of escaped controls.
  bool CheckQuoted(const YAML::Node& node, const SourceLocation& here) {
    if (node.Tag() != "!") return true;
    if (std::string problem = text_->UnclosedQuote(node); !problem.empty()) {
      Fail(here, problem);
      return false;
    }
    if (std::string problem = ScalarProblem(node.Scalar()); !problem.empty()) {
      Fail(here, problem);
      return false;
    }
    return true;
  }

  Json Scalar(const YAML::Node& node, const SourceLocation& here) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    // yaml-cpp marks quoted and block scalars with the non-specific tag "!" and plain ones with
    // "?": only plain scalars are resolved to null / bool / numbers.
    if (tag == "!") return CheckQuoted(node, here) ? Json(text) : Json();
    if (tag == kTagStr) return Json(text);
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

  YamlText* text_;
  SourceMap* source_;
  Diagnostics* diagnostics_;
  FileBudget* budget_;
  size_t nodes_ = 0;
  bool failed_ = false;
};

}  // namespace

std::vector<YamlDocument> ParseYamlDocuments(const std::string& text, const std::string& file,
                                             Diagnostics* diagnostics) {
  std::vector<YamlDocument> out;
  if (auto bad = FindBadCharacter(text)) {
    diagnostics->Error(LocationOf(file, text, bad->offset), bad->message);
    return out;
  }
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
  YamlText checked(file, text);
  FileBudget budget;
  bool any_failed = false;
  for (const auto& node : nodes) {
    if (!node.IsDefined() || node.IsNull()) continue;  // empty document ("---" alone, comments)
    YamlDocument doc;
    doc.source.document = At(file, node.Mark());
    if (doc.source.document.line == 0) doc.source.document = SourceLocation{file, 1, 1};
    YamlConverter converter(&checked, &doc.source, diagnostics, &budget);
    try {
      doc.value = converter.Convert(node, "", "", SourceLocation{}, 0);
    } catch (const std::exception& e) {
      diagnostics->Error(doc.source.document, std::string("invalid YAML: ") + e.what());
      any_failed = true;
      continue;
    }
    if (converter.failed()) {
      any_failed = true;
      continue;
    }
    out.push_back(std::move(doc));
  }
  // Only meaningful once every quoted scalar is known (their lines are content).
  if (!any_failed) {
    if (auto directive = checked.MisplacedDirective()) {
      diagnostics->Error(LocationOf(file, text, *directive),
                         "a YAML directive after document content: directives go before the "
                         "'---' that starts their document, and a document with content must "
                         "end with '...' before the next directive");
      out.clear();
    }
  }
  return out;
}

}  // namespace keyward::engine
