// YAML text → JSON documents with the file:line:column of every node: the first step of loading
// manifests and keyward.yaml, and a pure function of its input (a fuzz target).
//
// The parser is libyaml (the reference C implementation; its event API is fast and does not
// recurse), and keyward builds the documents from its events itself, with an explicit stack.
//
// Strict on purpose: what is accepted is exactly what is sent to Azure, byte for byte.
//  * The text must be UTF-8 (a UTF-8 byte order mark is allowed at the start). Invalid UTF-8 (a
//    Latin-1 or UTF-16 file, a truncated character) is an error at its line and column, never
//    replaced by U+FFFD (yaml-cpp did that, and keyward then sent a string the author never
//    wrote, and reported drift on every plan).
//  * NUL, the other C0 control characters (but tab, line feed and carriage return), DEL, the C1
//    controls (but U+0085) and the noncharacters U+FFFE / U+FFFF are errors, in the text and in
//    what double-quoted escapes ("\0", "\x01", "\e") produce.
//  * A quoted scalar must be closed (yaml-cpp read `key: "abc` + a line break at the end of the
//    file as "abc ").
//  * A directive (%YAML, %TAG) must come before the document it belongs to; after content it
//    needs a document end marker (...) first (YAML 1.2 §9.2).
//  * Columns count characters (code points), from 1.
//
// YAML → JSON (predictable, documented for users in the schema descriptions):
//  * YAML 1.2 core schema for plain (unquoted) scalars: null|Null|NULL|~|empty → null;
//    true|True|TRUE|false|False|FALSE → boolean; decimal / 0o octal / 0x hex integers → integer;
//    decimal floats → number. Everything else, including yes/no/on/off (YAML 1.1 booleans),
//    dates and .inf/.nan, stays a string; the schema then says "expected a boolean, got string
//    "yes"" with a hint, rather than keyward silently guessing.
//  * Quoted and block (| >) scalars are always strings. `!!str`, `!!int`, `!!float`, `!!bool`,
//    `!!null` are honored; other tags (e.g. `!Ref`) are errors.
//  * Duplicate mapping keys and non-scalar keys are errors. Anchors and aliases work (an alias is
//    the anchored node again, where it was written).
//
// Bounds (each an error, never a crash or a hang): nesting deeper than 64 levels; more than
// 100,000 nodes in one document, or 1,000,000 nodes or 64 MiB of scalar text in one file,
// counting every alias expansion (so an alias bomb, of many nodes or of one long string, costs at
// most that). The size of the text itself is bounded by whoever read it (FileReader: 4 MiB).
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/resource.h"
#include "engine/schema.h"

namespace keyward::engine {

inline constexpr int kMaxYamlDepth = 64;
inline constexpr size_t kMaxYamlNodesPerDocument = 100000;
inline constexpr size_t kMaxYamlNodesPerFile = 1000000;
inline constexpr size_t kMaxYamlTextPerFile = size_t{64} << 20;

// One parsed YAML document.
struct YamlDocument {
  Json value;
  SourceMap source;  // field path -> where it was written
};

// Parses every document of a YAML stream (multi-document files allowed; empty documents are
// skipped). Problems are appended to `diagnostics` with file:line:column; a text that is not
// UTF-8, or has a syntax error, yields no documents; a document with an error is left out.
std::vector<YamlDocument> ParseYamlDocuments(const std::string& text, const std::string& file,
                                             Diagnostics* diagnostics);

}  // namespace keyward::engine
