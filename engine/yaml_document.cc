#include "engine/yaml_document.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
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
constexpr char kNonSpecificTag[] = "!";
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
  // Line breaks in YAML 1.1 (and to libyaml), ordinary characters in YAML 1.2: the same text
  // would mean different things to different tools.
  if (cp == 0x85 || cp == 0x2028 || cp == 0x2029)
    return "the line separator U+" + Hex(cp, 4) + " (a line break to some YAML parsers only)";
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
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte >= 0x20 && byte < 0x7F) || byte == '\n' || byte == '\t' || byte == '\r') {
      ++i;  // the common case: printable ASCII
      continue;
    }
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

// Line and column (1-based; columns count characters, as libyaml does) of byte `offset`.
SourceLocation LocationOf(const std::string& file, std::string_view text, size_t offset) {
  const size_t bom = text.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
  int line = 1, column = 1;
  for (size_t i = bom; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line, column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return SourceLocation{file, line, column};
}

SourceLocation At(const std::string& file, const yaml_mark_t& mark) {
  return SourceLocation{file, static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
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
// Events

// One parse event, owned (libyaml frees its own after each call), so that an anchored node can
// be replayed where an alias names it.
// Where a node is, in its file (1-based; 0 = unknown): no file name, so that events and frames
// copy no path.
struct Position {
  int line = 0;
  int column = 0;
};

struct Event {
  enum Kind { kScalar, kSequenceStart, kSequenceEnd, kMappingStart, kMappingEnd };
  Kind kind = kScalar;
  Position at;
  std::string tag;    // as libyaml resolved it ("tag:yaml.org,2002:str", "!Ref", "!"); may be empty
  std::string value;  // scalars
  bool plain = false;  // a plain (unquoted, not block) scalar
};

// What the documents of one file have expanded to so far (aliases repeat nodes and text).
struct FileBudget {
  size_t nodes = 0;
  size_t bytes = 0;
};

// Builds one document's JSON and source map from its events, with an explicit stack (no
// recursion, however deep the input).
class DocumentBuilder {
 public:
  DocumentBuilder(const std::string& file, Diagnostics* diagnostics, FileBudget* budget,
                  SourceLocation start)
      : file_(file), diagnostics_(diagnostics), budget_(budget) {
    document_.source.document = start;
  }

  // Returns false once the document has failed (the error is reported); later events are
  // ignored.
  bool Add(Event&& e) {
    if (failed_) return false;
    if (e.kind == Event::kSequenceEnd || e.kind == Event::kMappingEnd) {
      Json value = std::move(stack_.back().value);
      stack_.pop_back();
      Attach(std::move(value));
      return true;
    }
    if (!stack_.empty() && stack_.back().map && !stack_.back().have_key) return Key(std::move(e));
    return Node(std::move(e));
  }

  bool failed() const { return failed_; }
  void MarkFailed() { failed_ = true; }
  bool budget_exhausted() const { return budget_exhausted_; }
  bool complete() const { return complete_; }  // the root node is built
  YamlDocument Take() { return std::move(document_); }

 private:
  struct Frame {
    Json value;
    std::string path;
    bool map = false;
    bool have_key = false;
    std::string key;
    Position key_at;
    size_t index = 0;
  };

  SourceLocation Where(const Position& at) const { return {file_, at.line, at.column}; }

  bool Fail(const Position& where, const std::string& message) {
    diagnostics_->Error(Where(where), message);
    failed_ = true;
    return false;
  }

  bool Key(Event&& e) {
    Frame& frame = stack_.back();
    if (e.kind != Event::kScalar) return Fail(e.at, "mapping keys must be plain strings");
    if (std::string problem = ScalarProblem(e.value); !problem.empty()) return Fail(e.at, problem);
    if ((budget_->bytes += e.value.size()) > kMaxYamlTextPerFile) return OverBudget(e.at);
    if (frame.value.contains(e.value)) {
      return Fail(e.at, "duplicate key '" + e.value + "' (first written at line " +
                            std::to_string(
                                document_.source.KeyAt(JoinFieldPath(frame.path, e.value)).line) +
                            ")");
    }
    frame.key = std::move(e.value);
    frame.key_at = e.at;
    frame.have_key = true;
    return true;
  }

  bool Node(Event&& e) {
    std::string path;
    Position key_at;
    if (stack_.empty()) document_.source.document = Where(e.at);  // it starts at its root node
    if (!stack_.empty()) {
      const Frame& frame = stack_.back();
      path =
          frame.map ? JoinFieldPath(frame.path, frame.key) : JoinFieldPath(frame.path, frame.index);
      key_at = frame.map ? frame.key_at : e.at;
    }
    if (static_cast<int>(stack_.size()) > kMaxYamlDepth)
      return Fail(e.at, "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    if (++nodes_ > kMaxYamlNodesPerDocument) {
      return Fail(e.at, "document has more than " + std::to_string(kMaxYamlNodesPerDocument) +
                            " nodes (too many alias expansions?)");
    }
    if (++budget_->nodes > kMaxYamlNodesPerFile) {
      budget_exhausted_ = true;
      return Fail(e.at, "file has more than " + std::to_string(kMaxYamlNodesPerFile) +
                            " nodes (too many alias expansions?)");
    }
    if ((budget_->bytes += e.value.size()) > kMaxYamlTextPerFile) return OverBudget(e.at);
    // A null written as nothing ("key:") has no useful position of its own; use the key's.
    const bool empty_null = e.kind == Event::kScalar && e.plain && e.tag.empty() &&
                            IsNullWord(e.value) && e.value.empty();
    const Position value_at = empty_null && key_at.line > 0 ? key_at : e.at;
    if (e.kind == Event::kScalar) {
      document_.source.Record(std::move(path), file_, key_at.line, key_at.column, value_at.line,
                              value_at.column);
      Json value = Scalar(std::move(e), value_at);
      if (failed_) return false;
      Attach(std::move(value));
      return true;
    }
    document_.source.Record(path, file_, key_at.line, key_at.column, value_at.line,
                            value_at.column);
    const bool map = e.kind == Event::kMappingStart;
    const std::string& tag = e.tag;
    if (!tag.empty() && tag != kNonSpecificTag && tag != (map ? kTagMap : kTagSeq))
      return Fail(e.at, "unsupported YAML tag '" + tag + "'");
    Frame frame;
    frame.value = map ? Json::object() : Json::array();
    frame.path = std::move(path);
    frame.map = map;
    stack_.push_back(std::move(frame));
    return true;
  }

  bool OverBudget(const Position& at) {
    budget_exhausted_ = true;
    return Fail(at, "file expands to more than " + std::to_string(kMaxYamlTextPerFile >> 20) +
                        " MiB of text (too many alias expansions?)");
  }

  void Attach(Json value) {
    if (stack_.empty()) {
      document_.value = std::move(value);
      complete_ = true;
      return;
    }
    Frame& frame = stack_.back();
    if (frame.map) {
      frame.value[frame.key] = std::move(value);
      frame.have_key = false;
    } else {
      frame.value.push_back(std::move(value));
      ++frame.index;
    }
  }

  // YAML 1.2 core schema for plain scalars; quoted and block scalars are strings.
  Json Scalar(Event&& e, const Position& here) {
    const std::string& tag = e.tag;
    std::string& text = e.value;
    if (!e.plain) {
      if (std::string problem = ScalarProblem(text); !problem.empty()) {
        Fail(here, problem);
        return Json();
      }
    }
    if (tag == kNonSpecificTag || tag == kTagStr || (tag.empty() && !e.plain))
      return Json(std::move(text));
    bool overflow = false;
    if (tag.empty()) {
      if (IsNullWord(text)) return Json();
      if (auto b = BoolWord(text)) return Json(*b);
      if (auto i = IntegerWord(text, &overflow)) {
        if (overflow) Fail(here, "integer " + text + " is out of range");
        return overflow ? Json() : *i;
      }
      if (IsFloatWord(text)) return Json(std::strtod(text.c_str(), nullptr));
      return Json(std::move(text));
    }
    if (tag == kTagNull) {
      if (IsNullWord(text)) return Json();
      Fail(here, "'" + text + "' is not a null (tagged !!null)");
    } else if (tag == kTagBool) {
      if (auto b = BoolWord(text)) return Json(*b);
      Fail(here, "'" + text + "' is not a boolean (tagged !!bool); write true or false");
    } else if (tag == kTagInt) {
      auto i = IntegerWord(text, &overflow);
      if (i && !overflow) return *i;
      Fail(here, "'" + text + "' is not an integer (tagged !!int)");
    } else if (tag == kTagFloat) {
      if (IsFloatWord(text) || IntegerWord(text, &overflow))
        return Json(std::strtod(text.c_str(), nullptr));
      Fail(here, "'" + text + "' is not a number (tagged !!float)");
    } else {
      Fail(here, "unsupported YAML tag '" + tag + "'");
    }
    return Json();
  }

  const std::string& file_;
  Diagnostics* diagnostics_;
  FileBudget* budget_;
  YamlDocument document_;
  std::vector<Frame> stack_;
  size_t nodes_ = 0;
  bool failed_ = false;
  bool budget_exhausted_ = false;
  bool complete_ = false;
};

// Anchors and aliases of one document. An alias is replayed as the events of its anchored node,
// which are recorded as they are built (already expanded), so a replay never recurses and costs
// what building the expansion costs: the builder's budgets bound it.
class Aliases {
 public:
  // Feeds `e` (which may start anchor `anchor`) to the builder and to every recording.
  bool Feed(Event e, const std::string& anchor, DocumentBuilder* builder) {
    if (!anchor.empty()) recordings_.push_back({anchor, {}, 0});
    const Event::Kind kind = e.kind;
    for (Recording& r : recordings_) {
      r.events.push_back(e);
      if (kind == Event::kSequenceStart || kind == Event::kMappingStart) ++r.depth;
      if (kind == Event::kSequenceEnd || kind == Event::kMappingEnd) --r.depth;
    }
    if (!builder->Add(std::move(e))) return false;
    // A recording is complete when its node is: a scalar at once, a collection at its end.
    while (!recordings_.empty() && recordings_.back().depth == 0) {
      anchors_[recordings_.back().name] = std::move(recordings_.back().events);
      recordings_.pop_back();
    }
    return true;
  }

  // An alias: replays its anchor's events. Returns an error message, or "" when fed.
  std::string Replay(const std::string& name, DocumentBuilder* builder) {
    for (const Recording& r : recordings_) {
      if (r.name == name) return "the alias *" + name + " is inside the node it names";
    }
    auto anchor = anchors_.find(name);
    if (anchor == anchors_.end()) return "the alias *" + name + " names no anchor before it";
    // Replayed events start no recording (the anchors inside were recorded with them), so no
    // anchor changes while `events` is replayed.
    const std::vector<Event>& events = anchor->second;
    for (const Event& e : events) {
      if (!Feed(e, "", builder)) return "";
    }
    return "";
  }

 private:
  struct Recording {
    std::string name;
    std::vector<Event> events;
    int depth = 0;
  };
  std::map<std::string, std::vector<Event>> anchors_;
  std::vector<Recording> recordings_;  // innermost last
};

std::string Text(const yaml_char_t* text) {
  return text ? reinterpret_cast<const char*>(text) : "";
}

// The file's error from libyaml, phrased like keyward's others.
void ReportLibyamlError(const yaml_parser_t& parser, const std::string& file,
                        Diagnostics* diagnostics) {
  const std::string problem = parser.problem ? parser.problem : "syntax error";
  const std::string context = parser.context ? parser.context : "";
  if (context == "while scanning a quoted scalar" &&
      problem.find("end of stream") != std::string::npos) {
    diagnostics->Error(At(file, parser.context_mark),
                       "this quoted string is never closed (the file ends first)");
    return;
  }
  std::string message = "invalid YAML: " + problem;
  if (!context.empty()) {
    message += " (" + context + " at line " + std::to_string(parser.context_mark.line + 1) +
               ", column " + std::to_string(parser.context_mark.column + 1) + ")";
  }
  diagnostics->Error(At(file, parser.problem_mark), message);
}

// The first %-directive after document content with no '...' end marker in between (YAML 1.2
// §9.2; libyaml lets one through after '---'), as a byte offset. Lines that start inside a
// multi-line quoted scalar are content, not directives.
std::optional<size_t> MisplacedDirective(std::string_view text,
                                         const std::set<size_t>& quoted_lines) {
  bool in_document = false;
  size_t line_number = 0;  // 0-based, as libyaml counts
  const size_t bom = text.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
  for (size_t start = bom; start < text.size(); ++line_number) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (!quoted_lines.count(line_number)) {
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

// Parses the stream; returns false (after reporting) on a syntax error.
class StreamParser {
 public:
  StreamParser(const std::string& text, const std::string& file, Diagnostics* diagnostics)
      : file_(file),
        diagnostics_(diagnostics),
        bom_(std::string_view(text).substr(0, kBom.size()) == kBom) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    yaml_parser_set_encoding(&parser_, YAML_UTF8_ENCODING);
  }
  ~StreamParser() { yaml_parser_delete(&parser_); }
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  bool Run(std::vector<YamlDocument>* out) {
    FileBudget budget;
    std::unique_ptr<DocumentBuilder> builder;
    Aliases aliases;
    for (;;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser_, &event)) return false;
      struct Deleter {
        yaml_event_t* e;
        ~Deleter() { yaml_event_delete(e); }
      } deleter{&event};
      const SourceLocation at = Where(event.start_mark);
      switch (event.type) {
        case YAML_STREAM_END_EVENT:
          return true;
        case YAML_DOCUMENT_START_EVENT:
          builder = std::make_unique<DocumentBuilder>(file_, diagnostics_, &budget, at);
          aliases = Aliases();
          break;
        case YAML_DOCUMENT_END_EVENT:
          if (builder && !builder->failed() && builder->complete()) {
            YamlDocument doc = builder->Take();
            // An empty document ("---" alone, only comments) is no document.
            if (!doc.value.is_null()) out->push_back(std::move(doc));
          }
          if (builder && builder->budget_exhausted()) return true;  // the rest would fail too
          builder.reset();
          break;
        case YAML_ALIAS_EVENT:
          if (builder && !builder->failed()) {
            const std::string name = Text(event.data.alias.anchor);
            if (std::string problem = aliases.Replay(name, builder.get()); !problem.empty()) {
              diagnostics_->Error(at, problem);
              builder->MarkFailed();
            }
          }
          break;
        default:
          if (builder) Feed(event, at, &aliases, builder.get());
          // libyaml's scanner slows down quadratically with flow nesting (100,000 '[' took two
          // minutes): stop reading the file at the first level too deep, whatever else failed.
          if (event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT) {
            if (++depth_ > kMaxYamlDepth + 1) return true;  // the builder reported it
          } else if (event.type == YAML_SEQUENCE_END_EVENT ||
                     event.type == YAML_MAPPING_END_EVENT) {
            --depth_;
          }
          break;
      }
    }
  }

  const std::set<size_t>& quoted_lines() const { return quoted_lines_; }

  // libyaml counts a byte order mark as the first column of line 1; keyward does not.
  SourceLocation Where(const yaml_mark_t& mark) const {
    SourceLocation at = At(file_, mark);
    if (bom_ && at.line == 1 && at.column > 1) --at.column;
    return at;
  }
  void ReportSyntaxError() const { ReportLibyamlError(parser_, file_, diagnostics_); }

 private:
  void Feed(const yaml_event_t& event, const SourceLocation& at, Aliases* aliases,
            DocumentBuilder* builder) {
    Event e;
    e.at = Position{at.line, at.column};
    std::string anchor;
    switch (event.type) {
      case YAML_SCALAR_EVENT: {
        const auto& scalar = event.data.scalar;
        e.kind = Event::kScalar;
        e.value.assign(reinterpret_cast<const char*>(scalar.value), scalar.length);
        e.tag = Text(scalar.tag);
        anchor = Text(scalar.anchor);
        e.plain = scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
            scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
          for (size_t line = event.start_mark.line + 1; line <= event.end_mark.line; ++line)
            quoted_lines_.insert(line);
        }
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        e.kind = Event::kSequenceStart;
        e.tag = Text(event.data.sequence_start.tag);
        anchor = Text(event.data.sequence_start.anchor);
        break;
      case YAML_MAPPING_START_EVENT:
        e.kind = Event::kMappingStart;
        e.tag = Text(event.data.mapping_start.tag);
        anchor = Text(event.data.mapping_start.anchor);
        break;
      case YAML_SEQUENCE_END_EVENT:
        e.kind = Event::kSequenceEnd;
        break;
      case YAML_MAPPING_END_EVENT:
        e.kind = Event::kMappingEnd;
        break;
      default:
        return;
    }
    if (!builder->failed()) aliases->Feed(std::move(e), anchor, builder);
  }

  const std::string& file_;
  Diagnostics* diagnostics_;
  bool bom_;
  yaml_parser_t parser_;
  int depth_ = 0;                  // of the collections open in the current document
  std::set<size_t> quoted_lines_;  // 0-based lines that start inside a quoted scalar
};

}  // namespace

std::vector<YamlDocument> ParseYamlDocuments(const std::string& text, const std::string& file,
                                             Diagnostics* diagnostics) {
  std::vector<YamlDocument> out;
  if (auto bad = FindBadCharacter(text)) {
    diagnostics->Error(LocationOf(file, text, bad->offset), bad->message);
    return out;
  }
  StreamParser parser(text, file, diagnostics);
  const size_t errors_before = diagnostics->items().size();
  const bool parsed = parser.Run(&out);
  // libyaml stops at a directive after content with "did not find expected <document start>"
  // (or lets it through after '---'); say what is wrong instead. The quoted scalars before it
  // are known by then (their lines are content, not directives).
  if (diagnostics->items().size() == errors_before) {
    if (auto directive = MisplacedDirective(text, parser.quoted_lines())) {
      diagnostics->Error(LocationOf(file, text, *directive),
                         "a YAML directive after document content: directives go before the "
                         "'---' that starts their document, and a document with content must "
                         "end with '...' before the next directive");
      return {};
    }
  }
  if (!parsed) {
    parser.ReportSyntaxError();
    return {};
  }
  return out;
}

}  // namespace keyward::engine
