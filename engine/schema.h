// JSON Schema (draft-07) validation of manifests and keyward.yaml, with errors mapped back to
// the YAML source and phrased for humans.
//
// Schema layout (schemas/, embedded into the binary by engine/CMakeLists.txt):
//   manifest.schema.json      the envelope (apiVersion, kind enum, generic metadata, spec) plus
//                             the `definitions` every kind shares (uuid, resourceGroupName,
//                             location, tags, annotations, dependsOn, ...). It dispatches on
//                             `kind` with if/then to the per-kind schema, so it also works as
//                             the editor schema of a file that mixes kinds.
//   <lowercase kind>.schema.json
//                             one WHOLE document of that kind (apiVersion, kind const, its own
//                             metadata with the kind's name rule, spec). Shared pieces are
//                             `$ref`s into manifest.schema.json. Because each file describes a
//                             whole document, it can be used on its own in a
//                             `# yaml-language-server: $schema=.../vault.schema.json` modeline.
//   keyward.schema.json       keyward.yaml.
// Each kind spells out its own metadata (instead of allOf-extending the shared one) because
// draft-07 cannot tighten `additionalProperties: false` through allOf, and because the kinds
// differ in scope anyway (a ResourceGroup has no metadata.resourceGroup).
//
// The validator is valijson (header-only). valijson 1.0 ignores `$id`, so before compiling we
// rewrite every local `$ref` ("#/definitions/x") into a file-qualified one
// ("vault.schema.json#/definitions/x") and resolve every file reference by base name from the
// embedded set. No schema is ever fetched from the network.
//
// Case-insensitive enums (ARM accepts `Premium`, `premium`, `PREMIUM`) are written as `pattern`s
// plus `examples` (editors complete from examples). `patternErrorMessage` (the keyword VS Code
// and yaml-language-server understand) carries the human message for a failed pattern.
//
// valijson checks the structure; `pattern`, `propertyNames`, `uniqueItems` and keyward's
// `x-keyward-regions` are keyward's own, linear-time implementations (engine/schema_keywords.h),
// so no document, however long its strings or lists, can make validation recurse or go
// quadratic. Everything expensive (RE2 programs, the compiled schemas) is built once, in Load.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/resource.h"
#include "engine/result.h"

namespace keyward::engine {

// Generated from schemas/*.schema.json by engine/embed_schemas.cmake: file name -> text.
const std::map<std::string, std::string>& EmbeddedSchemas();

// plan.schema.json and audit.schema.json describe keyward's own JSON output for the tools that
// read it; the tests check that output with an independent validator. They are never used to
// validate input, so they are free to use keywords the input validator refuses (not, else).
bool IsOutputSchema(const std::string& file);

// Field paths, as used in DesiredResource::field_locations and in messages:
// "spec.networkAcls.ipRules[0].value". Keys made only of [A-Za-z0-9_-] are joined with '.';
// others are quoted: metadata.annotations["keyward.dev/reconcile-policy"].
std::string JoinFieldPath(const std::string& path, const std::string& key);
std::string JoinFieldPath(const std::string& path, size_t index);

// Where each node of a parsed YAML document was written. Paths are field paths; the root
// document is "". Lookups fall back to the nearest recorded ancestor, and then to `document`,
// so every diagnostic gets the best location available.
class SourceMap {
 public:
  // `key` is where the mapping key was written (unknown for the root and list items; then the
  // value's location is used).
  void Record(const std::string& path, const SourceLocation& key, const SourceLocation& value);
  // The same for positions (1-based, 0 = unknown) in `file`, without building SourceLocations.
  void Record(std::string path, const std::string& file, int key_line, int key_column,
              int value_line, int value_column);

  SourceLocation ValueAt(const std::string& path) const;
  SourceLocation KeyAt(const std::string& path) const;
  bool Has(const std::string& path) const { return entries_.count(path) > 0; }

  // path -> value location (the form DesiredResource::field_locations stores).
  std::map<std::string, SourceLocation> ValueLocations() const;
  // The same, taking the paths out of this map (which is left empty).
  std::map<std::string, SourceLocation> TakeValueLocations() &&;

  SourceLocation document;  // where the document starts

 private:
  // A location without its file name (an index into files_): recording a node must not copy
  // the path of its file (most of loading's allocations were such copies).
  struct Position {
    int file = 0;
    int line = 0;  // 0 = unknown
    int column = 0;
  };
  struct Entry {
    Position key;
    Position value;
  };
  Position Compact(const std::string& file, int line, int column);
  SourceLocation Expand(const Position& position) const;

  std::vector<std::string> files_;
  std::map<std::string, Entry> entries_;
};

// Per-call options for Validate.
struct SchemaValidateOptions {
  // Appended to "missing required field" messages for a path, e.g.
  // {"spec.location", "set it here or as defaults.location in keyward.yaml"}.
  std::map<std::string, std::string> missing_hints;
  // Errors at these exact paths are dropped (the caller reports them better itself, e.g.
  // "kind" when the kind is unknown to the registry).
  std::vector<std::string> suppress_paths;
  // Regions accepted besides the ones the schemas list (keyward.yaml `extraRegions`).
  std::vector<std::string> extra_regions;
};

// A compiled set of schemas. Immutable after Load, so one instance may be shared across threads.
class SchemaSet {
 public:
  // Compiles every file in `files` (name -> JSON text). Fails with kInternal naming the file
  // when a schema is not valid JSON or not a valid schema.
  static Result<std::shared_ptr<const SchemaSet>> Load(
      const std::map<std::string, std::string>& files);

  // The schemas embedded in this binary, compiled once. Never null; when compiling failed (a
  // bug caught by schema_test), `load_error()` says why and every Validate reports it.
  static const SchemaSet& Embedded();

  // "Vault" -> "vault.schema.json".
  static std::string FileForKind(std::string_view kind);

  ~SchemaSet();
  bool Has(const std::string& file) const;

  // Validates `document` against schema `file`. Appends one human-phrased diagnostic per
  // problem (sorted by source position) to `out`. Returns true when the document is valid.
  bool Validate(const std::string& file, const Json& document, const SourceMap& where,
                Diagnostics* out, const SchemaValidateOptions& options = {}) const;

  // Whether the schema `file` declares the property at `keys` (e.g. {"spec", "tenantId"}),
  // following $refs. Used to decide which keyward.yaml defaults apply to a kind.
  bool DeclaresProperty(const std::string& file, const std::vector<std::string>& keys) const;

  const std::string& load_error() const { return load_error_; }

 private:
  SchemaSet();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string load_error_;
};

}  // namespace keyward::engine
