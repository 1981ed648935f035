#include "coordination/etcd_client.h"

#include "coordination/codec.h"

namespace keyward::coordination {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

// grpc status codes etcd's gateway answers with.
constexpr int kGrpcUnknown = 2;
constexpr int kGrpcDeadlineExceeded = 4;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcUnauthenticated = 16;
constexpr int kGrpcUnavailable = 14;

int64_t Int64(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end()) return 0;  // proto3 JSON leaves zero values out
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return it->is_number() ? it->get<int64_t>() : 0;
}

std::string Bytes(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_string()) return "";
  return Base64Decode(it->get<std::string>()).value_or("");
}

EtcdKv KvFromJson(const Json& json) {
  EtcdKv kv;
  kv.key = Bytes(json, "key");
  kv.value = Bytes(json, "value");
  kv.create_revision = Int64(json, "create_revision");
  kv.mod_revision = Int64(json, "mod_revision");
  kv.lease = Int64(json, "lease");
  return kv;
}

// The key just after every key that starts with `prefix` (etcd's range_end for a prefix).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last < 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

}  // namespace

Result<std::shared_ptr<EtcdClient>> EtcdClient::Make(EtcdOptions options) {
  if (options.endpoints.empty()) return MakeError(ErrorCode::kInvalidArgument, "no etcd endpoints");
  std::vector<HttpClient> members;
  for (const std::string& endpoint : options.endpoints) {
    auto url = ParseHttpUrl(endpoint);
    if (!url)
      return MakeError(ErrorCode::kInvalidArgument, "etcd endpoint: " + url.error().message);
    members.emplace_back(*url, options.tls);
  }
  return std::shared_ptr<EtcdClient>(new EtcdClient(std::move(options), std::move(members)));
}

Result<std::string> EtcdClient::Token(bool refresh) {
  std::lock_guard lock(token_mu_);
  if (options_.user.empty()) return std::string();
  if (!token_.empty() && !refresh) return token_;
  token_.clear();
  // Authenticate without a token (Call would recurse): try members in order.
  std::string last_error = "no endpoint answered";
  for (const HttpClient& member : members_) {
    HttpCall call;
    call.method = "POST";
    call.path = "/v3/auth/authenticate";
    call.body = Json{{"name", options_.user}, {"password", options_.password}}.dump();
    call.content_type = "application/json";
    call.timeout = options_.timeout;
    auto reply = member.Send(call);
    if (!reply) {
      last_error = reply.error().message;
      continue;
    }
    const Json body = Json::parse(reply->body, nullptr, false);
    if (reply->status == 200 && body.is_object() && body.contains("token")) {
      token_ = body["token"].get<std::string>();
      return token_;
    }
    // Never echo the request; etcd's message says what failed ("authentication failed...").
    return MakeError(ErrorCode::kUnauthenticated,
                     "etcd authentication as '" + options_.user + "' failed: " +
                         (body.is_object() ? body.value("message", reply->body) : reply->body));
  }
  return MakeError(ErrorCode::kUnavailable, "etcd authentication: " + last_error);
}

Result<Json> EtcdClient::Call(const std::string& path, const Json& body, milliseconds deadline,
                              const std::atomic<bool>* cancel) {
  if (deadline.count() <= 0) deadline = options_.timeout;
  const auto end = std::chrono::steady_clock::now() + deadline;
  std::string errors;
  bool refreshed = false;
  const size_t n = members_.size();
  const size_t first = preferred_.load() % n;
  for (size_t tried = 0; tried < n;) {
    const size_t index = (first + tried) % n;
    const auto left =
        std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    KEYWARD_ASSIGN_OR_RETURN(auto token, Token(false));
    HttpCall call;
    call.method = "POST";
    call.path = path;
    call.body = body.dump();
    call.content_type = "application/json";
    call.timeout = cancel ? std::chrono::hours(24) : left;  // a campaign waits as long as it must
    if (!token.empty()) call.headers.emplace_back("Authorization", token);
    auto reply = members_[index].Send(call, cancel);
    if (!reply) {
      if (reply.error().code == ErrorCode::kCancelled) return tl::unexpected(reply.error());
      errors += (errors.empty() ? "" : "; ") + reply.error().message;
      ++tried;
      continue;
    }
    const Json json = Json::parse(reply->body, nullptr, false);
    if (reply->status == 200 && json.is_object()) {
      preferred_ = index;
      return json;
    }
    const int code = json.is_object() ? static_cast<int>(Int64(json, "code")) : 0;
    const std::string message = json.is_object() ? json.value("message", reply->body) : reply->body;
    if (code == kGrpcUnauthenticated && !options_.user.empty() && !refreshed) {
      refreshed = true;
      KEYWARD_RETURN_IF_ERROR(Token(true));
      continue;  // same member, new token
    }
    // A member without a leader, timing out, or not answering in JSON: ask the next one. (grpc
    // Unknown also comes back as HTTP 500, but it is an answer, e.g. "election: no leader".)
    if (code == kGrpcUnavailable || code == kGrpcDeadlineExceeded ||
        (reply->status >= 500 && code != kGrpcUnknown && code != kGrpcNotFound)) {
      errors += (errors.empty() ? "" : "; ") + members_[index].origin().Origin() + ": " + message;
      ++tried;
      continue;
    }
    const ErrorCode mapped = code == kGrpcNotFound          ? ErrorCode::kNotFound
                             : code == kGrpcUnauthenticated ? ErrorCode::kUnauthenticated
                             : reply->status == 403         ? ErrorCode::kPermissionDenied
                                                            : ErrorCode::kFailedPrecondition;
    return MakeError(mapped, "etcd " + path + ": " + message);
  }
  return MakeError(ErrorCode::kUnavailable,
                   "etcd " + path + ": no member answered in " + std::to_string(deadline.count()) +
                       " ms (" + (errors.empty() ? "deadline passed" : errors) + ")");
}

