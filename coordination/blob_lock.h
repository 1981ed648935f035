// The `azureblob` backend: a blob lease per stack, as Terraform's azurerm backend locks its state.
//
//   blob   <account URL>/<container>/<blob, default keyward/STACK.lock>   (an empty block blob)
//
// Acquire creates the blob if needed (If-None-Match: *; and the container, for a fresh Azurite or
// account, when the identity may), then asks for a lease
// (x-ms-lease-action: acquire, x-ms-lease-duration = the TTL, which Azure bounds to 15..60 s) and
// writes the holder into the blob's metadata under that lease. A lease already present (409
// LeaseAlreadyPresent) means another holder: read its metadata, then fail naming it or poll once
// a second. The keep-alive renews every ttl/3 (LeaseKeeper); a renewal refused because the lease
// is no longer ours (broken, expired and taken) loses the lock for good. Release releases the
// lease; Break breaks it with a zero break period.
//
// There is no queue and no membership: with several daemon replicas, whoever renews in time keeps
// a stack, and sharding is not balanced (use etcd for that).
#pragma once

#include <memory>
#include <string>

#include "coordination/blob_auth.h"
#include "coordination/http_client.h"
#include "coordination/lease_keeper.h"
#include "coordination/stack_lock.h"

namespace keyward::coordination {

class BlobLockBackend : public LockBackend, public std::enable_shared_from_this<BlobLockBackend> {
 public:
  // `blob_name` empty: keyward/STACK.lock. `ttl` must be 15..60 s (kInvalidArgument otherwise).
  static Result<std::shared_ptr<BlobLockBackend>> Make(const std::string& account_url,
                                                       std::string container, std::string blob_name,
                                                       BlobAuth auth, std::chrono::milliseconds ttl,
                                                       HttpTls tls = {},
                                                       MonotonicClock clock = nullptr);
  engine::LockBackendKind kind() const override { return engine::LockBackendKind::kAzureBlob; }

  Result<std::shared_ptr<HeldLock>> Acquire(const AcquireRequest& request,
                                            const Context& ctx) override;
  Result<LockStatus> Status(const std::string& stack, const Context& ctx) override;
  Result<std::optional<LockHolder>> Break(const std::string& stack, const Context& ctx) override;

  std::string BlobUrl(const std::string& stack) const;

  // One request to the blob (exposed for the held lock's renew / release).
  struct Request {
    std::string method;
    std::string stack;
    std::string comp;  // "lease", "metadata" or "" (the blob itself)
    std::vector<std::pair<std::string, std::string>> headers;
    bool container = false;  // the container (restype=container) instead of the blob
  };
  Result<HttpReply> Send(const Request& request, const Context& ctx,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

 private:
  BlobLockBackend(HttpUrl account, std::string container, std::string blob_name, BlobAuth auth,
                  std::chrono::milliseconds ttl, HttpTls tls, MonotonicClock clock);
  std::string BlobPath(const std::string& stack) const;  // percent-encoded, from the origin
  // The lease holder from HEAD (nullopt: no lease); also the lease state for messages.
  Result<std::optional<LockHolder>> ReadHolder(const std::string& stack, const Context& ctx);
  // Acquire's steps: the blob a lease needs (and its container), created when missing; then, once
  // the lease `lease_id` (requested at `sent`) is granted, its keep-alive and the holder recorded
  // in the blob's metadata.
  ::keyward::Status CreateBlob(const std::string& stack, const Context& ctx);
  Result<std::shared_ptr<HeldLock>> HoldLease(const AcquireRequest& request,
                                              const std::string& lease_id, SteadyTime sent,
                                              const Context& ctx);

  HttpUrl account_;
  std::string container_;
  std::string blob_name_;
  BlobAuth auth_;
  std::chrono::milliseconds ttl_;
  HttpClient http_;
  MonotonicClock clock_;
};

// An Azure Storage error reply as "409 LeaseAlreadyPresent: There is already a lease present.".
std::string DescribeStorageError(const HttpReply& reply);

}  // namespace keyward::coordination
