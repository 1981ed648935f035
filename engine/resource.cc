#include "engine/resource.h"

#include <algorithm>

namespace keyward::engine {

const char* ReconcilePolicyName(ReconcilePolicy policy) {
  switch (policy) {
    case ReconcilePolicy::kManage:
      return "manage";
    case ReconcilePolicy::kObserve:
      return "observe";
    case ReconcilePolicy::kSkip:
      return "skip";
    case ReconcilePolicy::kDetachOnDelete:
      return "detach-on-delete";
  }
  return "manage";
}

std::optional<ReconcilePolicy> ParseReconcilePolicy(const std::string& text) {
  // Annotation values are written by people; accept any case, but nothing looser than that.
  const std::string lower = AsciiLower(text);
  if (lower == "manage") return ReconcilePolicy::kManage;
  if (lower == "observe") return ReconcilePolicy::kObserve;
  if (lower == "skip") return ReconcilePolicy::kSkip;
  if (lower == "detach-on-delete") return ReconcilePolicy::kDetachOnDelete;
  return std::nullopt;
}

SourceLocation DesiredResource::LocationOf(const std::string& field) const {
  return field_locations.Find(field).value_or(location);
}

const DesiredResource* DesiredSet::Find(const std::string& address) const {
  for (const auto& r : resources)
    if (r.address == address) return &r;
  return nullptr;
}

const ObservedResource* ObservedSet::FindById(const std::string& arm_id) const {
  if (arm_id.empty()) return nullptr;
  for (const auto& r : resources)
    if (EqualsIgnoreCase(r.arm_id, arm_id)) return &r;
  return nullptr;
}

const ObservedResource* ObservedSet::FindByAddress(const std::string& address) const {
  if (address.empty()) return nullptr;
  for (const auto& r : resources)
    if (r.address == address) return &r;
  return nullptr;
}

const SoftDeletedResource* ObservedSet::FindSoftDeleted(const std::string& kind,
                                                        const std::string& name,
                                                        const std::string& subscription) const {
  // Names of vaults and HSMs are global and case-insensitive; subscription ids are GUIDs that
  // ARM may echo in either case.
  for (const auto& r : soft_deleted)
    if (r.kind == kind && EqualsIgnoreCase(r.name, name) &&
        EqualsIgnoreCase(r.subscription, subscription))
      return &r;
  return nullptr;
}

std::string AsciiLower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return lower(x) == lower(y);
  });
}

}  // namespace keyward::engine
