#include "engine/observed_index.h"

#include "engine/diff.h"

namespace keyward::engine {

ObservedIndex::ObservedIndex(const ObservedSet& observed) {
  by_id_.reserve(observed.resources.size());
  by_address_.reserve(observed.resources.size());
  for (const ObservedResource& o : observed.resources) {
    if (!o.arm_id.empty()) by_id_.emplace(CanonicalArmId(o.arm_id), &o);
    if (!o.address.empty()) by_address_.emplace(o.address, &o);
  }
}

const ObservedResource* ObservedIndex::Match(const DesiredResource& desired) const {
  if (!desired.arm_id.empty()) {
    auto it = by_id_.find(CanonicalArmId(desired.arm_id));
    if (it != by_id_.end()) return it->second;
  }
  auto it = by_address_.find(desired.address);
  return it != by_address_.end() ? it->second : nullptr;
}

}  // namespace keyward::engine
