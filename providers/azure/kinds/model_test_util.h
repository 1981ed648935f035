// What the pure model tests of the Azure kinds share: one subscription, tenant and stack, and the
// engine names every one of them uses. Header-only and named *_test_util.h so the library glob
// never picks it up.
#pragma once

#include "engine/plan.h"

namespace keyward::azure::model_test {

using engine::Action;
using engine::Change;

inline constexpr char kSub[] = "11111111-2222-4333-8444-555555555555";
inline constexpr char kTenant[] = "72f988bf-86f1-41af-91ab-2d7cd011db47";
inline constexpr char kStack[] = "payments";

}  // namespace keyward::azure::model_test
