// Lookups across the whole desired and observed sets that handlers make while planning one
// resource (a child's vault, a vault's access policy entries), in O(1) or O(log n) instead of a
// scan of both sets: MakePlan plans every resource, so a scan per resource is N² at fleet scale.
// MakePlan builds one PlanIndex per plan and passes it in PlanChangeRequest::index.
//
// Each table is built on first use, so a plan whose handlers never ask (a vault-only estate)
// pays nothing for it. That makes a PlanIndex single-threaded, as MakePlan is.
//
// The Find* functions below answer with the index when the request carries one, else by scanning
// the sets (handlers' unit tests build requests by hand); both give the same answer.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/resource.h"

namespace keyward::engine {

struct PlanChangeRequest;

// A key a handler groups its desired resources by (e.g. a connection's private endpoint id,
// lowercased). A plain function, so that its address names the table built from it.
using DesiredKey = std::string (*)(const DesiredResource&);

class PlanIndex {
 public:
  PlanIndex(const DesiredSet& desired, const ObservedSet& observed);
  ~PlanIndex();
  PlanIndex(const PlanIndex&) = delete;
  PlanIndex& operator=(const PlanIndex&) = delete;

  // DesiredSet::Find: the desired resource at `address`.
  const DesiredResource* DesiredByAddress(const std::string& address) const;
  // The first desired resource of `kind` whose ARM id equals `arm_id` (ArmIdEquals).
  const DesiredResource* DesiredById(std::string_view kind, const std::string& arm_id) const;
  // ObservedSet::FindById: the first live resource whose ARM id equals `arm_id`, ignoring case.
  const ObservedResource* ObservedById(const std::string& arm_id) const;
  // Resources of `kind` whose canonical ARM id lies under `parent_id` (starts with its canonical
  // form and "/"). The order is unspecified (ARM id order here, set order when scanning).
  std::vector<const DesiredResource*> DesiredUnder(std::string_view kind,
                                                   const std::string& parent_id) const;
  std::vector<const ObservedResource*> ObservedUnder(std::string_view kind,
                                                     const std::string& parent_id) const;
  // Desired resources of `kind` for which key_of gives `key`, in set order. The table of each
  // (kind, key_of) is built on its first use.
  const std::vector<const DesiredResource*>& DesiredByKey(std::string_view kind, DesiredKey key_of,
                                                          const std::string& key) const;

 private:
  struct Tables;
  const Tables& tables() const;

  const DesiredSet& desired_;
  const ObservedSet& observed_;
  mutable std::unique_ptr<Tables> tables_;
  mutable std::map<std::pair<std::string, DesiredKey>,
                   std::unordered_map<std::string, std::vector<const DesiredResource*>>>
      by_key_;
};

// The lookups of a handler's PlanChange: through request.index when set, else by scanning
// request.desired_set / request.observed_set; null or empty when the set is absent.
const DesiredResource* FindDesired(const PlanChangeRequest& request, const std::string& address);
const DesiredResource* FindDesiredById(const PlanChangeRequest& request, std::string_view kind,
                                       const std::string& arm_id);
const ObservedResource* FindObservedById(const PlanChangeRequest& request,
                                         const std::string& arm_id);
std::vector<const DesiredResource*> FindDesiredUnder(const PlanChangeRequest& request,
                                                     std::string_view kind,
                                                     const std::string& parent_id);
std::vector<const ObservedResource*> FindObservedUnder(const PlanChangeRequest& request,
                                                       std::string_view kind,
                                                       const std::string& parent_id);
std::vector<const DesiredResource*> FindDesiredByKey(const PlanChangeRequest& request,
                                                     std::string_view kind, DesiredKey key_of,
                                                     const std::string& key);

}  // namespace keyward::engine
