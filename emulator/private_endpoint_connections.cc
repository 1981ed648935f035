#include "emulator/private_endpoint_connections.h"

#include <memory>
#include <string_view>
#include <vector>

#include "emulator/operations.h"
#include "emulator/paging.h"
#include "emulator/util.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

constexpr char kDeleteKind[] = "PrivateEndpointConnectionDelete";
constexpr char kKvApiVersion[] = "2024-11-01";
constexpr int kDefaultPageSize = 200;

// The two parents differ only in names; one handler set serves both.
struct ParentKind {
  const char* parent_var;   // route variable holding the parent's name
  const char* parent_type;  // e.g. Microsoft.KeyVault/vaults
  const char* collection;   // path segment of the parent type
  const char* pec_type;
  const char* op_prefix;  // ARM operationId prefix
};

constexpr ParentKind kVaultKind = {"vaultName", "Microsoft.KeyVault/vaults", "vaults",
                                   kVaultPecType, "PrivateEndpointConnections"};
constexpr ParentKind kHsmKind = {"name", "Microsoft.KeyVault/managedHSMs", "managedHSMs",
                                 kHsmPecType, "MHSMPrivateEndpointConnections"};

// Weak etags in the shape other ARM RPs use; only equality matters to clients.
std::string NewEtag() { return "W/\"" + NewGuid() + "\""; }

std::string StripEtag(std::string_view tag) {
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    tag = tag.substr(1, tag.size() - 2);
  return std::string(tag);
}

bool EtagMatches(const std::string& condition, const std::string& etag) {
  return condition == "*" || StripEtag(condition) == StripEtag(etag);
}

json Render(const json& stored) {
  json body = stored;
  body.erase("_internal");
  return body;
}

// Rewrites the parent's read-only properties.privateEndpointConnections[] from the stored rows.
void SyncSummary(Store::Tx& tx, const std::string& parent_key, const std::string& pec_type) {
  auto parent = tx.Get(parent_key);
  if (!parent || !parent->body.contains("properties") || !parent->body["properties"].is_object()) {
    return;
  }
  json summary = json::array();
  for (const auto& pec : tx.List({pec_type, parent_key, "", "", -1})) {
    summary.push_back({{"id", pec.body["id"]},
                       {"etag", pec.body.value("etag", "")},
                       {"properties", pec.body["properties"]}});
  }
  if (summary.empty()) {
    parent->body["properties"].erase("privateEndpointConnections");
  } else {
    parent->body["properties"]["privateEndpointConnections"] = summary;
  }
  tx.Put(*parent);
}

std::optional<std::string> CanonicalStatus(const json& value) {
  if (!value.is_string()) return std::nullopt;
  for (const char* s : {"Pending", "Approved", "Rejected", "Disconnected"}) {
    if (EqualsIgnoreCase(value.get<std::string>(), s)) return std::string(s);
  }
  return std::nullopt;
}

// Owner-side transitions. Rejected is final and Disconnected belongs to Microsoft.Network (the
// portal and CLI offer no way back; inference documented in docs/arm-behaviour.md).
bool TransitionAllowed(const std::string& from, const std::string& to) {
  if (from == to) return true;
  if (from == "Pending") return to == "Approved" || to == "Rejected";
  if (from == "Approved") return to == "Rejected";
  return false;
}

class Connections {
 public:
  Connections(const ServiceContext& context, const ParentKind& kind) : ctx_(context), kind_(kind) {}

