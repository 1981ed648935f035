// How the azureblob backend authenticates to Azure Storage, and Shared Key request signing.
//
// In order of preference, from the environment (never from keyward.yaml):
//   AZURE_STORAGE_SAS_TOKEN   a SAS appended to every URL (needs read / write on the blob)
//   AZURE_STORAGE_KEY         the account key: requests are signed with Shared Key (HMAC-SHA256)
//                             — Azurite's well-known development key works here
//   otherwise                 a bearer token from keyward's Azure credential chain for the
//                             storage scope (https://storage.azure.com/.default), https only
// AZURE_STORAGE_ACCOUNT names the account when the URL does not (a custom domain).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/context.h"
#include "engine/result.h"

namespace keyward::coordination {

using BearerTokenFn = std::function<Result<std::string>(const Context& ctx)>;

struct BlobAuth {
  enum class Kind { kSharedKey, kSas, kBearer } kind = Kind::kBearer;
  std::string account;   // for Shared Key's canonicalized resource
  std::string key;       // decoded account key (Shared Key)
  std::string sas;       // without the leading '?'
  BearerTokenFn bearer;  // for kBearer
};

// The account name of a blob endpoint URL: the first DNS label of the host
// (myaccount.blob.core.windows.net), or for path-style URLs on an IP address or localhost
// (Azurite: http://127.0.0.1:10000/devstoreaccount1) the first path segment.
std::string AccountNameOf(const std::string& host, const std::string& path);

struct SharedKeyRequest {
  std::string method;
  std::string path;  // as sent, percent-encoded, without the query ("/account/container/blob")
  std::vector<std::pair<std::string, std::string>> query;    // decoded name / value
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  size_t content_length = 0;
};

// "SharedKey account:signature" for the request (Blob service, version 2015-02-21 and later).
std::string SharedKeyAuthorization(const SharedKeyRequest& request, const std::string& account,
                                   const std::string& key);

}  // namespace keyward::coordination
