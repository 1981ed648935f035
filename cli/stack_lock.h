// One writer per stack (DESIGN.md §10): `keyward apply` and `keyward daemon --mode heal` take an
// exclusive flock on <state dir>/<stack>.lock before writing to ARM, so two daemons, or a daemon
// and a manual apply, never interleave writes. The kernel drops the lock when the process exits
// (even on a crash), so a stale lock file never blocks anyone. The file holds the holder's pid
// and command, only to make the "locked by ..." message useful.
//
// Scope: the lock is per machine (per state dir). Writers on different machines or containers
// must share the state dir (a volume) to exclude each other; docs/daemon.md says so.
#pragma once

#include <string>

#include "engine/context.h"
#include "engine/result.h"

namespace keyward::cli {

// --state-dir, else $KEYWARD_STATE_DIR, else $XDG_STATE_HOME/keyward, else
// $HOME/.local/state/keyward, else ./.keyward.
std::string StateDir(const std::string& flag);

// Stack names become file names: anything outside [A-Za-z0-9._-] turns into '_'.
std::string StackFileStem(const std::string& stack);

class StackLock {
 public:
  // Takes the lock. If another process holds it: with `wait`, waits (polling once a second,
  // giving up with kCancelled when ctx is cancelled) after calling `on_wait` once with the
  // holder's description; without it, fails with kFailedPrecondition naming the holder. A lock
  // file that cannot be created or locked at all (read-only state dir) is kPermissionDenied.
  static Result<StackLock> Acquire(const std::string& state_dir, const std::string& stack,
                                   const std::string& command, bool wait, const Context& ctx,
                                   void (*on_wait)(const std::string& holder) = nullptr);
  StackLock(StackLock&& other) noexcept;
  StackLock& operator=(StackLock&& other) noexcept;
  StackLock(const StackLock&) = delete;
  StackLock& operator=(const StackLock&) = delete;
  ~StackLock();

  const std::string& stack() const { return stack_; }
  const std::string& path() const { return path_; }

 private:
  StackLock(int fd, std::string stack, std::string path)
      : fd_(fd), stack_(std::move(stack)), path_(std::move(path)) {}
  int fd_ = -1;
  std::string stack_;
  std::string path_;
};

}  // namespace keyward::cli
