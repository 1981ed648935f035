// Pairing desired resources with their live counterparts in constant time, for everything that
// does it once per desired resource at fleet scale (MakePlan, the guardrails' planned estate).
// Same matching rules as ObservedSet::FindById / FindByAddress: the ARM id case-insensitively,
// else the address exactly (kinds whose id ARM chooses); the first match wins.
#pragma once

#include <cstddef>
#include <string_view>

#include "engine/first_by_key.h"
#include "engine/resource.h"

namespace keyward::engine {

// ARM ids hashed and compared as their CanonicalArmId forms are (ASCII case and trailing slashes
// ignored), without building those forms.
struct ArmIdHash {
  size_t operator()(std::string_view arm_id) const;
};
struct ArmIdEqual {
  bool operator()(std::string_view a, std::string_view b) const;
};

class ObservedIndex {
 public:
  // Holds views into `observed`, which must outlive the index.
  explicit ObservedIndex(const ObservedSet& observed);
  // The live resource of `desired`, else null.
  const ObservedResource* Match(const DesiredResource& desired) const;

 private:
  const ObservedSet& observed_;
  FirstByKey<ArmIdHash, ArmIdEqual> by_id_;
  FirstByKey<> by_address_;
};

}  // namespace keyward::engine
