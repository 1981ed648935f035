#include "engine/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace keyward::engine {

std::string HubSignature256(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length))
    return "";
  std::string out = "sha256=";
  char hex[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", mac[i]);
    out += hex;
  }
  return out;
}

bool VerifyHubSignature256(const std::string& secret, const std::string& body,
                           const std::string& header) {
  if (secret.empty()) return false;
  const std::string expected = HubSignature256(secret, body);
  if (expected.empty() || header.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), header.data(), expected.size()) == 0;
}

}  // namespace keyward::engine
