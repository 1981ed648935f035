// From manifest files to a resolved DesiredSet (DESIGN.md §2 "Load", §3).
//
// LoadManifests reads every *.yaml|*.yml under the given paths, converts YAML to JSON keeping the
// file:line:column of every node, fills keyward.yaml defaults, validates each document against
// its kind's JSON Schema, asks the kind's handler to Resolve it (address, ARM id, references),
// and checks the set as a whole (duplicate addresses, dangling references, unknown dependsOn).
// It reports every problem it finds, across all files, never only the first.
//
// Invariants of the result:
//  * `set.resources` holds only documents that passed validation and resolved, in load order
//    (paths in the order given; files of a directory sorted by path; documents in file order).
//  * Addresses in `set.resources` are unique (compared case-insensitively, as ARM names are).
//  * Every `depends_on` entry is the address of a resource in the set, spelled as that resource
//    spells it, without duplicates. Cycles are NOT checked here (engine/graph.h does that).
//  * When `diagnostics.HasErrors()`, the set is incomplete and must not be planned.
//
// YAML → JSON (predictable, documented for users in the schema descriptions):
//  * YAML 1.2 core schema for plain (unquoted) scalars: null|Null|NULL|~|empty → null;
//    true|True|TRUE|false|False|FALSE → boolean; decimal / 0o octal / 0x hex integers → integer;
//    decimal floats → number. Everything else, including yes/no/on/off (YAML 1.1 booleans),
//    dates and .inf/.nan, stays a string; the schema then says "expected a boolean, got string
//    "yes"" with a hint, rather than keyward silently guessing.
//  * Quoted and block (| >) scalars are always strings. `!!str`, `!!int`, `!!float`, `!!bool`,
//    `!!null` are honored; other tags (e.g. `!Ref`) are errors.
//  * Duplicate mapping keys and non-scalar keys are errors. Anchors and aliases work; nesting is
//    limited to 64 levels and a document to 100k nodes (alias bombs are errors, not crashes).
//
// keyward.yaml (or keyward.yml) at the root of each directory path is the stack config, not a
// manifest. A file path uses the keyward.yaml of its directory. Without one, the stack is named
// after the directory (with a warning). keyward.yaml files below the root are ignored (warning).
// All paths given must belong to the same stack.
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/file_reader.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"
#include "engine/schema.h"

namespace keyward::engine {

inline constexpr char kReconcilePolicyAnnotation[] = "keyward.dev/reconcile-policy";

// One parsed YAML document.
struct YamlDocument {
  Json value;
  SourceMap source;  // field path -> where it was written
};

// Parses every document of a YAML stream (multi-document files allowed; empty documents are
// skipped). Problems are appended to `diagnostics` with file:line:column; a file with a syntax
// error yields no documents.
std::vector<YamlDocument> ParseYamlDocuments(const std::string& text, const std::string& file,
                                             Diagnostics* diagnostics);

struct LoadResult {
  DesiredSet set;
  Diagnostics diagnostics;
  std::vector<std::string> files;  // manifest and keyward.yaml files read, in load order
  // policies.softDelete == "purge-then-create" in keyward.yaml. (StackConfig has no field for it
  // yet; the CLI passes it to PlanOptions::purge_then_create.)
  bool purge_then_create = false;
};

LoadResult LoadManifests(const std::vector<std::string>& paths, FileReader& reader,
                         const HandlerRegistry& registry);

// Hex SHA-256 over (path, contents) pairs sorted by path; each field is length-prefixed so that
// moving bytes between a path and its contents changes the digest. LoadManifests passes paths
// relative to their manifest root (keyward.yaml's directory), so `keyward plan .` and
// `keyward plan manifests/payments` agree.
std::string ManifestDigest(std::vector<std::pair<std::string, std::string>> files);

}  // namespace keyward::engine
