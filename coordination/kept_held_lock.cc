#include "coordination/kept_held_lock.h"

namespace keyward::coordination {

KeptHeldLock::KeptHeldLock(std::shared_ptr<LeaseKeeper> keeper, std::string stack,
                           std::string where, std::function<void()> give_back)
    : keeper_(std::move(keeper)),
      stack_(std::move(stack)),
      where_(std::move(where)),
      give_back_(std::move(give_back)) {}

void KeptHeldLock::Release() {
  if (released_.exchange(true)) return;
  keeper_->MarkLost("released");
  keeper_->Stop();
  give_back_();
}

}  // namespace keyward::coordination
