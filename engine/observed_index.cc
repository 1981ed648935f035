#include "engine/observed_index.h"

namespace keyward::engine {
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The part of an id CanonicalArmId keeps: trailing slashes dropped, a lone "/" kept.
std::string_view WithoutTrailingSlashes(std::string_view arm_id) {
  while (arm_id.size() > 1 && arm_id.back() == '/') arm_id.remove_suffix(1);
  return arm_id;
}

}  // namespace

size_t ArmIdHash::operator()(std::string_view arm_id) const {
  size_t hash = 14695981039346656037ull;  // FNV-1a over the lowercased bytes
  for (char c : WithoutTrailingSlashes(arm_id)) {
    hash ^= static_cast<unsigned char>(LowerAscii(c));
    hash *= 1099511628211ull;
  }
  return hash ^ (hash >> 29);  // the table masks the low bits: fold the high ones in
}

bool ArmIdEqual::operator()(std::string_view a, std::string_view b) const {
  a = WithoutTrailingSlashes(a);
  b = WithoutTrailingSlashes(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  return true;
}

ObservedIndex::ObservedIndex(const ObservedSet& observed)
    : observed_(observed),
      by_id_(observed.resources.size()),
      by_address_(observed.resources.size()) {
  for (size_t i = 0; i < observed.resources.size(); ++i) {
    const ObservedResource& o = observed.resources[i];
    if (!o.arm_id.empty()) by_id_.Insert(o.arm_id, i);
    if (!o.address.empty()) by_address_.Insert(o.address, i);
  }
}

const ObservedResource* ObservedIndex::Match(const DesiredResource& desired) const {
  size_t found = FirstByKey<>::kNone;
  if (!desired.arm_id.empty()) found = by_id_.Find(desired.arm_id);
  if (found == FirstByKey<>::kNone) found = by_address_.Find(desired.address);
  return found == FirstByKey<>::kNone ? nullptr : &observed_.resources[found];
}

}  // namespace keyward::engine