Result<std::pair<int64_t, std::chrono::seconds>> EtcdClient::LeaseGrant(std::chrono::seconds ttl) {
  KEYWARD_ASSIGN_OR_RETURN(auto json,
                           Call("/v3/lease/grant", {{"TTL", std::to_string(ttl.count())}}));
  if (json.contains("error") && !json["error"].get<std::string>().empty())
    return MakeError(ErrorCode::kFailedPrecondition,
                     "etcd lease grant: " + json["error"].get<std::string>());
  const int64_t id = Int64(json, "ID");
  if (id == 0) return MakeError(ErrorCode::kInternal, "etcd lease grant returned no ID");
  return std::make_pair(id, std::chrono::seconds(Int64(json, "TTL")));
}

Result<std::chrono::seconds> EtcdClient::LeaseKeepAlive(int64_t lease, milliseconds deadline) {
  // A streaming RPC: the gateway answers each request message with {"result": {...}}.
  KEYWARD_ASSIGN_OR_RETURN(auto json,
                           Call("/v3/lease/keepalive", {{"ID", std::to_string(lease)}}, deadline));
  const Json result = json.value("result", Json::object());
  const int64_t ttl = Int64(result, "TTL");
  if (ttl <= 0)
    return MakeError(ErrorCode::kNotFound,
                     "etcd lease " + std::to_string(lease) + " is gone (expired or revoked)");
  return std::chrono::seconds(ttl);
}

Status EtcdClient::LeaseRevoke(int64_t lease) {
  auto json = Call("/v3/lease/revoke", {{"ID", std::to_string(lease)}});
  if (!json && json.error().code != ErrorCode::kNotFound) return tl::unexpected(json.error());
  return {};
}

Result<std::chrono::seconds> EtcdClient::LeaseTimeToLive(int64_t lease) {
  KEYWARD_ASSIGN_OR_RETURN(auto json,
                           Call("/v3/lease/timetolive", {{"ID", std::to_string(lease)}}));
  const int64_t ttl = Int64(json, "TTL");
  if (ttl < 0)
    return MakeError(ErrorCode::kNotFound, "etcd lease " + std::to_string(lease) + " is gone");
  return std::chrono::seconds(ttl);
}

Result<std::vector<EtcdKv>> EtcdClient::RangePrefix(const std::string& prefix) {
  KEYWARD_ASSIGN_OR_RETURN(auto json,
                           Call("/v3/kv/range", {{"key", Base64Encode(prefix)},
                                                 {"range_end", Base64Encode(PrefixEnd(prefix))},
                                                 {"sort_order", "ASCEND"},
                                                 {"sort_target", "CREATE"}}));
  std::vector<EtcdKv> kvs;
  for (const Json& kv : json.value("kvs", Json::array())) kvs.push_back(KvFromJson(kv));
  return kvs;
}

Result<bool> EtcdClient::PutIfAbsent(const std::string& key, const std::string& value,
                                     int64_t lease) {
  const Json txn = {{"compare",
                     {{{"key", Base64Encode(key)},
                       {"target", "CREATE"},
                       {"result", "EQUAL"},
                       {"create_revision", "0"}}}},
                    {"success",
                     {{{"request_put",
                        {{"key", Base64Encode(key)},
                         {"value", Base64Encode(value)},
                         {"lease", std::to_string(lease)}}}}}}};
  KEYWARD_ASSIGN_OR_RETURN(auto json, Call("/v3/kv/txn", txn));
  return json.value("succeeded", false);
}

Status EtcdClient::Delete(const std::string& key) {
  KEYWARD_RETURN_IF_ERROR(Call("/v3/kv/deleterange", {{"key", Base64Encode(key)}}));
  return {};
}

Result<std::optional<EtcdKv>> EtcdClient::ElectionLeader(const std::string& name) {
  auto json = Call("/v3/election/leader", {{"name", Base64Encode(name)}});
  if (!json) {
    // "election: no leader" comes back as grpc Unknown (2), mapped to kFailedPrecondition.
    if (json.error().message.find("no leader") != std::string::npos &&
        json.error().message.find("etcdserver") == std::string::npos)
      return std::optional<EtcdKv>();
    return tl::unexpected(json.error());
  }
  if (!json->contains("kv")) return std::optional<EtcdKv>();
  return std::optional<EtcdKv>(KvFromJson((*json)["kv"]));
}

Result<EtcdKv> EtcdClient::ElectionCampaign(const std::string& name, int64_t lease,
                                            const std::string& value,
                                            const std::atomic<bool>* cancel) {
  static const std::atomic<bool> never{false};
  KEYWARD_ASSIGN_OR_RETURN(auto json, Call("/v3/election/campaign",
                                           {{"name", Base64Encode(name)},
                                            {"lease", std::to_string(lease)},
                                            {"value", Base64Encode(value)}},
                                           std::chrono::hours(24), cancel ? cancel : &never));
  const Json leader = json.value("leader", Json::object());
  EtcdKv kv;
  kv.key = Bytes(leader, "key");
  kv.create_revision = Int64(leader, "rev");
  kv.lease = Int64(leader, "lease");
  kv.value = value;
  return kv;
}

}  // namespace keyward::coordination
