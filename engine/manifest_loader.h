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
// YAML → JSON: engine/yaml_document.h (strict UTF-8, YAML 1.2 core schema, bounded).
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
#include "engine/yaml_document.h"

namespace keyward::engine {

inline constexpr char kReconcilePolicyAnnotation[] = "keyward.dev/reconcile-policy";

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
