// Byte encodings the lock services speak: base64 (etcd's JSON gateway carries keys and values as
// base64; Azure Storage's shared key is base64) and HMAC-SHA256 (Azure Storage SharedKey).
#pragma once

#include <optional>
#include <string>

namespace keyward::coordination {

std::string Base64Encode(const std::string& bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> Base64Decode(const std::string& text);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(const std::string& key, const std::string& data);

}  // namespace keyward::coordination
