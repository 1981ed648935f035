#include "cli/manifest_sources.h"

#include <cstdlib>
#include <filesystem>

#include "cli/guardrails.h"
#include "engine/file_reader.h"
#include "engine/scrubber.h"
#include "engine/url.h"
#include "engine/validate.h"
#include "providers/azure/arm/process.h"

namespace keyward::cli {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv without a shell (URLs and refs are never interpreted), stdin from /dev/null and no
// credential prompt, for at most `timeout`, and captures its output.
ProcessResult RunProcess(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                         const Context& ctx) {
  const char* path = std::getenv("PATH");
  auto program = azure::FindExecutable(argv.front(), path ? path : "");
  if (!program) return {127, argv.front() + ": not found on PATH"};
  argv.front() = *program;
  auto run = azure::RunProcess(argv, {"GIT_TERMINAL_PROMPT=0"}, timeout, ctx);
  if (!run) return {-1, run.error().message};
  return {run->exit_code, run->out + run->err};
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

engine::LoadedRevision LoadManifests(const std::vector<std::string>& paths,
                                     const engine::HandlerRegistry& registry,
                                     std::string revision) {
  engine::RealFileReader reader;
  const engine::RealEnvironment env;
  auto result = std::make_shared<engine::ValidationResult>(
      engine::ValidateManifests(paths, reader, registry, &env, &GuardrailRules()));
  engine::LoadedRevision loaded;
  if (revision.empty() && !result->set.digest.empty()) revision = "sha256:" + result->set.digest;
  loaded.revision = std::move(revision);
  if (!result->ok()) {
    for (const auto& d : result->diagnostics.items())
      if (d.severity == engine::Severity::kError) loaded.errors.push_back(d.ToString());
    return loaded;
  }
  loaded.manifests = std::move(result);
  return loaded;
}

engine::LoadedRevision DirectorySource::Load(const Context&) {
  return LoadManifests(paths_, *registry_, "");
}

engine::LoadedRevision GitSource::Load(const Context& ctx) {
  const std::string& dir = options_.cache_dir;
  auto failed = [](const std::string& what, const ProcessResult& r) {
    engine::LoadedRevision loaded;
    // git may quote the URL, credentials included, in its own messages.
    loaded.errors.push_back(what + " failed (exit " + std::to_string(r.exit_code) +
                            "): " + engine::RedactUrls(Trimmed(r.output)));
    return loaded;
  };
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/.git", ec)) {
    std::filesystem::create_directories(dir, ec);
    if (auto r = RunProcess({"git", "init", "--quiet", dir}, options_.timeout, ctx);
        r.exit_code != 0)
      return failed("git init " + dir, r);
  }
  if (auto r = RunProcess(
          {"git", "-C", dir, "fetch", "--quiet", "--depth", "1", "--", options_.url, options_.ref},
          options_.timeout, ctx);
      r.exit_code != 0)
    return failed("git fetch " + engine::RedactUrl(options_.url) + " " + options_.ref, r);
  const ProcessResult rev =
      RunProcess({"git", "-C", dir, "rev-parse", "FETCH_HEAD"}, options_.timeout, ctx);
  if (rev.exit_code != 0) return failed("git rev-parse FETCH_HEAD", rev);
  const std::string revision = Trimmed(rev.output);
  if (auto r =
          RunProcess({"git", "-C", dir, "checkout", "--quiet", "--force", "--detach", revision},
                     options_.timeout, ctx);
      r.exit_code != 0) {
    auto loaded = failed("git checkout " + revision, r);
    loaded.revision = revision;
    return loaded;
  }
  const std::string root = options_.subpath.empty() ? dir : dir + "/" + options_.subpath;
  if (!std::filesystem::is_directory(root, ec)) {
    engine::LoadedRevision loaded;
    loaded.revision = revision;
    loaded.errors.push_back("--git-path '" + options_.subpath + "' is not a directory at " +
                            revision);
    return loaded;
  }
  return LoadManifests({root}, *registry_, revision);
}

}  // namespace keyward::cli
