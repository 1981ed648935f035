#include "engine/exact_match.h"

namespace keyward::engine {

bool ManagedFieldsMatchExactly(const Json& desired, const Json& live) {
  switch (desired.type()) {
    case Json::value_t::null:
      return true;  // not managed
    case Json::value_t::object: {
      if (!live.is_object()) return false;
      for (auto it = desired.begin(); it != desired.end(); ++it) {
        if (it->is_null()) continue;
        auto have = live.find(it.key());
        if (have == live.end() || !ManagedFieldsMatchExactly(*it, *have)) return false;
      }
      return true;
    }
    case Json::value_t::array: {
      // The diff reports a null element facing a value, so nulls are not skipped here.
      if (!live.is_array() || live.size() != desired.size()) return false;
      for (size_t i = 0; i < desired.size(); ++i) {
        if (desired[i].is_null() ? !live[i].is_null()
                                 : !ManagedFieldsMatchExactly(desired[i], live[i]))
          return false;
      }
      return true;
    }
    default:
      // Same type, so numbers compare as what they are (no int / unsigned / float mixing) and a
      // NaN never equals itself: both leave the decision to the full diff.
      return desired.type() == live.type() && desired == live;
  }
}

}  // namespace keyward::engine
