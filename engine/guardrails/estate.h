// What the guardrail rules look at: every resource as a manifest-shaped spec (a Subject), built
// from one of three sources (finding.h's FindingSource):
//
//   DesiredEstate  the manifests alone (`keyward validate`). A field left out is judged by the
//                  default ARM applies to a new resource.
//   PlannedEstate  the manifests merged with live state (`keyward plan`, the daemon): for each
//                  desired resource that exists, the live spec (the kind's ExportManifest, the
//                  inverse of its desired body) deep-merged under the manifest's spec — objects
//                  merged key by key, everything else (lists included) replaced by the manifest's
//                  value, and RuleRegistry::WholeFields replaced or dropped whole. So a vault
//                  whose manifest leaves out publicNetworkAccess is judged by its live value.
//                  Live resources no manifest declares are context only (a sibling a rule may
//                  count, never reported), and those the plan deletes are left out.
//   LiveEstate     the live estate alone (`keyward audit`): every exportable live resource.
//
// Resources with the `skip` reconcile policy are never subjects. Pure: the handlers'
// ExportManifest is pure, and nothing here reads a clock or a file.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/guardrails/finding.h"
#include "engine/guardrails/rule.h"
#include "engine/plan.h"
#include "engine/resource.h"
#include "engine/resource_handler.h"

namespace keyward::engine::guardrails {

struct Subject {
  std::string kind;
  std::string address;
  std::string arm_id;        // canonical where the handler resolved one; may be empty
  std::string subscription;  // the resource's own subscription
  Json spec = Json::object();
  FindingSource source = FindingSource::kDesired;
  // Where it is written (locations, waivers); null for live resources.
  const DesiredResource* desired = nullptr;
  // Seen for context only: rules may read it, findings on it are not reported.
  bool context_only = false;
};

class Estate {
 public:
  void Add(Subject subject);
  const std::vector<Subject>& subjects() const { return subjects_; }
  // Case-insensitive ARM id lookup (null when absent or `arm_id` is empty). Constant time: a
  // rule may look up a parent for every child of a large estate.
  const Subject* FindById(const std::string& arm_id) const;

  // A value computed once per estate and shared by every check of a run, so that a rule that
  // needs a whole-estate view for each subject (principals per vault, for every access policy)
  // stays linear. `key` names the value (prefix it with the rule id). Not thread-safe: the checks
  // of one estate run one after another.
  template <class T>
  const T& Memo(const std::string& key, const std::function<T()>& compute) const {
    auto it = memo_.find(key);
    if (it == memo_.end()) it = memo_.emplace(key, std::make_shared<T>(compute())).first;
    return *static_cast<const T*>(it->second.get());
  }

 private:
  std::vector<Subject> subjects_;
  std::unordered_map<std::string, size_t> by_id_;  // lowercase canonical id -> index
  mutable std::map<std::string, std::shared_ptr<void>> memo_;
};

Estate DesiredEstate(const DesiredSet& desired);
Estate PlannedEstate(const DesiredSet& desired, const ObservedSet& observed, const Plan& plan,
                     const HandlerRegistry& handlers, const RuleRegistry& rules);
Estate LiveEstate(const ObservedSet& observed, const HandlerRegistry& handlers);

// `desired` merged over `live` as described above (whole_fields at the top level of the spec).
Json MergeSpec(const Json& live, const Json& desired, const std::vector<std::string>& whole_fields);

}  // namespace keyward::engine::guardrails
