#include "emulator/key_properties.h"

#include <string>

#include "emulator/util.h"

namespace keyward::emulator {
namespace {

using nlohmann::json;

ArmError Invalid(const std::string& property, const std::string& why = "") {
  return {400, "BadRequest",
          "An invalid value was provided for '" + property + "'." + (why.empty() ? "" : " " + why)};
}

std::optional<std::string> Canonical(const json& value,
                                     std::initializer_list<const char*> allowed) {
  if (!value.is_string()) return std::nullopt;
  for (const char* a : allowed) {
    if (EqualsIgnoreCase(value.get<std::string>(), a)) return std::string(a);
  }
  return std::nullopt;
}

bool IsUnixTime(const json& v) { return v.is_number_integer(); }

}  // namespace

std::optional<ArmError> NormalizeKeyProperties(const json& in, bool premium, json* out) {
  if (!in.is_object()) return Invalid("properties");
  json p = json::object();
  if (!in.contains("kty") || in["kty"].is_null()) {
    return ArmError{400, "BadRequest",
                    "The parameter 'properties.kty' is required but was not provided."};
  }
  auto kty = Canonical(in["kty"], {"EC", "EC-HSM", "RSA", "RSA-HSM"});
  if (!kty) return Invalid("properties.kty", "Use EC, EC-HSM, RSA or RSA-HSM.");
  // HSM-protected keys need a premium vault (inference from the SKU docs; the real error is not
  // recorded).
  if (kty->ends_with("-HSM") && !premium) {
    return ArmError{400, "BadRequest",
                    "Key type '" + *kty +
                        "' requires a premium vault: HSM-protected keys are not "
                        "supported on the standard SKU."};
  }
  p["kty"] = *kty;
  const bool rsa = kty->starts_with("RSA");

  if (rsa) {
    int size = 2048;
    if (in.contains("keySize") && !in["keySize"].is_null()) {
      if (!in["keySize"].is_number_integer()) return Invalid("properties.keySize");
      size = in["keySize"].get<int>();
      if (size != 2048 && size != 3072 && size != 4096) {
        return Invalid("properties.keySize", "RSA keys are 2048, 3072 or 4096 bits.");
      }
    }
    if (in.contains("curveName") && !in["curveName"].is_null()) {
      return Invalid("properties.curveName", "A curve applies to EC keys only.");
    }
    p["keySize"] = size;
  } else {
    std::string curve = "P-256";
    if (in.contains("curveName") && !in["curveName"].is_null()) {
      auto c = Canonical(in["curveName"], {"P-256", "P-384", "P-521", "P-256K"});
      if (!c) return Invalid("properties.curveName", "Use P-256, P-384, P-521 or P-256K.");
      curve = *c;
    }
    if (in.contains("keySize") && !in["keySize"].is_null()) {
      return Invalid("properties.keySize", "A key size applies to RSA keys only.");
    }
    p["curveName"] = curve;
  }

  if (in.contains("keyOps") && !in["keyOps"].is_null()) {
    if (!in["keyOps"].is_array()) return Invalid("properties.keyOps");
    json ops = json::array();
    for (const auto& op : in["keyOps"]) {
      auto c = Canonical(op, {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey",
                              "import", "release"});
      if (!c) return Invalid("properties.keyOps", "Unknown key operation " + op.dump() + ".");
      ops.push_back(*c);
    }
    p["keyOps"] = ops;
  } else if (rsa) {
    p["keyOps"] = {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
  } else {
    p["keyOps"] = {"sign", "verify"};
  }

  json attributes = {{"enabled", true}};
  if (in.contains("attributes") && !in["attributes"].is_null()) {
    const json& a = in["attributes"];
    if (!a.is_object()) return Invalid("properties.attributes");
    if (a.contains("enabled") && !a["enabled"].is_null()) {
      if (!a["enabled"].is_boolean()) return Invalid("properties.attributes.enabled");
      attributes["enabled"] = a["enabled"];
    }
    for (const char* t : {"nbf", "exp"}) {
      if (!a.contains(t) || a[t].is_null()) continue;
      if (!IsUnixTime(a[t])) {
        return Invalid(std::string("properties.attributes.") + t,
                       "It must be an integer number of seconds since 1970-01-01T00:00:00Z.");
      }
      attributes[t] = a[t];
    }
    if (a.contains("exportable") && !a["exportable"].is_null()) {
      if (!a["exportable"].is_boolean()) return Invalid("properties.attributes.exportable");
      attributes["exportable"] = a["exportable"];
    }
  }
  if (!attributes.contains("exportable")) attributes["exportable"] = false;
  // An exportable key must carry a release policy (data-plane rule).
  const bool has_release = in.contains("release_policy") && in["release_policy"].is_object();
  if (attributes["exportable"] == true && !has_release) {
    return Invalid("properties.attributes.exportable",
                   "An exportable key requires a release_policy.");
  }
  p["attributes"] = attributes;

  if (in.contains("rotationPolicy") && !in["rotationPolicy"].is_null()) {
    if (!in["rotationPolicy"].is_object()) return Invalid("properties.rotationPolicy");
    p["rotationPolicy"] = in["rotationPolicy"];
  }
  if (has_release) {
    json release = in["release_policy"];
    if (!release.contains("contentType"))
      release["contentType"] = "application/json; charset=utf-8";
    p["release_policy"] = release;
  } else if (in.contains("release_policy") && !in["release_policy"].is_null()) {
    return Invalid("properties.release_policy");
  }
  *out = std::move(p);
  return std::nullopt;
}

json KeyListItem(const json& stored_body) {
  json item = stored_body;
  const json& p = stored_body["properties"];
  item["properties"] = {{"attributes", p["attributes"]}, {"keyUri", p["keyUri"]}};
  return item;
}

}  // namespace keyward::emulator
