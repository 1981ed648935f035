#include "engine/webhook.h"

#include "engine/hmac.h"

namespace keyward::engine {

std::string HubSignature256(const std::string& secret, const std::string& body) {
  const std::string mac = HmacSha256Hex(secret, body);
  return mac.empty() ? "" : "sha256=" + mac;
}

bool VerifyHubSignature256(const std::string& secret, const std::string& body,
                           const std::string& header) {
  if (secret.empty()) return false;
  const std::string expected = HubSignature256(secret, body);
  return !expected.empty() && EqualsConstantTime(expected, header);
}

}  // namespace keyward::engine
