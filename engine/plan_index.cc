#include "engine/plan_index.h"

#include <algorithm>

#include "engine/by_address.h"
#include "engine/diff.h"
#include "engine/resource_handler.h"

namespace keyward::engine {
namespace {

// "Kind\nid": kinds hold no newline, so (kind, id) pairs sort by kind, then by id.
std::string KindIdKey(std::string_view kind, const std::string& canonical_id) {
  std::string key;
  key.reserve(kind.size() + 1 + canonical_id.size());
  key.append(kind).push_back('\n');
  key += canonical_id;
  return key;
}

template <typename Resource>
using Sorted = std::vector<std::pair<std::string, const Resource*>>;

template <typename Resource>
Sorted<Resource> SortByKindAndId(const std::vector<Resource>& resources) {
  Sorted<Resource> out;
  out.reserve(resources.size());
  for (const Resource& r : resources)
    out.emplace_back(KindIdKey(r.kind, CanonicalArmId(r.arm_id)), &r);
  // Stable: among equal ids, set order, so the first match is the set's first.
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

template <typename Resource>
std::vector<const Resource*> Under(const Sorted<Resource>& sorted, std::string_view kind,
                                   const std::string& parent_id) {
  const std::string prefix = KindIdKey(kind, CanonicalArmId(parent_id) + "/");
  std::vector<const Resource*> out;
  auto it =
      std::lower_bound(sorted.begin(), sorted.end(), prefix,
                       [](const auto& entry, const std::string& p) { return entry.first < p; });
  for (; it != sorted.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.push_back(it->second);
  return out;
}

bool IsUnder(const std::string& arm_id, const std::string& parent_id) {
  const std::string prefix = CanonicalArmId(parent_id) + "/";
  return CanonicalArmId(arm_id).compare(0, prefix.size(), prefix) == 0;
}

// The scan the index replaces, for requests built without one (both set kinds).
template <typename Resource>
std::vector<const Resource*> ScanUnder(const std::vector<Resource>* resources,
                                       std::string_view kind, const std::string& parent_id) {
  std::vector<const Resource*> out;
  if (resources)
    for (const Resource& r : *resources)
      if (r.kind == kind && IsUnder(r.arm_id, parent_id)) out.push_back(&r);
  return out;
}

}  // namespace

struct PlanIndex::Tables {
  explicit Tables(const DesiredSet& desired) : desired_by_address(desired.resources) {}

  ByAddress<DesiredResource> desired_by_address;
  Sorted<DesiredResource> desired_by_id;
  std::unordered_map<std::string, const ObservedResource*> observed_by_id;  // lowercase id
  Sorted<ObservedResource> observed_by_kind_and_id;
};

PlanIndex::PlanIndex(const DesiredSet& desired, const ObservedSet& observed)
    : desired_(desired), observed_(observed) {}

PlanIndex::~PlanIndex() = default;

const PlanIndex::Tables& PlanIndex::tables() const {
  if (tables_) return *tables_;
  auto t = std::make_unique<Tables>(desired_);
  t->desired_by_id = SortByKindAndId(desired_.resources);
  t->observed_by_id.reserve(observed_.resources.size());
  for (const ObservedResource& o : observed_.resources)
    if (!o.arm_id.empty()) t->observed_by_id.emplace(AsciiLower(o.arm_id), &o);
  t->observed_by_kind_and_id = SortByKindAndId(observed_.resources);
  tables_ = std::move(t);
  return *tables_;
}

const DesiredResource* PlanIndex::DesiredByAddress(const std::string& address) const {
  return tables().desired_by_address.Find(address);
}

const DesiredResource* PlanIndex::DesiredById(std::string_view kind,
                                              const std::string& arm_id) const {
  const auto& sorted = tables().desired_by_id;
  const std::string key = KindIdKey(kind, CanonicalArmId(arm_id));
  auto it =
      std::lower_bound(sorted.begin(), sorted.end(), key,
                       [](const auto& entry, const std::string& k) { return entry.first < k; });
  return it != sorted.end() && it->first == key ? it->second : nullptr;
}

const ObservedResource* PlanIndex::ObservedById(const std::string& arm_id) const {
  if (arm_id.empty()) return nullptr;
  const auto& map = tables().observed_by_id;
  auto it = map.find(AsciiLower(arm_id));
  return it != map.end() ? it->second : nullptr;
}

std::vector<const DesiredResource*> PlanIndex::DesiredUnder(std::string_view kind,
                                                            const std::string& parent_id) const {
  return Under(tables().desired_by_id, kind, parent_id);
}

std::vector<const ObservedResource*> PlanIndex::ObservedUnder(std::string_view kind,
                                                              const std::string& parent_id) const {
  return Under(tables().observed_by_kind_and_id, kind, parent_id);
}

const std::vector<const DesiredResource*>& PlanIndex::DesiredByKey(std::string_view kind,
                                                                   DesiredKey key_of,
                                                                   const std::string& key) const {
  static const std::vector<const DesiredResource*> kNone;
  auto [table, inserted] = by_key_.try_emplace({std::string(kind), key_of});
  if (inserted)
    for (const DesiredResource& d : desired_.resources)
      if (d.kind == kind) table->second[key_of(d)].push_back(&d);
  auto it = table->second.find(key);
  return it != table->second.end() ? it->second : kNone;
}

const DesiredResource* FindDesired(const PlanChangeRequest& request, const std::string& address) {
  if (request.index) return request.index->DesiredByAddress(address);
  return request.desired_set ? request.desired_set->Find(address) : nullptr;
}

const DesiredResource* FindDesiredById(const PlanChangeRequest& request, std::string_view kind,
                                       const std::string& arm_id) {
  if (request.index) return request.index->DesiredById(kind, arm_id);
  if (!request.desired_set) return nullptr;
  for (const DesiredResource& d : request.desired_set->resources)
    if (d.kind == kind && ArmIdEquals(d.arm_id, arm_id)) return &d;
  return nullptr;
}

const ObservedResource* FindObservedById(const PlanChangeRequest& request,
                                         const std::string& arm_id) {
  if (request.index) return request.index->ObservedById(arm_id);
  return request.observed_set ? request.observed_set->FindById(arm_id) : nullptr;
}

std::vector<const DesiredResource*> FindDesiredUnder(const PlanChangeRequest& request,
                                                     std::string_view kind,
                                                     const std::string& parent_id) {
  if (request.index) return request.index->DesiredUnder(kind, parent_id);
  return ScanUnder(request.desired_set ? &request.desired_set->resources : nullptr, kind,
                   parent_id);
}

std::vector<const ObservedResource*> FindObservedUnder(const PlanChangeRequest& request,
                                                       std::string_view kind,
                                                       const std::string& parent_id) {
  if (request.index) return request.index->ObservedUnder(kind, parent_id);
  return ScanUnder(request.observed_set ? &request.observed_set->resources : nullptr, kind,
                   parent_id);
}

std::vector<const DesiredResource*> FindDesiredByKey(const PlanChangeRequest& request,
                                                     std::string_view kind, DesiredKey key_of,
                                                     const std::string& key) {
  if (request.index) return request.index->DesiredByKey(kind, key_of, key);
  std::vector<const DesiredResource*> out;
  if (request.desired_set)
    for (const DesiredResource& d : request.desired_set->resources)
      if (d.kind == kind && key_of(d) == key) out.push_back(&d);
  return out;
}

}  // namespace keyward::engine
