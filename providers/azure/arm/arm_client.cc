// ArmClient: the pipeline wiring, response/error shaping, paging and LRO polling.
// See arm_client.h for the contract.
#include "providers/azure/arm/arm_client.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cctype>
#include <functional>
#include <set>

#include "engine/duration.h"
#include "engine/url.h"
#include "providers/azure/arm/lro.h"
#include "providers/azure/arm/paging.h"
#include "providers/azure/arm/user_agent.h"

namespace keyward::azure {
namespace {

// "https://host:443" and "https://host" are the same origin.
std::string NormalizeAuthority(std::string authority) {
  if (authority.rfind("https://", 0) == 0 && authority.size() > 4 &&
      authority.compare(authority.size() - 4, 4, ":443") == 0) {
    authority.resize(authority.size() - 4);
  } else if (authority.rfind("http://", 0) == 0 && authority.size() > 3 &&
             authority.compare(authority.size() - 3, 3, ":80") == 0) {
    authority.resize(authority.size() - 3);
  }
  return authority;
}

// Reads of a Location URL: 202 while running, then what the operation returns, which may be
// nothing (a DELETE or a POST action).
const RequestOptions kPollingRead{.body_optional = true};

std::chrono::milliseconds Clamp(std::chrono::milliseconds value, std::chrono::milliseconds low,
                                std::chrono::milliseconds high) {
  return std::max(low, std::min(value, high));
}

}  // namespace

// ---- paths -----------------------------------------------------------------------------------

std::string EncodePathSegment(std::string_view segment) { return engine::PercentEncode(segment); }
std::string EncodeQueryValue(std::string_view value) { return engine::PercentEncode(value); }

std::string SubscriptionPath(std::string_view subscription) {
  return JoinPath("/subscriptions", {subscription});
}

std::string ResourceGroupPath(std::string_view subscription, std::string_view resource_group) {
  return JoinPath(SubscriptionPath(subscription), {"resourceGroups", resource_group});
}

std::string VaultPath(std::string_view subscription, std::string_view resource_group,
                      std::string_view vault) {
  return JoinPath(ResourceGroupPath(subscription, resource_group),
                  {"providers", "Microsoft.KeyVault", "vaults", vault});
}

std::string DeletedVaultPath(std::string_view subscription, std::string_view location,
                             std::string_view vault) {
  return JoinPath(SubscriptionPath(subscription), {"providers", "Microsoft.KeyVault", "locations",
                                                   location, "deletedVaults", vault});
}

std::string JoinPath(std::string_view base, std::initializer_list<std::string_view> segments) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  for (std::string_view segment : segments) out += "/" + EncodePathSegment(segment);
  return out;
}

std::string WithQuery(std::string_view path, std::string_view name, std::string_view value) {
  std::string out(path);
  out += path.find('?') == std::string_view::npos ? '?' : '&';
  out += std::string(name) + "=" + EncodeQueryValue(value);
  return out;
}

std::string WithApiVersion(std::string_view path, std::string_view api_version) {
  return WithQuery(path, "api-version", api_version);
}

// ---- client ----------------------------------------------------------------------------------

struct ArmClient::Impl {
  ArmClientOptions options;
  std::string endpoint;   // no trailing slash
  std::string authority;  // normalised scheme://host[:port]
  ArmMetrics metrics;
  std::shared_ptr<Throttler> throttler;
  std::unique_ptr<HttpPipeline> pipeline;
  LogSink log;
  // SetTimeouts may run while other threads read them (the daemon between loops).
  std::atomic<long long> request_timeout_ms{0};
  std::atomic<long long> operation_timeout_ms{0};

  void Log(LogLevel level, const std::string& line) const {
    if (log) log(level, line);
  }
};

