// `keyward export`: turns live resources (an ObservedSet read with RefreshOptions::all_in_scope)
// into manifest files that `keyward plan` reports as no-op. Pure: the handlers' ExportManifest
// does the per-kind work; this file groups documents into files and emits YAML. The CLI reads
// ARM and writes the files.
//
// Layout: one file per vault (`vault-<name>.yaml`: the vault, then its access policies, keys,
// secrets, ... in refresh order), one per managed HSM (`managed-hsm-<name>.yaml`: the HSM and its
// keys), `resource-group-<rg>.yaml` when the scope is one resource group, and keyward.yaml with
// the defaults every resource agrees on. keyward.yaml takes no ownership unless asked
// (ExportOptions::stack): an exported set plans as no-op, not as `adopt` of everything.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/resource.h"
#include "engine/resource_handler.h"

namespace keyward::engine {

struct ExportOptions {
  std::string subscription;
  std::string resource_group;  // empty: the whole subscription
  std::string stack;           // empty: keyward.yaml carries it commented out
};

struct ExportResult {
  std::map<std::string, std::string> files;  // file name -> YAML text
  int documents = 0;
  // Live resources in scope that export leaves out (addresses), to tell the user: kinds without
  // ExportManifest, and resources a manifest cannot describe (a Pending connection).
  std::vector<std::string> skipped;
};

// "/subscriptions/{s}" or "/subscriptions/{s}/resourceGroups/{rg}".
std::string ExportScope(const ExportOptions& options);

ExportResult BuildExport(const ObservedSet& observed, const HandlerRegistry& handlers,
                         const ExportOptions& options);

// One YAML document for a manifest (block style, keys in the order apiVersion, kind, metadata,
// spec, then alphabetical).
std::string ManifestYaml(const Json& document);

}  // namespace keyward::engine
