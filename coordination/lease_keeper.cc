#include "coordination/lease_keeper.h"

#include "engine/duration.h"

namespace keyward::coordination {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

MonotonicClock RealMonotonicClock() {
  return [] { return std::chrono::steady_clock::now(); };
}

LeaseTiming LeaseTiming::ForTtl(milliseconds ttl) {
  LeaseTiming timing;
  timing.ttl = ttl;
  timing.renew_every = ttl / 3;
  timing.margin = ttl / 5;
  return timing;
}

LeaseKeeper::LeaseKeeper(std::string what, LeaseTiming timing, RenewFn renew, MonotonicClock clock,
                         SteadyTime granted_sent_at)
    : what_(std::move(what)),
      timing_(timing),
      renew_(std::move(renew)),
      clock_(clock ? std::move(clock) : RealMonotonicClock()),
      last_ok_sent_(granted_sent_at) {}

LeaseKeeper::~LeaseKeeper() { Stop(); }

void LeaseKeeper::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_ && !lost_) {
      // After a failed round, try again sooner: the lease may still be saved.
      const milliseconds wait = round_failed_.empty()
                                    ? timing_.renew_every
                                    : std::max(timing_.renew_every / 4, milliseconds(50));
      cv_.wait_for(lock, wait, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      RenewOnce();
      lock.lock();
    }
  });
}

void LeaseKeeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void LeaseKeeper::MarkLost(const std::string& why) {
  std::lock_guard lock(mu_);
  if (!lost_) lost_ = Error{ErrorCode::kAborted, "lock lost: " + what_ + ": " + why, {}};
}

void LeaseKeeper::RenewOnce() {
  {
    std::lock_guard lock(mu_);
    if (lost_) return;
  }
  const SteadyTime sent = clock_();
  const Status status = renew_();
  std::lock_guard lock(mu_);
  if (CheckLocked(clock_()) && lost_) return;  // the deadline passed meanwhile: final
  if (status) {
    // Only a renewal sent while the lease was still ours (by our own conservative count) vouches
    // for it; one sent after the deadline proves nothing about the time in between.
    if (sent < last_ok_sent_ + timing_.ttl - timing_.margin) {
      last_ok_sent_ = std::max(last_ok_sent_, sent);
      round_failed_.clear();
    }
    return;
  }
  if (status.error().code == ErrorCode::kNotFound) {
    lost_ = Error{ErrorCode::kAborted, "lock lost: " + what_ + ": " + status.error().message, {}};
    return;
  }
  round_failed_ = status.error().message;
}

std::optional<Error> LeaseKeeper::CheckLocked(SteadyTime now) const {
  if (lost_) return lost_;
  if (now >= last_ok_sent_ + timing_.ttl - timing_.margin) {
    const auto silent = duration_cast<milliseconds>(now - last_ok_sent_);
    lost_ =
        Error{ErrorCode::kAborted,
              "lock lost: " + what_ + ": no keep-alive acknowledged for " +
                  engine::FormatDuration(silent) + " (TTL " + engine::FormatDuration(timing_.ttl) +
                  ", safety margin " + engine::FormatDuration(timing_.margin) + ")",
              {}};
    return lost_;
  }
  if (!round_failed_.empty())
    return Error{ErrorCode::kAborted,
                 "lock lost: " + what_ + ": the last keep-alive failed (" + round_failed_ + ")",
                 {}};
  return std::nullopt;
}

std::optional<Error> LeaseKeeper::CheckWrite() const {
  std::lock_guard lock(mu_);
  return CheckLocked(clock_());
}

bool LeaseKeeper::LostForGood() const {
  std::lock_guard lock(mu_);
  CheckLocked(clock_());
  return lost_.has_value();
}

milliseconds LeaseKeeper::Remaining() const {
  std::lock_guard lock(mu_);
  if (CheckLocked(clock_()) && lost_) return milliseconds(0);
  return duration_cast<milliseconds>(last_ok_sent_ + timing_.ttl - timing_.margin - clock_());
}

}  // namespace keyward::coordination