ArmClient::ArmClient(ArmClientOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.options = std::move(options);
  impl.endpoint = impl.options.endpoint;
  while (!impl.endpoint.empty() && impl.endpoint.back() == '/') impl.endpoint.pop_back();
  std::string authority, path;
  if (SplitUrl(impl.endpoint, &authority, &path)) impl.authority = NormalizeAuthority(authority);
  impl.log = impl.options.log ? impl.options.log : SpdlogSink();
  impl.request_timeout_ms = impl.options.request_timeout.count();
  impl.operation_timeout_ms = impl.options.poll.max_wait.count();
  impl.throttler = std::make_shared<Throttler>(impl.options.throttle);
  auto transport = impl.options.transport;
  if (!transport) {
    transport = std::make_shared<CpprestTransport>(
        CpprestTransportOptions{impl.options.ca_file, impl.options.timeout});
  }
  std::string user_agent = KeywardUserAgent();
  if (!impl.options.user_agent_suffix.empty()) user_agent += " " + impl.options.user_agent_suffix;

  std::vector<std::unique_ptr<HttpPolicy>> policies;
  policies.push_back(std::make_unique<RequestIdPolicy>());
  policies.push_back(std::make_unique<UserAgentPolicy>(user_agent));
  policies.push_back(std::make_unique<RetryPolicy>(impl.options.retry, impl.options.random,
                                                   &impl.metrics, impl.log));
  policies.push_back(std::make_unique<ThrottlePolicy>(impl.throttler, &impl.metrics));
  if (impl.options.credential) {
    policies.push_back(
        std::make_unique<BearerTokenPolicy>(impl.options.credential, impl.options.token_request));
  }
  policies.push_back(std::make_unique<WriteGuardPolicy>());
  policies.push_back(std::make_unique<LoggingPolicy>(impl.log, &impl.metrics));
  impl.pipeline = std::make_unique<HttpPipeline>(std::move(policies), std::move(transport));
}

ArmClient::~ArmClient() = default;

ArmMetricsSnapshot ArmClient::metrics() const { return impl_->metrics.Snapshot(); }

void ArmClient::SetTimeouts(std::chrono::milliseconds request_timeout,
                            std::chrono::milliseconds operation_timeout) {
  impl_->request_timeout_ms = request_timeout.count();
  impl_->operation_timeout_ms = operation_timeout.count();
}
const std::string& ArmClient::endpoint() const { return impl_->endpoint; }

Result<std::string> ArmClient::ResolveUrl(std::string_view path_or_url) const {
  if (impl_->authority.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ARM endpoint is not an absolute URL: " + impl_->endpoint);
  }
  for (char c : path_or_url) {
    // A server-chosen URL with spaces or control characters would be mangled on the request line.
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return MakeError(ErrorCode::kInternal,
                       "not a valid URL (it contains spaces, control or non-ASCII characters)");
    }
  }
  if (!path_or_url.empty() && path_or_url.front() == '/')
    return impl_->endpoint + std::string(path_or_url);
  std::string authority, path;
  if (!SplitUrl(path_or_url, &authority, &path)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ARM path must start with '/' or be an absolute URL: " +
                         SanitizeUrl(std::string(path_or_url)));
  }
  if (NormalizeAuthority(authority) != impl_->authority) {
    // nextLink / Location / Azure-AsyncOperation pointing elsewhere: never send our token there.
    return MakeError(ErrorCode::kInternal, "refusing to follow a URL on another host (" +
                                               authority + ", endpoint is " + impl_->authority +
                                               ")");
  }
  return impl_->endpoint + path;
}

