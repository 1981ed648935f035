#include "engine/guardrails/estate.h"

#include <set>

#include "engine/diff.h"
#include "engine/observed_index.h"

namespace keyward::engine::guardrails {
namespace {

// "/subscriptions/{s}/..." -> "{s}" ("" when the id has no subscription segment).
std::string SubscriptionOf(const std::string& arm_id) {
  const std::string lower = AsciiLower(arm_id);
  const std::string marker = "/subscriptions/";
  const size_t at = lower.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  const size_t end = arm_id.find('/', start);
  return arm_id.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The spec a live resource would have as a manifest (its kind's ExportManifest); null when the
// kind exports nothing for it (a Pending connection) or the live object is not understood.
Json LiveSpec(const ObservedResource& observed, const HandlerRegistry& handlers) {
  const ResourceHandler* handler = handlers.Find(observed.kind);
  if (!handler) return Json();
  try {
    std::optional<Json> document = handler->ExportManifest(observed, ExportContext{});
    if (!document || !document->is_object()) return Json();
    auto spec = document->find("spec");
    return spec != document->end() && spec->is_object() ? *spec : Json();
  } catch (const std::exception&) {
    return Json();  // malformed live data: nothing a rule could judge
  }
}

Subject FromDesired(const DesiredResource& r, FindingSource source) {
  Subject s;
  s.kind = r.kind;
  s.address = r.address;
  s.arm_id = r.arm_id;
  s.subscription = r.subscription;
  s.spec = r.spec.is_object() ? r.spec : Json::object();
  s.source = source;
  s.desired = &r;
  return s;
}

Subject FromLive(const ObservedResource& o, Json spec, FindingSource source) {
  Subject s;
  s.kind = o.kind;
  s.address = o.address;
  s.arm_id = o.arm_id;
  s.subscription = SubscriptionOf(o.arm_id);
  s.spec = std::move(spec);
  s.source = source;
  return s;
}

Json DeepMerge(const Json& live, const Json& desired) {
  if (!live.is_object() || !desired.is_object()) return desired;
  Json out = live;
  for (auto it = desired.begin(); it != desired.end(); ++it) {
    auto existing = out.find(it.key());
    out[it.key()] = existing == out.end() ? it.value() : DeepMerge(*existing, it.value());
  }
  return out;
}

}  // namespace

void Estate::Add(Subject subject) {
  // The first subject with an id keeps it (a live duplicate never shadows a desired resource).
  if (!subject.arm_id.empty()) by_id_.emplace(CanonicalArmId(subject.arm_id), subjects_.size());
  subjects_.push_back(std::move(subject));
}

const Subject* Estate::FindById(const std::string& arm_id) const {
  if (arm_id.empty()) return nullptr;
  auto it = by_id_.find(CanonicalArmId(arm_id));
  return it == by_id_.end() ? nullptr : &subjects_[it->second];
}

Json MergeSpec(const Json& live, const Json& desired,
               const std::vector<std::string>& whole_fields) {
  if (!live.is_object()) return desired;
  Json base = live;
  for (const std::string& field : whole_fields) base.erase(field);
  Json out = DeepMerge(base, desired);
  for (const std::string& field : whole_fields) {
    auto it = desired.find(field);
    if (it != desired.end()) out[field] = *it;
  }
  return out;
}

Estate DesiredEstate(const DesiredSet& desired) {
  Estate estate;
  for (const DesiredResource& r : desired.resources)
    if (r.policy != ReconcilePolicy::kSkip) estate.Add(FromDesired(r, FindingSource::kDesired));
  return estate;
}

Estate PlannedEstate(const DesiredSet& desired, const ObservedSet& observed, const Plan& plan,
                     const HandlerRegistry& handlers, const RuleRegistry& rules) {
  Estate estate;
  const ObservedIndex index(observed);
  std::set<const ObservedResource*> claimed;
  for (const DesiredResource& r : desired.resources) {
    if (r.policy == ReconcilePolicy::kSkip) continue;
    const ObservedResource* live = index.Match(r);
    Subject subject = FromDesired(r, FindingSource::kPlanned);
    if (live) {
      claimed.insert(live);
      const Json live_spec = LiveSpec(*live, handlers);
      if (live_spec.is_object())
        subject.spec = MergeSpec(live_spec, subject.spec, rules.WholeFields(r.kind));
    }
    estate.Add(std::move(subject));
  }
  // What the plan deletes (prune, undeclared entries of an exclusive vault) is not part of the
  // planned result.
  std::set<std::string> deleted;
  for (const Change& change : plan.changes)
    if (!change.report_only && change.action == Action::kDelete) deleted.insert(change.address);
  for (const ObservedResource& o : observed.resources) {
    if (claimed.count(&o) || deleted.count(o.address)) continue;
    Json spec = LiveSpec(o, handlers);
    if (!spec.is_object()) continue;
    Subject subject = FromLive(o, std::move(spec), FindingSource::kPlanned);
    subject.context_only = true;
    estate.Add(std::move(subject));
  }
  return estate;
}

Estate LiveEstate(const ObservedSet& observed, const HandlerRegistry& handlers) {
  Estate estate;
  for (const ObservedResource& o : observed.resources) {
    Json spec = LiveSpec(o, handlers);
    if (spec.is_object()) estate.Add(FromLive(o, std::move(spec), FindingSource::kLive));
  }
  return estate;
}

}  // namespace keyward::engine::guardrails
