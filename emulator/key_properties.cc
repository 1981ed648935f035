#include "emulator/key_properties.h"

#include <string>

#include "emulator/request_checks.h"
#include "emulator/util.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

bool IsUnixTime(const json& v) { return v.is_number_integer(); }

// kty: required, any case; the HSM-backed types need a premium vault (every managed HSM is).
std::optional<ArmError> NormalizeKeyType(const json& in, bool premium, json* p) {
  if (!Present(in, "kty")) return RequiredProperty("properties.kty");
  auto kty = CanonicalEnum(in["kty"], {"EC", "EC-HSM", "RSA", "RSA-HSM"});
  if (!kty) return InvalidProperty("properties.kty", "Use EC, EC-HSM, RSA or RSA-HSM.");
  // Inferred from the SKU docs; the real error is not recorded.
  if (kty->ends_with("-HSM") && !premium) {
    return ArmError{400, "BadRequest",
                    "Key type '" + *kty +
                        "' requires a premium vault: HSM-protected keys are not "
                        "supported on the standard SKU."};
  }
  (*p)["kty"] = *kty;
  return std::nullopt;
}

// RSA keys take keySize (default 2048), EC keys curveName (default P-256); never the other one.
std::optional<ArmError> NormalizeKeyShape(const json& in, bool rsa, json* p) {
  if (rsa) {
    int size = 2048;
    if (Present(in, "keySize")) {
      if (!in["keySize"].is_number_integer()) return InvalidProperty("properties.keySize");
      size = in["keySize"].get<int>();
      if (size != 2048 && size != 3072 && size != 4096) {
        return InvalidProperty("properties.keySize", "RSA keys are 2048, 3072 or 4096 bits.");
      }
    }
    if (Present(in, "curveName")) {
      return InvalidProperty("properties.curveName", "A curve applies to EC keys only.");
    }
    (*p)["keySize"] = size;
    return std::nullopt;
  }
  std::string curve = "P-256";
  if (Present(in, "curveName")) {
    auto c = CanonicalEnum(in["curveName"], {"P-256", "P-384", "P-521", "P-256K"});
    if (!c) return InvalidProperty("properties.curveName", "Use P-256, P-384, P-521 or P-256K.");
    curve = *c;
  }
  if (Present(in, "keySize")) {
    return InvalidProperty("properties.keySize", "A key size applies to RSA keys only.");
  }
  (*p)["curveName"] = curve;
  return std::nullopt;
}

// keyOps: canonical spellings; the examples' defaults when omitted.
std::optional<ArmError> NormalizeKeyOps(const json& in, bool rsa, json* p) {
  if (!Present(in, "keyOps")) {
    (*p)["keyOps"] =
        rsa ? json::array({"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"})
            : json::array({"sign", "verify"});
    return std::nullopt;
  }
  if (!in["keyOps"].is_array()) return InvalidProperty("properties.keyOps");
  json ops = json::array();
  for (const auto& op : in["keyOps"]) {
    auto c = CanonicalEnum(
        op, {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "release"});
    if (!c) return InvalidProperty("properties.keyOps", "Unknown key operation " + op.dump() + ".");
    ops.push_back(*c);
  }
  (*p)["keyOps"] = ops;
  return std::nullopt;
}

// attributes: enabled (default true), nbf / exp as Unix times, exportable (default false).
std::optional<ArmError> NormalizeKeyAttributes(const json& in, json* attributes) {
  *attributes = {{"enabled", true}};
  if (Present(in, "attributes")) {
    const json& a = in["attributes"];
    if (!a.is_object()) return InvalidProperty("properties.attributes");
    for (const char* flag : {"enabled", "nbf", "exp", "exportable"}) {
      if (!Present(a, flag)) continue;
      const bool time = std::string(flag) == "nbf" || std::string(flag) == "exp";
      if (time && !IsUnixTime(a[flag])) {
        return InvalidProperty(
            std::string("properties.attributes.") + flag,
            "It must be an integer number of seconds since 1970-01-01T00:00:00Z.");
      }
      if (!time && !a[flag].is_boolean()) {
        return InvalidProperty(std::string("properties.attributes.") + flag);
      }
      (*attributes)[flag] = a[flag];
    }
  }
  if (!attributes->contains("exportable")) (*attributes)["exportable"] = false;
  return std::nullopt;
}

// rotationPolicy and release_policy: objects when given; release_policy gets a default
// contentType.
std::optional<ArmError> NormalizeKeyPolicies(const json& in, json* p) {
  if (Present(in, "rotationPolicy")) {
    if (!in["rotationPolicy"].is_object()) return InvalidProperty("properties.rotationPolicy");
    (*p)["rotationPolicy"] = in["rotationPolicy"];
  }
  if (!Present(in, "release_policy")) return std::nullopt;
  if (!in["release_policy"].is_object()) return InvalidProperty("properties.release_policy");
  json release = in["release_policy"];
  if (!release.contains("contentType")) release["contentType"] = "application/json; charset=utf-8";
  (*p)["release_policy"] = release;
  return std::nullopt;
}

}  // namespace

std::optional<ArmError> NormalizeKeyProperties(const json& in, bool premium, json* out) {
  if (!in.is_object()) return InvalidProperty("properties");
  json p = json::object();
  if (auto error = NormalizeKeyType(in, premium, &p)) return error;
  const bool rsa = p["kty"].get<std::string>().starts_with("RSA");
  if (auto error = NormalizeKeyShape(in, rsa, &p)) return error;
  if (auto error = NormalizeKeyOps(in, rsa, &p)) return error;
  json attributes;
  if (auto error = NormalizeKeyAttributes(in, &attributes)) return error;
  // An exportable key must carry a release policy (data-plane rule).
  const bool has_release = in.contains("release_policy") && in["release_policy"].is_object();
  if (attributes["exportable"] == true && !has_release) {
    return InvalidProperty("properties.attributes.exportable",
                           "An exportable key requires a release_policy.");
  }
  p["attributes"] = attributes;
  if (auto error = NormalizeKeyPolicies(in, &p)) return error;
  *out = std::move(p);
  return std::nullopt;
}

json KeyListItem(const json& stored_body) {
  json item = stored_body;
  const json& p = stored_body["properties"];
  item["properties"] = {{"attributes", p["attributes"]}, {"keyUri", p["keyUri"]}};
  return item;
}

json KeyVersionListItem(const json& stored_body) {
  json item = stored_body;
  const json& p = stored_body["properties"];
  item["properties"] = {{"attributes", p["attributes"]},
                        {"keyUri", p["keyUri"]},
                        {"keyUriWithVersion", p["keyUriWithVersion"]}};
  return item;
}

void StampNewKey(bool purge_protected, const std::string& uri, const std::string& version,
                 long long now, json* props) {
  (*props)["attributes"]["created"] = now;
  (*props)["attributes"]["updated"] = now;
  (*props)["attributes"]["recoveryLevel"] =
      purge_protected ? "Recoverable" : "Recoverable+Purgeable";
  (*props)["keyUri"] = uri;
  (*props)["keyUriWithVersion"] = uri + "/" + version;
}

json KeyVersionBody(const json& key_body, const std::string& version, const char* type) {
  json body = key_body;
  body["id"] = key_body["id"].get<std::string>() + "/versions/" + version;
  body["name"] = version;
  body["type"] = type;
  return body;
}

}  // namespace keyward::emulator
