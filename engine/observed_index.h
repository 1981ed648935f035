// Pairing desired resources with their live counterparts in constant time, for everything that
// does it once per desired resource at fleet scale (MakePlan, the guardrails' planned estate).
// Same matching rules as ObservedSet::FindById / FindByAddress: the ARM id case-insensitively,
// else the address exactly (kinds whose id ARM chooses); the first match wins.
#pragma once

#include <string>
#include <unordered_map>

#include "engine/resource.h"

namespace keyward::engine {

class ObservedIndex {
 public:
  explicit ObservedIndex(const ObservedSet& observed);
  // The live resource of `desired`, else null.
  const ObservedResource* Match(const DesiredResource& desired) const;

 private:
  std::unordered_map<std::string, const ObservedResource*> by_id_;
  std::unordered_map<std::string, const ObservedResource*> by_address_;
};

}  // namespace keyward::engine
