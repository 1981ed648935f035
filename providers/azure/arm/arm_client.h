// ArmClient: the one way keyward talks to Azure Resource Manager. Handlers (providers/azure/
// *_handler.*) use Send / Get / Put / Patch / Delete / Post, ListAll and PollUntilDone; they
// never see HTTP details, tokens or retries.
//
// Contract:
//  - Paths are relative to options.endpoint ("/subscriptions/…?api-version=…"); absolute URLs
//    (nextLink, Location, Azure-AsyncOperation) are accepted only when they point at the same
//    scheme://host:port as the endpoint, so a bearer token is never sent to a foreign host.
//  - Every final response (after the pipeline's retries) is read strictly by ReadArmResponse
//    (arm_response.h): a non-2xx is an Error built by ToError (arm_error.h): code from the mapping
//    table, message "ARM <status> <code>: <message> (<operation>)", detail "status=… arm-code=…
//    request-id=… client-request-id=…"; a 2xx whose body is not the JSON the operation returns is
//    kInternal naming the operation. Use ArmCodeOf(error) / ArmErrorOf(error) to branch on ARM
//    codes.
//  - Bounded waits: one request (every try, retry wait and token fetch) ends by its deadline,
//    `request_timeout` from when it started (or the caller's Context deadline if sooner); one
//    long-running operation ends after `poll.max_wait` (kDeadlineExceeded naming the operation).
//    SetTimeouts changes both between runs (keyward.yaml `timeouts:`, --timeout).
//  - 404 is an error (kNotFound); callers that expect absence check `error.code`.
//  - Thread-safe: one ArmClient is shared by all apply workers.
//  - Every effectful call takes the Context last; time and cancellation come from it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/context.h"
#include "engine/result.h"
#include "providers/azure/arm/arm_error.h"
#include "providers/azure/arm/arm_response.h"
#include "providers/azure/arm/credential.h"
#include "providers/azure/arm/pipeline.h"
#include "providers/azure/arm/retry.h"
#include "providers/azure/arm/throttle.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

using Json = nlohmann::json;

inline constexpr char kKeyVaultApiVersion[] = "2024-11-01";
inline constexpr char kResourcesApiVersion[] = "2021-04-01";
inline constexpr char kDefaultArmEndpoint[] = "https://management.azure.com";

// ---- ARM ids and paths -------------------------------------------------------------------------

// Percent-encodes one path segment (RFC 3986 unreserved characters kept).
std::string EncodePathSegment(std::string_view segment);
// Percent-encodes a query value.
std::string EncodeQueryValue(std::string_view value);

// "/subscriptions/{s}"
std::string SubscriptionPath(std::string_view subscription);
// "/subscriptions/{s}/resourceGroups/{rg}"
std::string ResourceGroupPath(std::string_view subscription, std::string_view resource_group);
// "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"
std::string VaultPath(std::string_view subscription, std::string_view resource_group,
                      std::string_view vault);
// "/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/{name}"
std::string DeletedVaultPath(std::string_view subscription, std::string_view location,
                             std::string_view vault);
// Appends segments to a path, each encoded: JoinPath("/a", {"b c", "d"}) == "/a/b%20c/d".
std::string JoinPath(std::string_view base, std::initializer_list<std::string_view> segments);
// Appends "?api-version=v" or "&api-version=v".
std::string WithApiVersion(std::string_view path, std::string_view api_version);
// Appends "?name=value" / "&name=value" with the value encoded.
std::string WithQuery(std::string_view path, std::string_view name, std::string_view value);

// ---- LRO ---------------------------------------------------------------------------------------

struct LroProgress {
  std::string strategy;  // "azure-async-operation" | "operation-location" | "location" | "body"
  std::string status;    // current status / provisioningState
  int polls = 0;
  std::chrono::milliseconds elapsed{0};
};

