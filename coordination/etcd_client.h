// A small etcd v3 client over etcd's JSON gateway (grpc-gateway: POST /v3/<service>/<method>
// with the protobuf messages as JSON, bytes as base64, int64 as strings). etcd 3.4 serves /v3/.
// Only what the lock needs: leases (grant, keep-alive, revoke, time-to-live), ranges, a
// put-if-absent transaction, deletes, and the election service (leader, campaign, resign).
//
// Endpoints: every call tries the member that answered last, then the others in order; a
// transport failure or an "unavailable" answer (a member without a leader, a stopped member)
// moves to the next, so losing a minority of members is invisible to callers. A call has one
// deadline for all its tries.
//
// Auth: with a user (KEYWARD_LOCK_ETCD_USER / _PASSWORD), the client authenticates
// (/v3/auth/authenticate) and sends the token; an expired token is refreshed once per call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coordination/http_client.h"
#include "engine/result.h"

namespace keyward::coordination {

struct EtcdKv {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

struct EtcdOptions {
  std::vector<std::string> endpoints;
  HttpTls tls;
  std::string user;                          // empty: no auth
  std::string password;                      // never logged
  std::chrono::milliseconds timeout{3'000};  // default deadline of one call
};

class EtcdClient {
 public:
  static Result<std::shared_ptr<EtcdClient>> Make(EtcdOptions options);

  // Grants a lease; returns its id and the TTL etcd granted (it may raise a too-short one).
  Result<std::pair<int64_t, std::chrono::seconds>> LeaseGrant(std::chrono::seconds ttl);
  // One keep-alive. Returns the TTL etcd reset the lease to; kNotFound when the lease is gone.
  Result<std::chrono::seconds> LeaseKeepAlive(int64_t lease, std::chrono::milliseconds deadline);
  // Revoking a lease that is already gone is fine.
  Status LeaseRevoke(int64_t lease);
  // Remaining TTL; kNotFound when the lease is gone.
  Result<std::chrono::seconds> LeaseTimeToLive(int64_t lease);

  // Every key under `prefix`, oldest (lowest create_revision) first.
  Result<std::vector<EtcdKv>> RangePrefix(const std::string& prefix);
  // Creates `key` bound to `lease` unless it exists. Returns true when it was created.
  Result<bool> PutIfAbsent(const std::string& key, const std::string& value, int64_t lease);
  Status Delete(const std::string& key);

  // The election's current leader (its key holds the leader's value); nullopt without one.
  Result<std::optional<EtcdKv>> ElectionLeader(const std::string& name);
  // Blocks until this lease's key leads the election (etcd's Campaign: the key is created if
  // needed, then it waits for every older key to go). `cancel` abandons the wait.
  Result<EtcdKv> ElectionCampaign(const std::string& name, int64_t lease, const std::string& value,
                                  const std::atomic<bool>* cancel);

  const std::vector<std::string>& endpoints() const { return options_.endpoints; }

 private:
  explicit EtcdClient(EtcdOptions options, std::vector<HttpClient> members)
      : options_(std::move(options)), members_(std::move(members)) {}
  // POST path with body to the members until one answers. deadline 0: options_.timeout.
  Result<nlohmann::json> Call(const std::string& path, const nlohmann::json& body,
                              std::chrono::milliseconds deadline = std::chrono::milliseconds(0),
                              const std::atomic<bool>* cancel = nullptr);
  Result<std::string> Token(bool refresh);

  EtcdOptions options_;
  std::vector<HttpClient> members_;
  std::atomic<size_t> preferred_{0};
  std::mutex token_mu_;
  std::string token_;
};

}  // namespace keyward::coordination
