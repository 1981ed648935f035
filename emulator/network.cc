#include "emulator/network.h"

#include <variant>
#include <vector>

#include "emulator/private_endpoint_connections.h"
#include "emulator/request_checks.h"
#include "emulator/resource_groups.h"
#include "emulator/util.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

constexpr char kAutoApproved[] = "Auto-Approved";
constexpr char kEndpointDeleted[] = "The private endpoint has been deleted.";
// Both lists of a private endpoint, with the status a new connection gets on the target.
constexpr const char* kLists[] = {"privateLinkServiceConnections",
                                  "manualPrivateLinkServiceConnections"};

std::string EndpointKey(const std::string& sub, const std::string& rg, const std::string& name) {
  return ToLower("/subscriptions/" + sub + "/resourcegroups/" + rg +
                 "/providers/microsoft.network/privateendpoints/" + name);
}

ArmError Invalid(const std::string& property, const std::string& why) {
  return {400, "InvalidRequestFormat",
          "Cannot parse the request: invalid value for '" + property + "'. " + why};
}

struct ParsedConnection {
  std::string list;  // which of kLists
  json input;        // the caller's entry
  PecTarget target;
};

// Validates the connection lists; a private endpoint links exactly one resource, like Azure's.
std::variant<ParsedConnection, ArmError> ParseConnection(const json& props) {
  std::vector<ParsedConnection> found;
  for (const char* list : kLists) {
    if (!props.contains(list) || props[list].is_null()) continue;
    if (!props[list].is_array())
      return Invalid(std::string("properties.") + list, "It must be an array.");
    for (size_t i = 0; i < props[list].size(); ++i) {
      const json& c = props[list][i];
      std::string at = std::string("properties.") + list + "[" + std::to_string(i) + "]";
      if (!c.is_object() || !c.contains("name") || !c["name"].is_string() ||
          c["name"].get<std::string>().empty()) {
        return Invalid(at + ".name", "Each connection needs a name.");
      }
      if (!c.contains("properties") || !c["properties"].is_object()) {
        return Invalid(at + ".properties", "It is required.");
      }
      const json& cp = c["properties"];
      if (!cp.contains("privateLinkServiceId") || !cp["privateLinkServiceId"].is_string()) {
        return Invalid(at + ".properties.privateLinkServiceId", "It is required.");
      }
      auto target = ParsePecTarget(cp["privateLinkServiceId"]);
      if (!target) {
        return ArmError{400, "InvalidPrivateLinkServiceId",
                        "Private link service id '" +
                            cp["privateLinkServiceId"].get<std::string>() +
                            "' is invalid: keyward-arm-emulator connects private endpoints to "
                            "Microsoft.KeyVault/vaults and Microsoft.KeyVault/managedHSMs only."};
      }
      const char* group = target->is_hsm ? "managedhsm" : "vault";
      if (!cp.contains("groupIds") || !cp["groupIds"].is_array() || cp["groupIds"].size() != 1 ||
          !cp["groupIds"][0].is_string() ||
          !EqualsIgnoreCase(cp["groupIds"][0].get<std::string>(), group)) {
        return ArmError{400, "InvalidPrivateLinkServiceGroupId",
                        "The groupIds of " + at + " must be [\"" + group + "\"] for " +
                            (target->is_hsm ? "a managed HSM." : "a key vault.")};
      }
      found.push_back({list, c, *target});
    }
  }
  if (found.size() != 1) {
    return ArmError{400, "InvalidPrivateEndpointConnectionCount",
                    "A private endpoint must have exactly one entry in "
                    "privateLinkServiceConnections or manualPrivateLinkServiceConnections (found " +
                        std::to_string(found.size()) + ")."};
  }
  return found.front();
}

// The PUT body's own checks, before its connection is parsed.
std::optional<ArmError> ValidateEndpointBody(const json& body) {
  if (auto error = CheckLocation(body)) return error;
  if (!body.contains("properties") || !body["properties"].is_object()) {
    return Invalid("properties", "It is required.");
  }
  return std::nullopt;
}

// The endpoint being written: its store key, ARM id and the stored row (null on create).
struct EndpointWrite {
  std::string name;
  std::string key;
  std::string id;  // the stored id on update, so its casing survives
  StoredResource* existing = nullptr;
};

