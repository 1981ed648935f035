// The token of a JSON answer from a token source (Entra ID's token endpoint, IMDS, `az account
// get-access-token`). Each spells the token's key and its expiry its own way; the expiry is left to
// the caller.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/result.h"
#include "providers/azure/arm/credential.h"

namespace keyward::azure {

// An AccessToken holding the non-empty string at `key` of the object `parsed` (expires_on unset).
// kInternal "<source> is not a JSON object" or "<source> has no <key>" otherwise; the message
// never quotes the answer, which may hold a token.
Result<AccessToken> TokenFromJson(const nlohmann::json& parsed, const std::string& key,
                                  const std::string& source);

}  // namespace keyward::azure
