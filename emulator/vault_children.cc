#include "emulator/vault_children.h"

#include <cctype>
#include <cmath>

#include "emulator/util.h"

namespace keyward::emulator {

std::string VaultKeyFor(const RequestContext& request) {
  return ToLower("/subscriptions/" + request.Var("subscriptionId") + "/resourcegroups/" +
                 request.Var("resourceGroupName") + "/providers/microsoft.keyvault/vaults/" +
                 request.Var("vaultName"));
}

std::optional<ArmError> LoadParentVault(Store::Tx& tx, const RequestContext& request,
                                        ParentVault* out) {
  auto vault = tx.Get(VaultKeyFor(request));
  if (!vault) {
    return ResourceNotFound("Microsoft.KeyVault/vaults", request.Var("vaultName"),
                            request.Var("resourceGroupName"));
  }
  out->key = vault->key;
  out->id = vault->body.value("id", "");
  out->name = vault->body.value("name", request.Var("vaultName"));
  out->location = vault->body.value("location", "");
  out->stored = std::move(*vault);
  return std::nullopt;
}

std::string VaultDataPlaneUrl(const ParentVault& vault) {
  return "https://" + ToLower(vault.name) + ".vault.azure.net";
}

std::optional<ArmError> ValidateChildName(const std::string& name, const std::string& what) {
  bool ok =
      !name.empty() && name.size() <= 127 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      });
  if (ok) return std::nullopt;
  // Code and text follow the vault name error's pattern; the real code is not recorded.
  return ArmError{400, "BadRequest",
                  "The " + what + " name '" + name + "' is invalid. A " + what +
                      " name must be a string of 1 to 127 characters and contain only numbers "
                      "(0-9), letters (a-z, A-Z), and hyphens (-)."};
}

std::string NewObjectVersion() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string bytes = RandomBytes(16);
  std::string out;
  out.reserve(32);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

long long UnixSeconds(double now) { return static_cast<long long>(std::floor(now)); }

ArmError VaultChildNotFound(const RequestContext& request, const std::string& child_path) {
  return {404, "ResourceNotFound",
          "The Resource 'Microsoft.KeyVault/vaults/" + request.Var("vaultName") + "/" + child_path +
              "' under resource group '" + request.Var("resourceGroupName") + "' was not found."};
}

}  // namespace keyward::emulator