Result<ArmResponse> ArmClient::Send(HttpMethod method, std::string_view path_or_url,
                                    const std::optional<Json>& body, const Context& ctx,
                                    const RequestOptions& request_options) {
  auto url = ResolveUrl(path_or_url);
  if (!url) {
    Error error = url.error();
    error.message = std::string(HttpMethodName(method)) + ": " + error.message;
    return tl::unexpected(std::move(error));
  }
  HttpRequest request;
  request.method = method;
  request.url = *url;
  request.headers = request_options.headers;
  request.headers.Set("Accept", "application/json");
  request.sensitive = request_options.sensitive;
  request.safe_to_repeat = request_options.safe_to_repeat;
  if (body) {
    // Replace invalid UTF-8 instead of throwing: a bad byte in a tag must not crash apply.
    request.body = body->dump(-1, ' ', false, Json::error_handler_t::replace);
    request.headers.Set("Content-Type", "application/json; charset=utf-8");
  }
  const auto request_timeout = std::chrono::milliseconds(impl_->request_timeout_ms.load());
  const Context call = ctx.WithTimeout(request_timeout);
  Result<HttpResponse> response = MakeError(ErrorCode::kInternal, "not sent");
  try {
    response = impl_->pipeline->Send(request, call);
  } catch (const std::exception& e) {
    // Nothing below should throw; if something does, it fails this call, not the process.
    response = MakeError(ErrorCode::kInternal, std::string("unexpected error: ") + e.what());
  }
  // The request (a secret value in its body) is no longer needed, except to recognise the value
  // if an error quotes it.
  std::string sent_body;
  if (request.sensitive) sent_body.swap(request.body);
  struct Wipe {
    std::string& text;
    ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
  } wipe{sent_body};
  std::string client_request_id = request.headers.GetOr("x-ms-client-request-id");
  if (!response) {
    Error error = response.error();
    if (error.detail.empty()) {
      error.detail = "status=0 arm-code= request-id= client-request-id=" + client_request_id;
    }
    if (error.code == ErrorCode::kDeadlineExceeded) {
      error.message = OperationName(method, request.url) + ": gave up after " +
                      engine::FormatDuration(request_timeout) +
                      " (the request timeout): " + error.message;
    } else if (error.code != ErrorCode::kCancelled) {
      error.message = OperationName(method, request.url) + ": " + error.message;
    }
    return tl::unexpected(error);
  }
  return ReadArmResponse(method, request.url, std::move(*response), client_request_id,
                         request.sensitive, request_options.body_optional, sent_body);
}

Result<ArmResponse> ArmClient::Get(std::string_view path_or_url, const Context& ctx,
                                   const RequestOptions& request_options) {
  return Send(HttpMethod::kGet, path_or_url, std::nullopt, ctx, request_options);
}

Result<ArmResponse> ArmClient::Put(std::string_view path_or_url, const Json& body,
                                   const Context& ctx, const RequestOptions& request_options) {
  return Send(HttpMethod::kPut, path_or_url, body, ctx, request_options);
}

Result<ArmResponse> ArmClient::Patch(std::string_view path_or_url, const Json& body,
                                     const Context& ctx, const RequestOptions& request_options) {
  return Send(HttpMethod::kPatch, path_or_url, body, ctx, request_options);
}

Result<ArmResponse> ArmClient::Delete(std::string_view path_or_url, const Context& ctx,
                                      const RequestOptions& request_options) {
  return Send(HttpMethod::kDelete, path_or_url, std::nullopt, ctx, request_options);
}

Result<ArmResponse> ArmClient::Post(std::string_view path_or_url, const std::optional<Json>& body,
                                    const Context& ctx, const RequestOptions& request_options) {
  return Send(HttpMethod::kPost, path_or_url, body, ctx, request_options);
}

Result<std::vector<Json>> ArmClient::ListAll(std::string_view path_and_query, const Context& ctx) {
  std::vector<Json> items;
  std::set<std::string> seen;
  std::string url(path_and_query);
  constexpr int kMaxPages = 100'000;  // a runaway server must not loop us forever
  for (int pages = 0; pages < kMaxPages; ++pages) {
    KEYWARD_ASSIGN_OR_RETURN(auto response, Get(url, ctx));
    // Names the list and the page that was wrong, with its request id.
    auto fail = [&](const std::string& why) {
      return MakeError(ErrorCode::kInternal, response.operation() + ": " + why,
                       ResponseDetail(response.status, response.headers, ""));
    };
    auto page = ParsePage(std::move(response.body));
    if (!page) return fail(page.error().message);
    for (auto& item : page->items) items.push_back(std::move(item));
    if (!page->next_link) return items;
    if (auto next = ResolveUrl(*page->next_link); !next)
      return fail("nextLink: " + next.error().message);
    if (!seen.insert(*page->next_link).second)
      return fail("ARM paging loop: nextLink repeats " + SanitizeUrl(*page->next_link));
    url = *page->next_link;
  }
  return MakeError(ErrorCode::kInternal,
                   OperationName(HttpMethod::kGet, std::string(path_and_query)) +
                       ": ARM paging: more than 100000 pages");
}

