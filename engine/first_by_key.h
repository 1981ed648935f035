// A lookup from string keys to the position of the first element inserted with that key, for
// the indexes MakePlan builds once per plan over 100,000 resources. Open addressing over two flat
// arrays: no allocation per key, where a node-based unordered_map allocates (and later frees) one
// node per resource, which at fleet scale cost more than the lookups themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace keyward::engine {

// Keys are views: the strings must outlive the table.
template <typename Hash = std::hash<std::string_view>,
          typename Equal = std::equal_to<std::string_view>>
class FirstByKey {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  // Room for `capacity` keys; inserting more is an error the table does not check.
  explicit FirstByKey(size_t capacity) {
    size_t slots = 16;
    while (slots < capacity + capacity / 2 + 1) slots *= 2;
    slots_.assign(slots, kEmpty);
    entries_.reserve(capacity);
  }

  // Records `position` under `key` unless the key is already there (the first one wins).
  void Insert(std::string_view key, size_t position) {
    size_t slot = SlotOf(key);
    if (slots_[slot] != kEmpty) return;
    slots_[slot] = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back(key, position);
  }

  // The position first inserted under a key equal to `key`, else kNone.
  size_t Find(std::string_view key) const {
    const uint32_t entry = slots_[SlotOf(key)];
    return entry == kEmpty ? kNone : entries_[entry].second;
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  // The slot holding `key`, else the empty slot where it would go (linear probing).
  size_t SlotOf(std::string_view key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t slot = Hash{}(key)&mask;; slot = (slot + 1) & mask)
      if (slots_[slot] == kEmpty || Equal{}(entries_[slots_[slot]].first, key)) return slot;
  }

  std::vector<uint32_t> slots_;
  std::vector<std::pair<std::string_view, size_t>> entries_;
};

}  // namespace keyward::engine