  Reply Get(RequestContext& r) {
    if (r.HasQuery("operationid")) return PollDelete(r);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      if (!tx.Get(ParentKey(r))) return Reply::Error(ParentNotFound(r));
      auto pec = tx.Get(PecKey(r));
      if (!pec) return Reply::Error(PecNotFound(r));
      return Reply::Json(200, Render(pec->body));
    });
  }

  Reply Put(RequestContext& r) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    const json* state = nullptr;
    if (body.contains("properties") && body["properties"].is_object() &&
        body["properties"].contains("privateLinkServiceConnectionState")) {
      state = &body["properties"]["privateLinkServiceConnectionState"];
    }
    if (state == nullptr || !state->is_object() || !state->contains("status")) {
      return Reply::Error(BadRequest(
          "The parameter 'properties.privateLinkServiceConnectionState.status' is required but "
          "was not provided."));
    }
    auto status = CanonicalStatus((*state)["status"]);
    if (!status) {
      return Reply::Error(
          BadRequest("An invalid value was provided for "
                     "'properties.privateLinkServiceConnectionState.status'. "
                     "Use Pending, Approved, Rejected or Disconnected."));
    }
    if (state->contains("description") && !(*state)["description"].is_string() &&
        !(*state)["description"].is_null()) {
      return Reply::Error(
          BadRequest("An invalid value was provided for "
                     "'properties.privateLinkServiceConnectionState.description'."));
    }
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      if (!tx.Get(ParentKey(r))) return Reply::Error(ParentNotFound(r));
      auto pec = tx.Get(PecKey(r));
      // Connections are created by Microsoft.Network only; the KV PUT just updates the state.
      if (!pec) return Reply::Error(PecNotFound(r));
      std::string etag = pec->body.value("etag", "");
      std::string if_match = r.Header("If-Match");
      std::string body_etag =
          body.contains("etag") && body["etag"].is_string() ? body["etag"].get<std::string>() : "";
      // An empty body etag (as in putPrivateEndpointConnection.json) means "no condition".
      if ((!if_match.empty() && !EtagMatches(if_match, etag)) ||
          (!body_etag.empty() && !EtagMatches(body_etag, etag))) {
        return Reply::Error({412, "PreconditionFailed",
                             "The specified precondition 'If-Match' failed: the private endpoint "
                             "connection '" +
                                 r.Var("privateEndpointConnectionName") + "' has etag " + etag +
                                 "."});
      }
      json& props = pec->body["properties"];
      if (props.value("provisioningState", "") == "Deleting") {
        return Reply::Error({409, "PrivateEndpointConnectionIsBeingDeleted",
                             "The private endpoint connection '" +
                                 r.Var("privateEndpointConnectionName") +
                                 "' is being deleted and cannot be updated."});
      }
      json& current = props["privateLinkServiceConnectionState"];
      std::string from = current.value("status", "Pending");
      if (!TransitionAllowed(from, *status)) {
        return Reply::Error({400, "PrivateEndpointConnectionStatusChangeNotAllowed",
                             "The private endpoint connection '" +
                                 r.Var("privateEndpointConnectionName") + "' cannot change from " +
                                 from + " to " + *status + "."});
      }
      std::string description = current.value("description", "");
      if (state->contains("description") && (*state)["description"].is_string()) {
        description = (*state)["description"];
      }
      if (from != *status || description != current.value("description", "")) {
        current = {{"status", *status}, {"description", description}, {"actionsRequired", "None"}};
        pec->body["etag"] = NewEtag();  // "modified whenever there is a change in the state"
        tx.Put(*pec);
        SyncSummary(tx, pec->parent, kind_.pec_type);
      }
      return Reply::Json(200, Render(pec->body));
    });
  }

  Reply Delete(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      if (!tx.Get(ParentKey(r))) return Reply::Error(ParentNotFound(r));
      auto pec = tx.Get(PecKey(r));
      if (!pec) return Reply::Empty(204);
      std::string op_id = pec->body["_internal"].value("deleteOperation", "");
      if (op_id.empty()) {
        pec->body["properties"]["provisioningState"] = "Deleting";
        json snapshot = Render(pec->body);
        Operation op =
            ctx_.operations->Begin(tx, kDeleteKind, r.Var("subscriptionId"), pec->key,
                                   {{"pec", snapshot}, {"pecType", kind_.pec_type}}, r.now);
        op_id = op.id;
        pec->body["_internal"]["deleteOperation"] = op_id;
        tx.Put(*pec);
        SyncSummary(tx, pec->parent, kind_.pec_type);
      }
      return Accepted(r, op_id);
    });
  }

  Reply List(RequestContext& r) {
    auto page = ParsePageRequest(r, kDefaultPageSize, false);
    if (auto* error = std::get_if<ArmError>(&page)) return Reply::Error(*error);
    std::string parent = ParentKey(r);
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      if (!tx.Get(parent)) return Reply::Error(ParentNotFound(r));
      return Reply::Json(200,
                         BuildPage(tx, r, std::get<PageRequest>(page), {kind_.pec_type, parent, ""},
                                   [](const StoredResource& pec) { return Render(pec.body); }));
    });
  }

 private:
  std::string ParentId(const RequestContext& r) const {
    return "/subscriptions/" + r.Var("subscriptionId") + "/resourceGroups/" +
           r.Var("resourceGroupName") + "/providers/Microsoft.KeyVault/" + kind_.collection + "/" +
           r.Var(kind_.parent_var);
  }
  std::string ParentKey(const RequestContext& r) const { return ToLower(ParentId(r)); }
  std::string PecKey(const RequestContext& r) const {
    return ToLower(ParentId(r) + "/privateEndpointConnections/" +
                   r.Var("privateEndpointConnectionName"));
  }

  ArmError ParentNotFound(const RequestContext& r) const {
    return ResourceNotFound(kind_.parent_type, r.Var(kind_.parent_var), r.Var("resourceGroupName"));
  }
  ArmError PecNotFound(const RequestContext& r) const {
    return ResourceNotFound(kind_.parent_type,
                            r.Var(kind_.parent_var) + "/privateEndpointConnections/" +
                                r.Var("privateEndpointConnectionName"),
                            r.Var("resourceGroupName"));
  }

  // Like deletePrivateEndpointConnection.json: Location is the connection's own URL with an
  // operationid (the GET handler answers it), plus Retry-After.
  Reply Accepted(const RequestContext& r, const std::string& op_id) const {
    return ctx_.operations->Accepted(r.base_url + r.path + "?api-version=" + kKvApiVersion +
                                     "&operationid=" + op_id);
  }

  Reply PollDelete(RequestContext& r) {
    std::string id = r.Query("operationid");
    auto op = ctx_.store->Transact([&](Store::Tx& tx) { return tx.GetOperation(id); });
    if (!op || op->kind != kDeleteKind || op->target != PecKey(r)) {
      return Reply::Error(
          {404, "OperationNotFound", "The operation '" + id + "' could not be found."});
    }
    if (op->status == "InProgress") return Accepted(r, id);
    return Operations::Finished(*op);
  }

  ServiceContext ctx_;
  ParentKind kind_;
};

