#include "cli/stack_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace keyward::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string ReadHolder(int fd) {
  char buffer[256] = {};
  const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = n > 0 ? std::string(buffer, n) : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "another process" : text;
}

}  // namespace

std::string StateDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (auto dir = Env("KEYWARD_STATE_DIR"); !dir.empty()) return dir;
  if (auto dir = Env("XDG_STATE_HOME"); !dir.empty()) return dir + "/keyward";
  if (auto home = Env("HOME"); !home.empty()) return home + "/.local/state/keyward";
  return ".keyward";
}

std::string StackFileStem(const std::string& stack) {
  if (stack.empty()) return "default";
  std::string stem = stack;
  for (char& c : stem)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  return stem;
}

Result<StackLock> StackLock::Acquire(const std::string& state_dir, const std::string& stack,
                                     const std::string& command, bool wait, const Context& ctx,
                                     void (*on_wait)(const std::string& holder)) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  const std::string path = state_dir + "/" + StackFileStem(stack) + ".lock";
  // O_CLOEXEC: child processes (git) must not inherit, and so extend, the lock.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return MakeError(ErrorCode::kPermissionDenied,
                     "cannot open the stack lock " + path + ": " + std::strerror(errno));
  bool told = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      const std::string error = std::strerror(errno);
      ::close(fd);
      return MakeError(ErrorCode::kPermissionDenied, "cannot lock " + path + ": " + error);
    }
    const std::string holder = ReadHolder(fd);
    if (!wait) {
      ::close(fd);
      return MakeError(ErrorCode::kFailedPrecondition, "stack '" + stack + "' is locked by " +
                                                           holder + " (" + path +
                                                           "); only one writer per stack may run");
    }
    if (!told && on_wait) on_wait(holder);
    told = true;
    if (!ctx.clock->SleepFor(std::chrono::seconds(1), ctx.cancelled.get())) {
      ::close(fd);
      return MakeError(ErrorCode::kCancelled, "cancelled while waiting for the stack lock");
    }
  }
  const std::string holder = "pid " + std::to_string(::getpid()) + " (keyward " + command + ")\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, holder.data(), holder.size(), 0);
  }
  return StackLock(fd, stack, path);
}

StackLock::StackLock(StackLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      stack_(std::move(other.stack_)),
      path_(std::move(other.path_)) {}

StackLock& StackLock::operator=(StackLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    stack_ = std::move(other.stack_);
    path_ = std::move(other.path_);
  }
  return *this;
}

StackLock::~StackLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace keyward::cli