// The key of the target-side connection this endpoint uses. An update that keeps the same link
// keeps its connection (and the owner's decision on it); otherwise the old one is disconnected
// and a new one is created.
std::string LinkConnection(Store::Tx& tx, const ParsedConnection& connection,
                           const EndpointWrite& pe) {
  const bool manual = connection.list == std::string(kLists[1]);
  if (pe.existing) {
    const json& old = pe.existing->body["_internal"];
    if (old.value("target", "") == connection.target.key &&
        old.value("manual", !manual) == manual &&
        PrivateEndpointConnectionState(tx, old.value("pecKey", ""))) {
      return old["pecKey"].get<std::string>();
    }
    DisconnectPrivateEndpointConnection(tx, old.value("pecKey", ""), kEndpointDeleted);
  }
  const json& cp = connection.input["properties"];
  NewConnection nc;
  // Azure names the target-side connection after the endpoint plus a GUID.
  nc.name = pe.name + "." + NewGuid();
  nc.private_endpoint_id = pe.id;
  nc.private_endpoint_key = pe.key;
  nc.status = manual ? "Pending" : "Approved";
  nc.description = manual ? cp.value("requestMessage", "") : kAutoApproved;
  return *CreatePrivateEndpointConnection(tx, connection.target, nc);
}

// The endpoint's view of its one connection, as the caller gave it.
json ConnectionEntry(const ParsedConnection& connection, const std::string& endpoint_id) {
  const std::string name = connection.input["name"];
  const json& cp = connection.input["properties"];
  json entry = {{"name", name},
                {"id", endpoint_id + "/" + connection.list + "/" + name},
                {"etag", "W/\"" + NewGuid() + "\""},
                {"type", "Microsoft.Network/privateEndpoints/privateLinkServiceConnections"},
                {"properties",
                 {{"provisioningState", "Succeeded"},
                  {"privateLinkServiceId", cp["privateLinkServiceId"]},
                  {"groupIds", cp["groupIds"]}}}};
  if (cp.contains("requestMessage")) entry["properties"]["requestMessage"] = cp["requestMessage"];
  return entry;
}

// The endpoint's properties: one connection entry, the empty NIC / DNS / IP lists a fresh
// endpoint shows, and the caller's subnet.
json EndpointProperties(const json& body, const ParsedConnection& connection,
                        const EndpointWrite& pe) {
  json props = {
      {"provisioningState", "Succeeded"},
      {"resourceGuid",
       pe.existing ? pe.existing->body["properties"].value("resourceGuid", NewGuid()) : NewGuid()},
      {kLists[0], json::array()},
      {kLists[1], json::array()},
      {"networkInterfaces", json::array()},
      {"customDnsConfigs", json::array()},
      {"ipConfigurations", json::array()}};
  props[connection.list].push_back(ConnectionEntry(connection, pe.id));
  if (body["properties"].contains("subnet")) props["subnet"] = body["properties"]["subnet"];
  return props;
}

class PrivateEndpoints {
 public:
  explicit PrivateEndpoints(const ServiceContext& context) : ctx_(context) {}

