// JSON pieces the Azure kind tests build their desired specs and ARM responses from: the fields
// ARM puts around every resource it returns, the networkAcls that deny all but some IP ranges,
// and an RSA key's properties. Header-only and named *_test_util.h so the library glob never
// picks it up.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keyward::azure {

using Json = nlohmann::json;

// What ARM returns around every resource: its id, its name (the id's last segment), its type and
// its location. Tests add tags, sku and properties.
inline Json ArmResource(const std::string& id, const std::string& type,
                        const std::string& location) {
  return {
      {"id", id}, {"name", id.substr(id.rfind('/') + 1)}, {"type", type}, {"location", location}};
}

// networkAcls that deny everything but `ip_rules` and let trusted Azure services through, as a
// manifest spec (and ARM's request body) writes them.
inline Json DenyNetworkAcls(const std::vector<std::string>& ip_rules) {
  Json rules = Json::array();
  for (const std::string& ip : ip_rules) rules.push_back(Json{{"value", ip}});
  return {{"defaultAction", "Deny"}, {"bypass", "AzureServices"}, {"ipRules", rules}};
}

// The same networkAcls as ARM's GET returns them: the default action in ARM's casing
// (`default_action`) and the virtual network rules nobody set.
inline Json LiveNetworkAcls(const std::string& default_action,
                            const std::vector<std::string>& ip_rules) {
  Json acls = DenyNetworkAcls(ip_rules);
  acls["defaultAction"] = default_action;
  acls["virtualNetworkRules"] = Json::array();
  return acls;
}

// The properties of an RSA key as ARM's GET returns them after Keys_CreateIfNotExist with
// {kty: RSA} (createKey.json).
inline Json RsaKeyProperties(const std::string& recovery_level, const std::string& key_uri) {
  return {{"attributes",
           {{"enabled", true},
            {"created", 1598533051},
            {"updated", 1598533051},
            {"recoveryLevel", recovery_level}}},
          {"kty", "RSA"},
          {"keyOps", {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}},
          {"keySize", 2048},
          {"keyUri", key_uri}};
}

}  // namespace keyward::azure
