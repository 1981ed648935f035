// A held stack lock whose lease a LeaseKeeper keeps alive (the etcd and Azure Blob backends):
// writes are fenced by the keeper, and releasing stops the keeper before the lease is given back.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coordination/lease_keeper.h"
#include "coordination/stack_lock.h"

namespace keyward::coordination {

class KeptHeldLock : public HeldLock {
 public:
  // `give_back` returns the lease to the lock service, best effort: if the service cannot be
  // reached, the lease simply expires.
  KeptHeldLock(std::shared_ptr<LeaseKeeper> keeper, std::string stack, std::string where,
               std::function<void()> give_back);
  ~KeptHeldLock() override { Release(); }

  std::optional<Error> CheckWrite() const override { return keeper_->CheckWrite(); }
  bool Alive() const override { return !keeper_->LostForGood(); }
  const std::string& stack() const override { return stack_; }
  std::string where() const override { return where_; }
  void Release() override;

 private:
  std::shared_ptr<LeaseKeeper> keeper_;
  std::string stack_;
  std::string where_;
  std::function<void()> give_back_;
  std::atomic<bool> released_{false};
};

}  // namespace keyward::coordination