struct PollOptions {
  // Interval when the server sends no Retry-After. ARM's RPC says 60 s; Go uses 30 s; we poll
  // sooner because Key Vault finishes in seconds and apply latency matters.
  std::chrono::milliseconds default_interval{5'000};
  // Floor applied to every interval (a server's "Retry-After: 0" on every poll must not become
  // a busy loop against ARM), unless max_interval is lower still.
  std::chrono::milliseconds min_interval{1'000};
  std::chrono::milliseconds max_interval{60'000};  // cap applied to server Retry-After
  // The LRO timeout: give up (kDeadlineExceeded) after this. Also the deadline of every poll.
  std::chrono::milliseconds max_wait{30 * 60'000};
  std::function<void(const LroProgress&)> on_progress;  // optional, called after each poll
};

// ---- Client ------------------------------------------------------------------------------------

struct ArmClientOptions {
  std::string endpoint = kDefaultArmEndpoint;  // no trailing slash needed (stripped)
  std::string ca_file;                         // extra trust anchor (emulator); TLS always verified
  std::shared_ptr<TokenCredential> credential;  // required
  TokenRequest token_request;                   // scopes default to ARM's .default
  RetryOptions retry;
  ThrottleOptions throttle;
  PollOptions poll;
  std::chrono::seconds timeout{60};  // per try
  // Per request, all tries, retry waits and the token fetch included: a server dripping its
  // answer, or failing slowly, costs at most this much.
  std::chrono::milliseconds request_timeout{120'000};
  std::string user_agent_suffix;             // appended to "keyward/<version>"
  LogSink log;                               // null: spdlog
  RandomSource random;                       // null: DefaultRandomSource()
  std::shared_ptr<HttpTransport> transport;  // null: CpprestTransport{ca_file, timeout}
};

struct RequestOptions {
  HttpHeaders headers;     // extra headers, e.g. If-Match
  bool sensitive = false;  // body carries a secret value: never echo bodies in errors
  // The answer may be 200 without a body (a finished operation's Location URL, ARM-NOTES §1.1);
  // otherwise a GET or a PUT/PATCH must answer the resource (arm_response.h).
  bool body_optional = false;
  // Repeating the request does no harm (retry.h): a read-only POST (checkNameAvailability), an
  // idempotent one (purge), a PATCH that sets absolute values, a PUT whose body is all the
  // resource should be. The retry policy then retries a POST or PATCH on a 408 or 502 too, which
  // it otherwise does not (the request may have been applied), and SendAndWait re-submits a PUT
  // or PATCH whose operation failed transiently. Set it only where a second application is known
  // to change nothing.
  bool safe_to_repeat = false;
};
inline const RequestOptions kSafeToRepeat{.safe_to_repeat = true};

class ArmClient {
 public:
  explicit ArmClient(ArmClientOptions options);
  ~ArmClient();
  ArmClient(const ArmClient&) = delete;
  ArmClient& operator=(const ArmClient&) = delete;

  // One ARM call through the pipeline. 2xx ⇒ ArmResponse; anything else ⇒ Error (see above).
  Result<ArmResponse> Send(HttpMethod method, std::string_view path_or_url,
                           const std::optional<Json>& body, const Context& ctx,
                           const RequestOptions& request_options = {});

  Result<ArmResponse> Get(std::string_view path_or_url, const Context& ctx,
                          const RequestOptions& request_options = {});
  Result<ArmResponse> Put(std::string_view path_or_url, const Json& body, const Context& ctx,
                          const RequestOptions& request_options = {});
  Result<ArmResponse> Patch(std::string_view path_or_url, const Json& body, const Context& ctx,
                            const RequestOptions& request_options = {});
  Result<ArmResponse> Delete(std::string_view path_or_url, const Context& ctx,
                             const RequestOptions& request_options = {});
  Result<ArmResponse> Post(std::string_view path_or_url, const std::optional<Json>& body,
                           const Context& ctx, const RequestOptions& request_options = {});

  // GETs path and every nextLink (absolute, used as-is) until nextLink is absent, null or "".
  // Returns the concatenated `value` arrays. Empty pages are fine. A page that is not what
  // ParsePage (paging.h) accepts, a nextLink to another host, or a nextLink loop is an error
  // naming the operation and request id.
  Result<std::vector<Json>> ListAll(std::string_view path_and_query, const Context& ctx);

  // Drives a long-running operation to completion (ARM-NOTES §1.3 strategy order):
  //  Azure-AsyncOperation → Operation-Location → Location → body polling (PUT/PATCH only) →
  //  otherwise done. `original_path` is the URL of the initial request (for the final GET of
  //  PUT/PATCH and for body polling). Returns the final resource (PUT/PATCH), the last Location
  //  response (POST/DELETE via Location), or `initial` when nothing needs polling.
  //  Failed ⇒ Error with the operation's error.code/message (code via the mapping table when the
  //  ARM code is known there, else kFailedPrecondition); Canceled ⇒ kAborted; a 4xx/5xx from a
  //  Location URL ⇒ that response's error. Cancellation ⇒ kCancelled; max_wait ⇒
  //  kDeadlineExceeded; 202 on DELETE/POST without any polling header ⇒ kInternal.
  Result<ArmResponse> PollUntilDone(const ArmResponse& initial, std::string_view original_path,
                                    HttpMethod method, const Context& ctx);
  Result<ArmResponse> PollUntilDone(const ArmResponse& initial, std::string_view original_path,
                                    HttpMethod method, const Context& ctx,
                                    const PollOptions& poll_options);

  // Send + PollUntilDone. A PUT or PATCH marked safe_to_repeat whose operation ends Failed for a
  // transient reason (IsTransientOperationFailure, lro.h) is sent once more and waited for again,
  // with a warning in the log: a vault whose provisioning failed is provisioned again by the same
  // request, and one apply then does what would otherwise take two. Never for a POST or DELETE, an
  // unmarked request, or a second time.
  Result<ArmResponse> SendAndWait(HttpMethod method, std::string_view path_or_url,
                                  const std::optional<Json>& body, const Context& ctx,
                                  const RequestOptions& request_options = {});

  // The request and LRO timeouts from now on (see the contract above). Thread-safe; calls in
  // flight keep the values they started with.
  void SetTimeouts(std::chrono::milliseconds request_timeout,
                   std::chrono::milliseconds operation_timeout);

  // Counters for /metrics.
  ArmMetricsSnapshot metrics() const;
  const std::string& endpoint() const;

  // Resolves a path or same-host absolute URL to an absolute URL; error for foreign hosts.
  Result<std::string> ResolveUrl(std::string_view path_or_url) const;

 private:
  // PollUntilDone's loop; `ctx` carries the operation's deadline, `last_state` the last status.
  Result<ArmResponse> PollLoop(const ArmResponse& initial, std::string_view original_path,
                               HttpMethod method, const Context& ctx, const PollOptions& poll,
                               std::string* last_state);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::azure