Result<ArmResponse> ArmClient::PollUntilDone(const ArmResponse& initial,
                                             std::string_view original_path, HttpMethod method,
                                             const Context& ctx) {
  PollOptions poll = impl_->options.poll;
  poll.max_wait = std::chrono::milliseconds(impl_->operation_timeout_ms.load());
  return PollUntilDone(initial, original_path, method, ctx, poll);
}

Result<ArmResponse> ArmClient::PollUntilDone(const ArmResponse& initial,
                                             std::string_view original_path, HttpMethod method,
                                             const Context& ctx, const PollOptions& poll) {
  // The whole operation, every poll included, ends by its deadline.
  const Context lro = ctx.WithTimeout(poll.max_wait);
  std::string last_state;
  Result<ArmResponse> result = PollLoop(initial, original_path, method, lro, poll, &last_state);
  if (result || result.error().code == ErrorCode::kCancelled) return result;
  Error error = result.error();
  if (error.code == ErrorCode::kDeadlineExceeded && lro.DeadlinePassed() &&
      !(ctx.deadline && *ctx.deadline <= *lro.deadline)) {
    // A poll cut short by the operation's deadline: report the operation timeout, not the poll's.
    error.message =
        "long-running operation did not finish within " + engine::FormatDuration(poll.max_wait) +
        " (the operation timeout); last state: " + (last_state.empty() ? "unknown" : last_state);
  }
  error.message = OperationName(method, original_path) + ": " + error.message;
  if (error.detail.empty())
    error.detail = ResponseDetail(initial.status, initial.headers, initial.client_request_id());
  return tl::unexpected(std::move(error));
}

namespace {

// One long-running operation polled to its end (ARM-NOTES §1.3), by the strategy its initial
// response calls for: a status URL (Azure-AsyncOperation / Operation-Location), the Location URL,
// or the resource's own provisioningState. Every poll waits first (Retry-After, else a ramp), and
// none starts when it could not finish within the operation's max_wait.
class LroPoller {
 public:
  LroPoller(ArmClient& client, const ArmResponse& initial, std::string_view original_path,
            HttpMethod method, const Context& ctx, const PollOptions& poll, std::string* last_state,
            std::function<void(const std::string&)> log_debug)
      : client_(client),
        initial_(initial),
        original_path_(original_path),
        method_(method),
        ctx_(ctx),
        poll_(poll),
        last_state_(last_state),
        log_debug_(std::move(log_debug)),
        strategy_(ChooseLroStrategy(method, initial.status, initial.headers)),
        client_request_id_(initial.client_request_id()),
        start_(ctx.clock->Now()) {
    progress_.strategy = LroStrategyName(strategy_);
  }

  Result<ArmResponse> Run() {
    switch (strategy_) {
      case LroStrategy::kNone:
        return initial_;
      case LroStrategy::kMissingPollingUrl:
        return MakeError(ErrorCode::kInternal,
                         "ARM answered 202 without Azure-AsyncOperation, Operation-Location or "
                         "Location",
                         ResponseDetail(initial_.status, initial_.headers, client_request_id_));
      case LroStrategy::kAzureAsyncOperation:
      case LroStrategy::kOperationLocation:
        return PollStatusUrl(strategy_ == LroStrategy::kAzureAsyncOperation ? "Azure-AsyncOperation"
                                                                            : "Operation-Location");
      case LroStrategy::kLocation:
        return PollLocation();
      case LroStrategy::kBody:
        return PollResource();
    }
    return initial_;
  }

