#include "cli/manifest_sources.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "cli/guardrails.h"
#include "engine/file_reader.h"
#include "engine/scrubber.h"
#include "engine/url.h"
#include "engine/validate.h"

namespace keyward::cli {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv without a shell (URLs and refs are never interpreted) and captures its output.
ProcessResult RunProcess(const std::vector<std::string>& argv) {
  ProcessResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return result;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return result;
  }
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::setenv("GIT_TERMINAL_PROMPT", "0", 1);  // never hang on a credential prompt
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) result.output.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
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

engine::LoadedRevision GitSource::Load(const Context&) {
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
    if (auto r = RunProcess({"git", "init", "--quiet", dir}); r.exit_code != 0)
      return failed("git init " + dir, r);
  }
  if (auto r = RunProcess(
          {"git", "-C", dir, "fetch", "--quiet", "--depth", "1", "--", options_.url, options_.ref});
      r.exit_code != 0)
    return failed("git fetch " + engine::RedactUrl(options_.url) + " " + options_.ref, r);
  const ProcessResult rev = RunProcess({"git", "-C", dir, "rev-parse", "FETCH_HEAD"});
  if (rev.exit_code != 0) return failed("git rev-parse FETCH_HEAD", rev);
  const std::string revision = Trimmed(rev.output);
  if (auto r =
          RunProcess({"git", "-C", dir, "checkout", "--quiet", "--force", "--detach", revision});
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
