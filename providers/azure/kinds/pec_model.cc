#include "providers/azure/kinds/pec_model.h"

#include <set>

#include "engine/diff.h"
#include "engine/plan_index.h"
#include "engine/split.h"
#include "providers/azure/kinds/arm_json.h"
#include "providers/azure/kinds/change_start.h"

namespace keyward::azure {
namespace {

using engine::Action;
using engine::Change;
using engine::FieldChange;

constexpr char kStatePath[] = "properties.privateLinkServiceConnectionState";
constexpr char kDisconnected[] = "Disconnected";

// Splits "/a/b/c/" into {"a", "b", "c"}.
std::vector<std::string> Segments(const std::string& id) { return engine::SplitNonEmpty(id, '/'); }

// "/subscriptions/{s}/resourceGroups/{rg}/providers/{provider}/{type}/{name}" with these
// provider and type (case-insensitive, as ARM ids are).
bool IsTopLevelId(const std::string& id, const std::string& provider, const std::string& type) {
  if (id.empty() || id.front() != '/') return false;
  const std::vector<std::string> s = Segments(id);
  return s.size() == 8 && IEquals(s[0], "subscriptions") && IEquals(s[2], "resourceGroups") &&
         IEquals(s[4], "providers") && IEquals(s[5], provider) && IEquals(s[6], type);
}

// ARM's spelling of a status / actionsRequired value; unknown values are kept as written.
std::string CanonicalEnum(const Json& value, const std::vector<std::string>& allowed) {
  if (!value.is_string()) return "";
  const std::string text = value.get<std::string>();
  for (const std::string& candidate : allowed) {
    if (IEquals(text, candidate)) return candidate;
  }
  return text;
}

const std::vector<std::string>& Statuses() {
  static const std::vector<std::string> statuses = {"Pending", "Approved", "Rejected",
                                                    kDisconnected};
  return statuses;
}

const Json& StateOf(const Json& normalized) {
  static const Json kEmpty = Json::object();
  if (!normalized.is_object() || !normalized.contains("properties")) return kEmpty;
  const Json& props = normalized["properties"];
  if (!props.is_object() || !props.contains("privateLinkServiceConnectionState")) return kEmpty;
  return props["privateLinkServiceConnectionState"];
}

std::string StatusOf(const Json& normalized) { return StateOf(normalized).value("status", ""); }

std::string SpecString(const Json& spec, const char* key) {
  const Json* value = FindKey(spec, key);
  return value && value->is_string() ? value->get<std::string>() : "";
}

const engine::DiffRules& PecDiffRules() {
  static const engine::DiffRules rules = [] {
    engine::DiffRules r;
    r.case_insensitive_paths = {std::string(kStatePath) + ".status",
                                std::string(kStatePath) + ".actionsRequired"};
    return r;
  }();
  return rules;
}

// Another desired connection of this kind on the same parent for the same private endpoint: a
// connection has one state, so two manifests for it would fight on every run.
std::string EndpointKey(const engine::DesiredResource& d) {
  return Lower(SpecString(d.spec, "privateEndpointId"));
}

const engine::DesiredResource* DuplicateOf(const PecKind& kind,
                                           const engine::PlanChangeRequest& request) {
  const engine::DesiredResource& me = *request.desired;
  std::string ignored;
  const auto my_parent = PecParentOf(kind, me, &ignored);
  const std::string my_endpoint = SpecString(me.spec, "privateEndpointId");
  if (!my_parent || my_endpoint.empty()) return nullptr;
  // The index hands over the connections to the same endpoint; the test stays the exact one.
  for (const engine::DesiredResource* other :
       engine::FindDesiredByKey(request, kind.kind, &EndpointKey, Lower(my_endpoint))) {
    if (other->kind != kind.kind || other->address == me.address) continue;
    const auto parent = PecParentOf(kind, *other, &ignored);
    if (parent && IEquals(parent->id, my_parent->id) &&
        IEquals(SpecString(other->spec, "privateEndpointId"), my_endpoint)) {
      return other;
    }
  }
  return nullptr;
}

// Why a parent of a waiting connection may be the cause, when the sets tell: a parent that does
// not exist yet (it is created first) or is soft-deleted (its connections return on recover).
std::string ParentNote(const PecKind& kind, const PecParent& parent,
                       const engine::PlanChangeRequest& request) {
  if (!request.observed_set) return "";
  if (const engine::ObservedResource* o = engine::FindObservedById(request, parent.id);
      o && o->kind == kind.parent_kind) {
    return "";
  }
  const std::string subscription = ArmIdSegment(parent.id, "subscriptions");
  for (const engine::SoftDeletedResource& sd : request.observed_set->soft_deleted) {
    if (sd.kind == kind.parent_kind && IEquals(sd.name, parent.name) &&
        IEquals(sd.subscription, subscription)) {
      return "; the " + std::string(kind.parent_noun) +
             " is soft-deleted, and its connections come back when it is recovered";
    }
  }
  if (engine::FindDesiredById(request, kind.parent_kind, parent.id)) {
    return "; the " + std::string(kind.parent_noun) +
           " does not exist yet, and a private endpoint can only be created once it does";
  }
  return "";
}

}  // namespace

std::optional<PecParent> PecParentOf(const PecKind& kind, const engine::DesiredResource& desired,
                                     std::string* error) {
  const std::string field = std::string("spec.") + kind.parent_field;
  const std::string value = SpecString(desired.spec, kind.parent_field);
  if (value.empty()) {
    *error = field + " is required: the name of a " + kind.parent_noun +
             " in this resource group, or its full ARM id";
    return std::nullopt;
  }
  PecParent parent;
  if (value.front() == '/') {
    if (!IsTopLevelId(value, "Microsoft.KeyVault", kind.parent_collection)) {
      *error = field + " '" + value + "' is not a " + kind.parent_noun +
               " ARM id (/subscriptions/{subscription}/resourceGroups/{group}/providers/"
               "Microsoft.KeyVault/" +
               kind.parent_collection + "/{name})";
      return std::nullopt;
    }
    parent.id = value;
    while (parent.id.size() > 1 && parent.id.back() == '/') parent.id.pop_back();
    parent.name = Segments(parent.id).back();
    parent.from_id = true;
    return parent;
  }
  if (value.find('/') != std::string::npos) {
    *error = field + " '" + value + "' is neither a " + kind.parent_noun +
             " name nor a full ARM id starting with /subscriptions/";
    return std::nullopt;
  }
  parent.name = value;
  parent.id = "/subscriptions/" + desired.subscription + "/resourceGroups/" +
              desired.resource_group + "/providers/Microsoft.KeyVault/" + kind.parent_collection +
              "/" + value;
  return parent;
}

engine::ResolveResponse ResolvePec(const PecKind& kind, const engine::ResolveRequest& request) {
  engine::ResolveResponse out;
  const engine::DesiredResource& r = *request.resource;
  std::string error;
  const std::optional<PecParent> parent = PecParentOf(kind, r, &error);
  out.address = std::string(kind.kind) + "/" + (parent ? parent->name + "/" : "") + r.name;
  const std::string parent_field = std::string("spec.") + kind.parent_field;
  if (!parent) {
    out.diagnostics.Error(r.LocationOf(parent_field), out.address + ": " + error);
  } else {
    // A parent given by full ARM id may be one keyward does not manage: an edge only if present.
    out.references.push_back({std::string(kind.parent_kind) + "/" + parent->name, !parent->from_id,
                              parent_field, parent->id});
  }
  // privateEndpointId and status are the schema's (privateendpointconnection.schema.json); the
  // scope is the loader's.
  return out;
}

Json NormalizePec(const Json& live) {
  if (!live.is_object()) return Json();
  Json out = Json::object();
  auto text = [&](const char* key) {
    const Json* value = FindKey(live, key);
    return value && value->is_string() ? value->get<std::string>() : std::string();
  };
  const std::string id = text("id");
  out["id"] = id;
  std::string name = text("name");
  if (name.empty() && !Segments(id).empty()) name = Segments(id).back();
  out["name"] = name;
  if (const std::string etag = text("etag"); !etag.empty()) out["etag"] = etag;
  Json props = Json::object();
  const Json* live_props = FindKey(live, "properties");
  const Json empty = Json::object();
  const Json& p = live_props && live_props->is_object() ? *live_props : empty;
  if (const Json* endpoint = FindKey(p, "privateEndpoint"); endpoint && endpoint->is_object()) {
    if (const Json* endpoint_id = FindKey(*endpoint, "id"); endpoint_id && endpoint_id->is_string())
      props["privateEndpoint"] = {{"id", *endpoint_id}};
  }
  if (const Json* state = FindKey(p, "provisioningState"); state && state->is_string())
    props["provisioningState"] = *state;
  Json connection = Json::object();
  if (const Json* s = FindKey(p, "privateLinkServiceConnectionState"); s && s->is_object()) {
    if (const Json* status = FindKey(*s, "status"); status && status->is_string())
      connection["status"] = CanonicalEnum(*status, Statuses());
    if (const Json* description = FindKey(*s, "description");
        description && description->is_string())
      connection["description"] = *description;
    if (const Json* actions = FindKey(*s, "actionsRequired"); actions && actions->is_string())
      connection["actionsRequired"] = CanonicalEnum(*actions, {"None"});
  }
  props["privateLinkServiceConnectionState"] = std::move(connection);
  out["properties"] = std::move(props);
  return out;
}

std::string PrivateEndpointIdOf(const Json& live) {
  const Json normalized = NormalizePec(live);
  if (normalized.is_null()) return "";
  const Json& props = normalized["properties"];
  if (!props.contains("privateEndpoint")) return "";
  return props["privateEndpoint"].value("id", "");
}

Json BuildDesiredPecBody(const Json& spec, const Json& normalized_live) {
  Json state = Json::object();
  if (const Json* status = FindKey(spec, "status"); status && status->is_string())
    state["status"] = CanonicalEnum(*status, Statuses());
  if (const Json* description = FindKey(spec, "description");
      description && description->is_string()) {
    state["description"] = *description;
  } else if (const Json& live = StateOf(normalized_live); live.contains("description")) {
    state["description"] = live["description"];
  }
  if (const Json* actions = FindKey(spec, "actionsRequired"); actions && actions->is_string())
    state["actionsRequired"] = CanonicalEnum(*actions, {"None"});
  return {{"properties", {{"privateLinkServiceConnectionState", std::move(state)}}}};
}

std::vector<FieldChange> DiffPec(const Json& desired, const Json& normalized_live) {
  return engine::DiffManagedFields(
      desired, normalized_live.is_null() ? Json::object() : normalized_live, PecDiffRules());
}

std::string PecFingerprint(const Json& normalized) {
  if (normalized.is_object() && normalized.contains("etag") && normalized["etag"].is_string() &&
      !normalized["etag"].get<std::string>().empty()) {
    return normalized["etag"].get<std::string>();
  }
  return FingerprintOfJson(normalized);
}

namespace {

// A declared connection that exists: what its live state allows (deleting, Disconnected and
// Rejected are final or transient), else no-op, approve / reject, or drift.
void PlanExistingConnection(const std::string& endpoint, Change& c) {
  const std::string live_status = StatusOf(c.before);
  const std::string want_status = StateOf(c.after).value("status", "");
  if (IEquals(c.before["properties"].value("provisioningState", ""), "Deleting")) {
    Decide(c, Action::kBlocked, "connection_deleting",
           "the connection " + c.before.value("name", "") + " is being deleted");
    return;
  }
  if (live_status == kDisconnected) {
    Decide(
        c, Action::kUnsupported, "connection_disconnected",
        "the connection from private endpoint " + endpoint +
            " is Disconnected (the endpoint was "
            "deleted or disconnected): ARM offers no way back from Disconnected. Create the "
            "private "
            "endpoint again (Microsoft.Network then makes a new connection that keyward approves "
            "or "
            "rejects), or remove this manifest");
    return;
  }
  if (live_status == "Rejected" && want_status == "Approved") {
    Decide(
        c, Action::kUnsupported, "rejected_is_final",
        "the connection from private endpoint " + endpoint +
            " is Rejected and a rejected "
            "connection cannot be approved again: delete and create the private endpoint again to "
            "get a new connection");
    return;
  }
  if (c.field_changes.empty()) {
    Decide(c, Action::kNoOp, "up_to_date", "the connection is " + live_status + " as declared");
    return;
  }
  if (live_status != want_status) {
    const bool approve = want_status == "Approved";
    Decide(c, Action::kUpdate, approve ? "approve" : "reject",
           std::string(approve ? "approve" : "reject") + " the connection from private endpoint " +
               endpoint + " (now " + (live_status.empty() ? std::string("unknown") : live_status) +
               ")");
    return;
  }
  Decide(c, Action::kUpdate, "drift", "differs in " + JoinPaths(c.field_changes));
}

}  // namespace

// Decision table (desired = the manifest, live = the connection matched by private endpoint id):
//   no desired (a live connection no manifest declares)  no-op      not_declared (never deleted)
//   two manifests for one endpoint on one parent         blocked    duplicate_private_endpoint
//   no live connection from the endpoint                 blocked    waiting_for_private_endpoint
//   live provisioningState Deleting                      blocked    connection_deleting
//   live Disconnected                                    unsupported connection_disconnected
//   live Rejected, desired Approved                      unsupported rejected_is_final
//   managed fields equal                                 no-op      up_to_date
//   status differs                                       update     approve | reject
//   only description / actionsRequired differ            update     drift
Change PlanPecChange(const PecKind& kind, const engine::PlanChangeRequest& request) {
  Change c;
  c.kind = kind.kind;
  if (request.observed) {
    c.before = NormalizePec(request.observed->live);
    c.fingerprint = PecFingerprint(c.before);
    c.arm_id = request.observed->arm_id;
    c.address = request.observed->address;
  }
  if (!request.desired) {
    Decide(
        c, Action::kNoOp, "not_declared",
        "no manifest declares this connection: keyward leaves it as it is (connections are owned "
        "through the manifests that declare them and are never pruned)");
    return c;
  }
  const engine::DesiredResource& d = *request.desired;
  c.address = d.address;
  std::string error;
  const std::optional<PecParent> parent = PecParentOf(kind, d, &error);
  const std::string parent_text =
      std::string(kind.parent_noun) + " " + (parent ? parent->name : std::string("?"));
  const std::string endpoint = SpecString(d.spec, "privateEndpointId");

  // Refresh matches by endpoint id; re-check, so a connection never stands in for another one.
  if (request.observed && !IEquals(PrivateEndpointIdOf(c.before), endpoint)) {
    c.before = Json();
    c.fingerprint.clear();
    c.arm_id.clear();
  }
  c.after = BuildDesiredPecBody(d.spec, c.before);
  c.field_changes = DiffPec(c.after, c.before);

  if (const engine::DesiredResource* other = DuplicateOf(kind, request)) {
    Decide(c, Action::kBlocked, "duplicate_private_endpoint",
           other->address + " declares the same private endpoint " + endpoint + " on " +
               parent_text + ": a connection has one state, keep one manifest for it");
    return c;
  }
  if (c.before.is_null()) {
    Decide(c, Action::kBlocked, "waiting_for_private_endpoint",
           "waiting for private endpoint " + endpoint + ": " + parent_text +
               " has no connection from it yet (Microsoft.Network creates the connection when the "
               "private endpoint is created)");
    if (parent) c.reason += ParentNote(kind, *parent, request);
    return c;
  }
  PlanExistingConnection(endpoint, c);
  return c;
}

std::vector<engine::ObservedResource> ObservePecs(
    const PecKind& kind, const std::string& parent_name, const std::vector<Json>& connections,
    const std::vector<const engine::DesiredResource*>& desired_of_parent,
    const std::vector<std::string>& taken_addresses) {
  std::vector<Json> normalized;
  for (const Json& connection : connections) normalized.push_back(NormalizePec(connection));
  std::vector<std::string> address(connections.size());
  for (const engine::DesiredResource* d : desired_of_parent) {
    const std::string endpoint = SpecString(d->spec, "privateEndpointId");
    if (endpoint.empty()) continue;
    std::optional<size_t> best;
    for (size_t i = 0; i < connections.size(); ++i) {
      if (!address[i].empty() || normalized[i].is_null()) continue;
      if (!IEquals(PrivateEndpointIdOf(normalized[i]), endpoint)) continue;
      const bool live = StatusOf(normalized[i]) != kDisconnected;
      if (!best || (live && StatusOf(normalized[*best]) == kDisconnected)) best = i;
    }
    if (best) address[*best] = d->address;
  }
  std::set<std::string> taken;
  for (const std::string& a : taken_addresses) taken.insert(Lower(a));
  std::vector<engine::ObservedResource> out;
  for (size_t i = 0; i < connections.size(); ++i) {
    if (normalized[i].is_null()) continue;
    engine::ObservedResource o;
    o.kind = kind.kind;
    o.arm_id = normalized[i].value("id", "");
    o.address = address[i];
    if (o.address.empty()) {
      o.address =
          std::string(kind.kind) + "/" + parent_name + "/" + normalized[i].value("name", "");
      // An unclaimed connection must never be matched to a manifest by a name clash.
      if (taken.count(Lower(o.address))) o.address = o.arm_id;
    }
    o.live = connections[i];
    o.fingerprint = PecFingerprint(normalized[i]);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace keyward::azure
