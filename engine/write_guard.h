// Fencing for writers (docs/ha.md). ARM has no fencing token: nothing stops a writer whose stack
// lease lapsed (a lost network, a process paused by SIGSTOP or a long stall) from writing after
// another writer took over. The only guard is the writer's own check, made immediately before
// each write: is my lease still valid on the monotonic clock (last acknowledged keep-alive + TTL
// - a safety margin)? A WriteGuard is that check. The lock backends (coordination/) implement it;
// the engine's apply checks it before every change, and the ARM pipeline before every non-GET
// request, so the window between the check and the write reaching ARM is one request's send.
#pragma once

#include <optional>

#include "engine/result.h"

namespace keyward {

class WriteGuard {
 public:
  virtual ~WriteGuard() = default;
  // nullopt while writes are allowed; else why not (kAborted, message starting "lock lost").
  // Thread-safe and cheap: called from every apply worker before every write.
  virtual std::optional<Error> CheckWrite() const = 0;
};

}  // namespace keyward