// The final answer of a delete poll. It has a body because the JS SDK deserializes one, and no
// provisioningState because Go's Location poller would take "Disconnected" as a non-terminal state
// and poll forever; the state says Disconnected instead (docs/arm-behaviour.md).
FinalResponse CompleteDelete(Store::Tx& tx, const Operation& op) {
  json snapshot = op.data.value("pec", json::object());
  if (auto pec = tx.Get(op.target)) {
    tx.Delete(pec->key);
    SyncSummary(tx, pec->parent, op.data.value("pecType", ""));
  }
  json state = snapshot["properties"].value("privateLinkServiceConnectionState", json::object());
  state["status"] = "Disconnected";
  state["actionsRequired"] = "None";
  json props = {{"privateLinkServiceConnectionState", state}};
  if (snapshot["properties"].contains("privateEndpoint")) {
    props["privateEndpoint"] = snapshot["properties"]["privateEndpoint"];
  }
  return {200,
          {{"id", snapshot.value("id", "")},
           {"name", snapshot.value("name", "")},
           {"type", snapshot.value("type", "")},
           {"properties", props}}};
}

}  // namespace

std::optional<PecTarget> ParsePecTarget(const std::string& id) {
  std::vector<std::string> s = SplitPath(id);
  if (s.size() != 8 || !EqualsIgnoreCase(s[0], "subscriptions") ||
      !EqualsIgnoreCase(s[2], "resourceGroups") || !EqualsIgnoreCase(s[4], "providers") ||
      !EqualsIgnoreCase(s[5], "Microsoft.KeyVault") || !IsGuid(s[1])) {
    return std::nullopt;
  }
  PecTarget target;
  if (EqualsIgnoreCase(s[6], "managedHSMs")) {
    target.is_hsm = true;
  } else if (!EqualsIgnoreCase(s[6], "vaults")) {
    return std::nullopt;
  }
  target.id = id;
  target.key = ToLower(id);
  target.resource_group = s[3];
  target.name = s[7];
  return target;
}