 private:
  // Polls the operation status resource named by `header` until its `status` is final.
  Result<ArmResponse> PollStatusUrl(const char* header) {
    const std::string status_url = initial_.headers.GetOr(header);
    if (auto resolved = client_.ResolveUrl(status_url); !resolved) {
      return MakeError(ErrorCode::kInternal, std::string(header) + ": " + resolved.error().message,
                       ResponseDetail(initial_.status, initial_.headers, client_request_id_));
    }
    std::string state =
        InitialBodyState(initial_.status == 201 ? 202 : initial_.status, initial_.body);
    if (IsFailedState(state))
      return tl::unexpected(
          OperationError(state, initial_.body, initial_.headers, client_request_id_));
    if (IsSucceededState(state) && initial_.status != 202 &&
        !ProvisioningStateOf(initial_.body).empty()) {
      return FinalGet(initial_);
    }
    HttpHeaders retry_headers = initial_.headers;
    while (true) {
      KEYWARD_RETURN_IF_ERROR(Wait(retry_headers));
      auto response = client_.Get(status_url, ctx_);
      ++progress_.polls;
      if (!response) return response;  // reading the status failed (4xx/5xx after retries)
      auto it = response->body.is_object() ? response->body.find("status") : response->body.end();
      if (!response->body.is_object() || it == response->body.end() || !it->is_string()) {
        return MakeError(ErrorCode::kInternal,
                         response->operation() +
                             ": operation status resource has no `status` "
                             "string",
                         ResponseDetail(response->status, response->headers, client_request_id_));
      }
      state = it->get<std::string>();
      Report(state);
      if (IsFailedState(state)) {
        return tl::unexpected(
            OperationError(state, response->body, response->headers, client_request_id_));
      }
      if (IsSucceededState(state)) {
        if (method_ == HttpMethod::kPost) {
          // Default final-state for POST: the Location URL when there is one.
          if (auto location = initial_.headers.Get("Location"); location && !location->empty()) {
            return client_.Get(*location, ctx_, kPollingRead);
          }
          return *response;
        }
        return FinalGet(*response);
      }
      retry_headers = response->headers;
    }
  }

  // Polls the Location URL (which may move) until it answers other than 202.
  Result<ArmResponse> PollLocation() {
    std::string location = initial_.headers.GetOr("Location");
    if (auto resolved = client_.ResolveUrl(location); !resolved) {
      return MakeError(ErrorCode::kInternal, "Location: " + resolved.error().message,
                       ResponseDetail(initial_.status, initial_.headers, client_request_id_));
    }
    std::string state =
        initial_.status == 202 ? "InProgress" : InitialBodyState(initial_.status, initial_.body);
    if (IsFailedState(state))
      return tl::unexpected(
          OperationError(state, initial_.body, initial_.headers, client_request_id_));
    ArmResponse last = initial_;
    while (!IsSucceededState(state)) {
      KEYWARD_RETURN_IF_ERROR(Wait(last.headers));
      auto response = client_.Get(location, ctx_, kPollingRead);
      ++progress_.polls;
      if (!response) return response;  // 4xx/5xx on the Location URL: the operation failed
      if (auto next = response->headers.Get("Location"); next && !next->empty()) {
        if (auto resolved = client_.ResolveUrl(*next); !resolved) {
          return MakeError(ErrorCode::kInternal, "Location: " + resolved.error().message,
                           ResponseDetail(response->status, response->headers, client_request_id_));
        }
        location = *next;
      }
      if (response->status == 202) {
        state = "InProgress";
      } else {
        state = ProvisioningStateOf(response->body);
        if (state.empty()) state = "Succeeded";  // 200/201/204 without a state: done
      }
      Report(state);
      if (IsFailedState(state)) {
        return tl::unexpected(
            OperationError(state, response->body, response->headers, client_request_id_));
      }
      last = std::move(*response);
    }
    // A PUT/PATCH Location result without a body (204) says nothing about the resource.
    if ((method_ == HttpMethod::kPut || method_ == HttpMethod::kPatch) && last.body.is_null()) {
      return FinalGet(last);
    }
    return last;
  }

  // Re-reads the resource itself until its provisioningState is final.
  Result<ArmResponse> PollResource() {
    std::string state = InitialBodyState(initial_.status, initial_.body);
    ArmResponse last = initial_;
    while (true) {
      if (IsSucceededState(state)) return last;
      if (IsFailedState(state)) {
        return tl::unexpected(OperationError(state, last.body, last.headers, client_request_id_));
      }
      KEYWARD_RETURN_IF_ERROR(Wait(last.headers));
      auto response = client_.Get(original_path_, ctx_);
      ++progress_.polls;
      if (!response) return response;
      if (response->status != 204 && response->body.is_null()) {
        return MakeError(ErrorCode::kInternal, response->operation() + ": returned no body",
                         ResponseDetail(response->status, response->headers, client_request_id_));
      }
      state = InitialBodyState(response->status == 201 ? 200 : response->status, response->body);
      Report(state);
      last = std::move(*response);
    }
  }

