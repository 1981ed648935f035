// Webhook authentication in GitHub's scheme: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
// raw body keyed by the shared secret>`. Gitea, Forgejo and GitLab-compatible senders use the
// same header. Comparison is constant-time so the signature cannot be guessed byte by byte.
#pragma once

#include <string>

namespace keyward::engine {

// "sha256=" + lowercase hex HMAC-SHA256(secret, body).
std::string HubSignature256(const std::string& secret, const std::string& body);

// False for an empty secret (webhooks disabled), a missing or malformed header, or a mismatch.
bool VerifyHubSignature256(const std::string& secret, const std::string& body,
                           const std::string& header);

}  // namespace keyward::engine
