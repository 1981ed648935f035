// Lookup by address for a whole pass: a plan or an apply walks every change and looks up its
// counterpart, and a linear Find per change made that N² at fleet size (docs/benchmarks.md).
// The map points into `items`, which must outlive it and not grow while it is used.
#pragma once

#include <string_view>
#include <unordered_map>
#include <vector>

namespace keyward::engine {

template <class T>
class ByAddress {
 public:
  explicit ByAddress(const std::vector<T>& items) {
    map_.reserve(items.size());
    for (const T& item : items) {
      // The first one wins, like Find; a later one of that address is remembered as a duplicate.
      if (!map_.emplace(item.address, &item).second && !duplicate_) duplicate_ = &item;
    }
  }

  const T* Find(std::string_view address) const {
    auto it = map_.find(address);
    return it == map_.end() ? nullptr : it->second;
  }

  // The first item whose address an earlier item already has; nullptr when every address is
  // unique.
  const T* Duplicate() const { return duplicate_; }

 private:
  std::unordered_map<std::string_view, const T*> map_;
  const T* duplicate_ = nullptr;
};

}  // namespace keyward::engine
