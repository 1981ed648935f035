// base64, which the lock services speak: etcd's JSON gateway carries keys and values as base64,
// Azure Storage's account key and Shared Key signatures are base64.
#pragma once

#include <optional>
#include <string>

namespace keyward::coordination {

std::string Base64Encode(const std::string& bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> Base64Decode(const std::string& text);

}  // namespace keyward::coordination