  Reply Put(RequestContext& r) {
    const std::string sub = r.Var("subscriptionId"), rg = r.Var("resourceGroupName"),
                      name = r.Var("privateEndpointName");
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Reply::Error(InvalidRequestContent(r.body));
    if (auto error = ValidateEndpointBody(body)) return Reply::Error(*error);
    auto parsed = ParseConnection(body["properties"]);
    if (auto* error = std::get_if<ArmError>(&parsed)) return Reply::Error(*error);
    ParsedConnection connection = std::get<ParsedConnection>(std::move(parsed));
    const std::string key = EndpointKey(sub, rg, name);
    const std::string pe_id = "/subscriptions/" + sub + "/resourceGroups/" + rg +
                              "/providers/Microsoft.Network/privateEndpoints/" + name;

    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      if (!tx.Get(connection.target.key)) {
        return Reply::Error(
            ResourceNotFound(connection.target.is_hsm ? "Microsoft.KeyVault/managedHSMs"
                                                      : "Microsoft.KeyVault/vaults",
                             connection.target.name, connection.target.resource_group));
      }
      auto existing = tx.Get(key);
      EndpointWrite write{name, key, existing ? existing->body.value("id", pe_id) : pe_id,
                          existing ? &*existing : nullptr};
      const std::string pec_key = LinkConnection(tx, connection, write);
      const bool manual = connection.list == std::string(kLists[1]);
      StoredResource pe;
      pe.key = key;
      pe.type = kPrivateEndpointType;
      pe.parent = ResourceGroupKey(sub, rg);
      pe.subscription = ToLower(sub);
      pe.name = ToLower(name);
      pe.body = {{"id", write.id},
                 {"name", existing ? existing->body.value("name", name) : name},
                 {"type", kPrivateEndpointType},
                 {"location", NormalizeLocation(body["location"].get<std::string>())},
                 {"etag", "W/\"" + NewGuid() + "\""},
                 {"tags", body.contains("tags") && body["tags"].is_object() ? body["tags"]
                                                                            : json::object()},
                 {"properties", EndpointProperties(body, connection, write)},
                 {"_internal",
                  {{"pecKey", pec_key}, {"target", connection.target.key}, {"manual", manual}}}};
      tx.Put(pe);
      return Reply::Json(existing ? 200 : 201, Render(tx, pe));
    });
  }

  Reply Get(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto pe = tx.Get(EndpointKey(r.Var("subscriptionId"), r.Var("resourceGroupName"),
                                   r.Var("privateEndpointName")));
      if (!pe) return Reply::Error(NotFound(r));
      return Reply::Json(200, Render(tx, *pe));
    });
  }

  Reply Delete(RequestContext& r) {
    return ctx_.store->Transact([&](Store::Tx& tx) -> Reply {
      auto pe = tx.Get(EndpointKey(r.Var("subscriptionId"), r.Var("resourceGroupName"),
                                   r.Var("privateEndpointName")));
      if (!pe) return Reply::Empty(204);
      Remove(tx, *pe);
      return Reply::Empty(200);
    });
  }

  // The connection stays on the target, Disconnected, until its owner deletes it (ARM-NOTES §5.6).
  static void Remove(Store::Tx& tx, const StoredResource& pe) {
    DisconnectPrivateEndpointConnection(tx, pe.body["_internal"].value("pecKey", ""),
                                        kEndpointDeleted);
    tx.Delete(pe.key);
  }

 private:
  // The endpoint shows each connection's live state, as Microsoft.Network does.
  static json Render(Store::Tx& tx, const StoredResource& pe) {
    json body = pe.body;
    auto state = PrivateEndpointConnectionState(tx, body["_internal"].value("pecKey", ""));
    json shown = state ? *state
                       : json{{"status", "Disconnected"},
                              {"description",
                               "The private endpoint connection was deleted by the "
                               "owner of the private link service."},
                              {"actionsRequired", "None"}};
    body.erase("_internal");
    for (const char* list : kLists) {
      for (auto& c : body["properties"][list])
        c["properties"]["privateLinkServiceConnectionState"] = shown;
    }
    return body;
  }

  static ArmError NotFound(const RequestContext& r) {
    return ResourceNotFound(kPrivateEndpointType, r.Var("privateEndpointName"),
                            r.Var("resourceGroupName"));
  }

  ServiceContext ctx_;
};

}  // namespace

void RegisterNetworkRoutes(Router& router, const ServiceContext& context) {
  auto endpoints = std::make_shared<PrivateEndpoints>(context);
  // Endpoints in a deleted resource group go with it; their connections turn Disconnected.
  OnResourceGroupDelete(
      context, kPrivateEndpointType,
      [](Store::Tx& tx, const StoredResource& pe, double) { PrivateEndpoints::Remove(tx, pe); });
  auto bind = MethodsOf(endpoints);
  const std::string pe =
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
      "Microsoft.Network/privateEndpoints/{privateEndpointName}";
  const auto net = ApiFamily::kNetwork;
  router.Add(
      {"PUT", pe, "PrivateEndpoints_CreateOrUpdate", net, true, bind(&PrivateEndpoints::Put)});
  router.Add({"GET", pe, "PrivateEndpoints_Get", net, true, bind(&PrivateEndpoints::Get)});
  router.Add({"DELETE", pe, "PrivateEndpoints_Delete", net, true, bind(&PrivateEndpoints::Delete)});
}

}  // namespace keyward::emulator