std::optional<std::string> CreatePrivateEndpointConnection(Store::Tx& tx, const PecTarget& target,
                                                           const NewConnection& connection) {
  auto parent = tx.Get(target.key);
  if (!parent) return std::nullopt;
  std::string parent_id = parent->body.value("id", target.id);
  std::string id = parent_id + "/privateEndpointConnections/" + connection.name;
  const char* type = target.is_hsm ? kHsmPecType : kVaultPecType;
  StoredResource pec;
  pec.key = ToLower(id);
  pec.type = type;
  pec.parent = target.key;
  pec.subscription = parent->subscription;
  pec.name = ToLower(connection.name);
  pec.body = {{"id", id},
              {"name", connection.name},
              {"type", type},
              {"etag", NewEtag()},
              {"properties",
               {{"provisioningState", "Succeeded"},
                {"privateEndpoint", {{"id", connection.private_endpoint_id}}},
                {"privateLinkServiceConnectionState",
                 {{"status", connection.status},
                  {"description", connection.description},
                  {"actionsRequired", "None"}}}}},
              {"_internal", {{"peKey", connection.private_endpoint_key}}}};
  if (parent->body.contains("location")) pec.body["location"] = parent->body["location"];
  tx.Put(pec);
  SyncSummary(tx, target.key, type);
  return pec.key;
}

void DisconnectPrivateEndpointConnection(Store::Tx& tx, const std::string& pec_key,
                                         const std::string& description) {
  auto pec = tx.Get(pec_key);
  if (!pec) return;
  pec->body["properties"]["privateLinkServiceConnectionState"] = {
      {"status", "Disconnected"}, {"description", description}, {"actionsRequired", "None"}};
  pec->body["etag"] = NewEtag();
  tx.Put(*pec);
  SyncSummary(tx, pec->parent, pec->type);
}

std::optional<json> PrivateEndpointConnectionState(Store::Tx& tx, const std::string& pec_key) {
  auto pec = tx.Get(pec_key);
  if (!pec) return std::nullopt;
  return pec->body["properties"]["privateLinkServiceConnectionState"];
}

void RegisterPrivateEndpointConnectionRoutes(Router& router, const ServiceContext& context) {
  context.operations->RegisterKind(kDeleteKind, [](Store::Tx& tx, const Operation& op, double) {
    return CompleteDelete(tx, op);
  });
  const std::string rg =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.KeyVault/";
  for (const ParentKind* kind : {&kVaultKind, &kHsmKind}) {
    auto pecs = std::make_shared<Connections>(context, *kind);
    auto bind = MethodsOf(pecs);
    std::string list =
        rg + kind->collection + "/{" + kind->parent_var + "}/privateEndpointConnections";
    std::string one = list + "/{privateEndpointConnectionName}";
    std::string op = kind->op_prefix;
    const auto kv = ApiFamily::kKeyVault;
    router.Add({"GET", one, op + "_Get", kv, true, bind(&Connections::Get)});
    router.Add({"PUT", one, op + "_Put", kv, true, bind(&Connections::Put)});
    router.Add({"DELETE", one, op + "_Delete", kv, true, bind(&Connections::Delete)});
    router.Add({"GET", list, op + "_ListByResource", kv, true, bind(&Connections::List)});
  }
}

}  // namespace keyward::emulator
