#include "coordination/local_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace keyward::coordination {
namespace {

LockHolder ReadHolder(int fd) {
  char buffer[1024] = {};
  const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = n > 0 ? std::string(buffer, n) : "";
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) return LockHolder::FromJson(json);
  LockHolder unknown;  // written by an older keyward ("pid N (keyward CMD)"), or being written
  unknown.command = "?";
  return unknown;
}

class LocalHeldLock : public HeldLock {
 public:
  LocalHeldLock(int fd, std::string stack, std::string path)
      : fd_(fd), stack_(std::move(stack)), path_(std::move(path)) {}
  ~LocalHeldLock() override { Release(); }
  std::optional<Error> CheckWrite() const override { return std::nullopt; }
  const std::string& stack() const override { return stack_; }
  std::string where() const override { return path_; }
  void Release() override {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
    fd_ = -1;
  }

 private:
  int fd_;
  std::string stack_;
  std::string path_;
};

}  // namespace

std::string StackFileStem(const std::string& stack) {
  if (stack.empty()) return "default";
  std::string stem = stack;
  for (char& c : stem)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  return stem;
}

std::string LocalLockBackend::PathFor(const std::string& stack) const {
  return state_dir_ + "/" + StackFileStem(stack) + ".lock";
}

Result<std::shared_ptr<HeldLock>> LocalLockBackend::Acquire(const AcquireRequest& request,
                                                            const Context& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir_, ec);
  const std::string path = PathFor(request.stack);
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
    const LockHolder holder = ReadHolder(fd);
    if (!request.wait) {
      ::close(fd);
      return tl::unexpected(LockedBy(request.stack, holder, path));
    }
    if (!told && request.on_wait) request.on_wait(holder);
    told = true;
    if (!ctx.clock->SleepFor(std::chrono::seconds(1), ctx.cancelled.get())) {
      ::close(fd);
      return MakeError(ErrorCode::kCancelled, "cancelled while waiting for the stack lock");
    }
  }
  const std::string holder = request.holder.ToJson().dump() + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, holder.data(), holder.size(), 0);
  }
  return std::make_shared<LocalHeldLock>(fd, request.stack, path);
}

Result<LockStatus> LocalLockBackend::Status(const std::string& stack, const Context& ctx) {
  LockStatus status;
  status.stack = stack;
  status.backend = "local";
  status.where = PathFor(stack);
  const int fd = ::open(status.where.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return status;  // never taken on this machine
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) status.holder = ReadHolder(fd);
  ::close(fd);  // also drops our shared lock when we got it
  return status;
}

Result<std::optional<LockHolder>> LocalLockBackend::Break(const std::string& stack,
                                                          const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto status, Status(stack, ctx));
  if (!status.holder) return std::optional<LockHolder>();
  return MakeError(ErrorCode::kFailedPrecondition,
                   "the local lock on stack '" + stack + "' is held by the live process " +
                       status.holder->ToString() +
                       "; the kernel releases it when that process exits (stop it: kill " +
                       std::to_string(status.holder->pid) + ")");
}

}  // namespace keyward::coordination
