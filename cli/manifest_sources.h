// Where the daemon reads manifests from on every loop (engine::ManifestSource): a directory
// (re-read each loop; revision = sha256 of the manifest bytes) or a git repository fetched each
// loop with the git CLI into a cache directory (revision = the fetched commit).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engine/daemon.h"
#include "engine/resource_handler.h"

namespace keyward::cli {

class DirectorySource : public engine::ManifestSource {
 public:
  DirectorySource(std::vector<std::string> paths, const engine::HandlerRegistry* registry)
      : paths_(std::move(paths)), registry_(registry) {}
  engine::LoadedRevision Load(const Context& ctx) override;

 private:
  std::vector<std::string> paths_;
  const engine::HandlerRegistry* registry_;
};

struct GitSourceOptions {
  std::string url;  // anything `git fetch` accepts; file:// in tests
  std::string ref = "main";
  std::string subpath;    // manifests directory inside the repository ("" = root)
  std::string cache_dir;  // a working clone owned by this daemon
  // Per git command: a stalled server fails the load (the daemon keeps its last good revision)
  // instead of hanging every loop. git runs with stdin closed and never prompts.
  std::chrono::milliseconds timeout = std::chrono::minutes(5);
};

// Each Load: `git fetch --depth 1 URL REF` into the cache clone, then a forced detached
// checkout of FETCH_HEAD, then the directory load. Errors show the URL without its userinfo and
// query (engine::RedactUrl): a token in the URL never reaches /status, logs or status files. The
// previous checkout is replaced; the last good *parsed* revision lives in the daemon, so a broken
// commit never needs the old files back.
class GitSource : public engine::ManifestSource {
 public:
  GitSource(GitSourceOptions options, const engine::HandlerRegistry* registry)
      : options_(std::move(options)), registry_(registry) {}
  engine::LoadedRevision Load(const Context& ctx) override;

 private:
  GitSourceOptions options_;
  const engine::HandlerRegistry* registry_;
};

// Validation result as a LoadedRevision: errors as "file:line:column: error: ..." lines.
engine::LoadedRevision LoadManifests(const std::vector<std::string>& paths,
                                     const engine::HandlerRegistry& registry, std::string revision);

}  // namespace keyward::cli