  // The resource after success: PUT/PATCH read the original URL again (ARM-NOTES §1.3).
  Result<ArmResponse> FinalGet(const ArmResponse& last) {
    if (method_ == HttpMethod::kPut || method_ == HttpMethod::kPatch)
      return client_.Get(original_path_, ctx_);
    return last;
  }

  void Report(const std::string& status) {
    progress_.status = status;
    *last_state_ = status;
    progress_.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.clock->Now() - start_);
    if (poll_.on_progress) poll_.on_progress(progress_);
    log_debug_(std::string("LRO ") + HttpMethodName(method_) + " " +
               SanitizeUrl(std::string(original_path_)) + " [" + progress_.strategy + "] poll " +
               std::to_string(progress_.polls) + ": " + status);
  }

  // Waits before the next poll; errors on cancellation or when max_wait would be exceeded.
  Status Wait(const HttpHeaders& headers) {
    auto server = ParseRetryAfter(headers, ctx_.clock->Now());
    // Without Retry-After, start at 1 s and double up to default_interval: a vault leaves
    // RegisteringDns within seconds, and a flat interval would make every create that slow.
    const auto ramp = std::chrono::milliseconds(1000LL << std::min(progress_.polls, 16));
    // The floor yields to a smaller cap, so tests (and users) can still poll faster on purpose.
    auto interval = Clamp(server ? *server : std::min(ramp, poll_.default_interval),
                          std::min(poll_.min_interval, poll_.max_interval), poll_.max_interval);
    // A poll that would start at or after the deadline could not finish before it.
    if (ctx_.clock->Now() + interval - start_ >= poll_.max_wait) {
      return MakeError(ErrorCode::kDeadlineExceeded,
                       "long-running operation did not finish within " +
                           engine::FormatDuration(poll_.max_wait) +
                           " (the operation timeout); last state: " +
                           (progress_.status.empty() ? "unknown" : progress_.status),
                       ResponseDetail(initial_.status, initial_.headers, client_request_id_));
    }
    if (!ctx_.clock->SleepFor(interval, ctx_.cancelled.get())) {
      return MakeError(ErrorCode::kCancelled,
                       "cancelled while waiting for a long-running operation");
    }
    return {};
  }

  ArmClient& client_;
  const ArmResponse& initial_;
  const std::string_view original_path_;
  const HttpMethod method_;
  const Context& ctx_;
  const PollOptions& poll_;
  std::string* last_state_;
  std::function<void(const std::string&)> log_debug_;
  const LroStrategy strategy_;
  const std::string client_request_id_;
  const Clock::TimePoint start_;
  LroProgress progress_;
};

}  // namespace

Result<ArmResponse> ArmClient::PollLoop(const ArmResponse& initial, std::string_view original_path,
                                        HttpMethod method, const Context& ctx,
                                        const PollOptions& poll, std::string* last_state) {
  LroPoller poller(*this, initial, original_path, method, ctx, poll, last_state,
                   [this](const std::string& line) { impl_->Log(LogLevel::kDebug, line); });
  return poller.Run();
}

Result<ArmResponse> ArmClient::SendAndWait(HttpMethod method, std::string_view path_or_url,
                                           const std::optional<Json>& body, const Context& ctx,
                                           const RequestOptions& request_options) {
  auto initial = Send(method, path_or_url, body, ctx, request_options);
  if (!initial) return initial;
  auto done = PollUntilDone(*initial, path_or_url, method, ctx);
  if (done || !request_options.safe_to_repeat ||
      (method != HttpMethod::kPut && method != HttpMethod::kPatch) ||
      !IsTransientOperationFailure(done.error())) {
    return done;
  }
  // Once: a second failure is reported, and the next apply plans the resource again.
  impl_->Log(LogLevel::kWarning,
             "re-submitting once, the operation failed on the service's side: " +
                 done.error().message + " (" + done.error().detail + ")");
  initial = Send(method, path_or_url, body, ctx, request_options);
  if (!initial) return initial;
  return PollUntilDone(*initial, path_or_url, method, ctx);
}

}  // namespace keyward::azure
