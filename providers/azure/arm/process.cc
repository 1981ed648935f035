#include "providers/azure/arm/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

extern char** environ;

namespace keyward::azure {
namespace {

// Closes both ends it owns on every path out of RunProcess.
struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void CloseWrite() { ::close(fd[1]), fd[1] = -1; }
};

// The child's environment, built before spawning: the parent's, with extra_env on top.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra_env) {
  std::vector<std::string> env_strings = extra_env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const std::string& extra : extra_env)
      overridden = overridden || std::string_view(extra).substr(0, extra.find('=')) == name;
    if (!overridden) env_strings.emplace_back(entry);
  }
  return env_strings;
}

// Reads the child's stdout and stderr into `result` until both close. An error when the child
// must be killed: cancelled, out of time, or poll failed.
std::optional<Error> ReadUntilClosed(int out_fd, int err_fd, const std::string& program,
                                     std::chrono::milliseconds timeout, const Context& ctx,
                                     ProcessResult* result) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&result->out, &result->err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (ctx.IsCancelled()) return Error{ErrorCode::kCancelled, program + ": cancelled", ""};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Error{
          ErrorCode::kDeadlineExceeded,
          program + " did not finish within " + std::to_string(timeout.count() / 1000) + " s", ""};
    }
    // Wake up at least every 100 ms to notice cancellation.
    int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (ready < 0 && errno != EINTR)
      return Error{ErrorCode::kUnavailable, std::string("poll: ") + std::strerror(errno), ""};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FindExecutable(const std::string& name, const std::string& path_env) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (dir.empty()) dir = ".";  // an empty PATH entry means the current directory
    std::string candidate = dir + "/" + name;
    struct stat info;
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout, const Context& ctx) {
  return RunProcess(argv, {}, timeout, ctx);
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& extra_env,
                                 std::chrono::milliseconds timeout, const Context& ctx) {
  std::vector<std::string> env_strings = ChildEnvironment(extra_env);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  Pipe out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawned =
      ::posix_spawn(&pid, argv.front().c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot run " + argv.front() + ": " + std::strerror(spawned));
  }
  out.CloseWrite();
  err.CloseWrite();

  ProcessResult result;
  const std::optional<Error> failure =
      ReadUntilClosed(out.fd[0], err.fd[0], argv.front(), timeout, ctx, &result);
  if (failure) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (failure) return tl::unexpected(*failure);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace keyward::azure
