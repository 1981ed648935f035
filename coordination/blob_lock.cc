#include "coordination/blob_lock.h"

#include <openssl/rand.h>

#include <ctime>

#include "coordination/kept_held_lock.h"
#include "engine/url.h"

namespace keyward::coordination {
namespace {

constexpr char kStorageVersion[] = "2020-10-02";
constexpr char kMetaPrefix[] = "x-ms-meta-keyward";

std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buffer;
}

std::string NewLeaseId() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[40];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

// A blob name as a URL path: each '/'-separated segment percent-encoded.
std::string EncodeBlobPath(const std::string& name) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    out += engine::PercentEncode(name.substr(start, slash - start));
    if (slash == std::string::npos) return out;
    out += '/';
    start = slash + 1;
  }
}

// Metadata values travel as header values: printable ASCII only.
std::string HeaderSafe(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

std::string ErrorCodeOf(const HttpReply& reply) {
  std::string code = reply.Header("x-ms-error-code");
  if (!code.empty()) return code;
  const auto open = reply.body.find("<Code>");
  const auto close = reply.body.find("</Code>");
  if (open != std::string::npos && close != std::string::npos && close > open)
    return reply.body.substr(open + 6, close - open - 6);
  return "";
}

}  // namespace

std::string DescribeStorageError(const HttpReply& reply) {
  std::string out = std::to_string(reply.status);
  if (std::string code = ErrorCodeOf(reply); !code.empty()) out += " " + code;
  const auto open = reply.body.find("<Message>");
  const auto close = reply.body.find("</Message>");
  if (open != std::string::npos && close != std::string::npos && close > open) {
    std::string message = reply.body.substr(open + 9, close - open - 9);
    message = message.substr(0, message.find('\n'));
    out += ": " + message;
  }
  return out;
}

Result<std::shared_ptr<BlobLockBackend>> BlobLockBackend::Make(const std::string& account_url,
                                                               std::string container,
                                                               std::string blob_name, BlobAuth auth,
                                                               std::chrono::milliseconds ttl,
                                                               HttpTls tls, MonotonicClock clock) {
  KEYWARD_ASSIGN_OR_RETURN(auto url, ParseHttpUrl(account_url));
  if (ttl < std::chrono::seconds(15) || ttl > std::chrono::seconds(60))
    return MakeError(ErrorCode::kInvalidArgument,
                     "the azureblob lock's TTL must be between 15s and 60s (Azure blob leases "
                     "last 15 to 60 seconds); set lock.ttl or --lock-ttl");
  if (auth.kind == BlobAuth::Kind::kBearer && url.scheme != "https")
    return MakeError(ErrorCode::kInvalidArgument,
                     "refusing to send an Azure token over " + account_url +
                         " (http): use https, or AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN");
  if (auth.kind == BlobAuth::Kind::kSharedKey && auth.account.empty())
    auth.account = AccountNameOf(url.host, url.path);
  return std::shared_ptr<BlobLockBackend>(
      new BlobLockBackend(url, std::move(container), std::move(blob_name), std::move(auth), ttl,
                          std::move(tls), std::move(clock)));
}

BlobLockBackend::BlobLockBackend(HttpUrl account, std::string container, std::string blob_name,
                                 BlobAuth auth, std::chrono::milliseconds ttl, HttpTls tls,
                                 MonotonicClock clock)
    : account_(std::move(account)),
      container_(std::move(container)),
      blob_name_(std::move(blob_name)),
      auth_(std::move(auth)),
      ttl_(ttl),
      http_(account_, std::move(tls)),
      clock_(clock ? std::move(clock) : RealMonotonicClock()) {}

std::string BlobLockBackend::BlobPath(const std::string& stack) const {
  const std::string name =
      !blob_name_.empty() ? blob_name_
                          : "keyward/" + (stack.empty() ? std::string("default") : stack) + ".lock";
  return account_.path + "/" + engine::PercentEncode(container_) + "/" + EncodeBlobPath(name);
}

std::string BlobLockBackend::BlobUrl(const std::string& stack) const {
  return account_.Origin() + BlobPath(stack);
}

Result<HttpReply> BlobLockBackend::Send(const Request& request, const Context& ctx,
                                        std::chrono::milliseconds timeout) {
  HttpCall call;
  call.method = request.method;
  call.timeout = timeout;
  const std::string path = request.container
                               ? account_.path + "/" + engine::PercentEncode(container_)
                               : BlobPath(request.stack);
  std::vector<std::pair<std::string, std::string>> query;
  if (!request.comp.empty()) query.emplace_back("comp", request.comp);
  if (request.container) query.emplace_back("restype", "container");
  call.headers = request.headers;
  call.headers.emplace_back("x-ms-date", HttpDate());
  call.headers.emplace_back("x-ms-version", kStorageVersion);
  std::string query_text;
  for (const auto& [name, value] : query)
    query_text += (query_text.empty() ? "?" : "&") + name + "=" + engine::PercentEncode(value);
  switch (auth_.kind) {
    case BlobAuth::Kind::kSas:
      query_text += (query_text.empty() ? "?" : "&") + auth_.sas;
      break;
    case BlobAuth::Kind::kSharedKey:
      call.headers.emplace_back(
          "Authorization", SharedKeyAuthorization({request.method, path, query, call.headers, 0},
                                                  auth_.account, auth_.key));
      break;
    case BlobAuth::Kind::kBearer: {
      KEYWARD_ASSIGN_OR_RETURN(
          auto token, auth_.bearer ? auth_.bearer(ctx)
                                   : MakeError(ErrorCode::kUnauthenticated, "no Azure credential"));
      call.headers.emplace_back("Authorization", "Bearer " + token);
      break;
    }
  }
  call.path = path + query_text;
  return http_.Send(call);
}

Result<std::optional<LockHolder>> BlobLockBackend::ReadHolder(const std::string& stack,
                                                              const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto reply, Send({"HEAD", stack, "", {}}, ctx));
  if (reply.status == 404) return std::optional<LockHolder>();
  if (reply.status != 200)
    return MakeError(ErrorCode::kUnavailable,
                     "reading " + BlobUrl(stack) + ": " + DescribeStorageError(reply));
  const std::string state = reply.Header("x-ms-lease-state");
  if (state != "leased" && state != "breaking") return std::optional<LockHolder>();
  LockHolder holder;
  holder.host = reply.Header(std::string(kMetaPrefix) + "host");
  holder.command = reply.Header(std::string(kMetaPrefix) + "command");
  holder.since = reply.Header(std::string(kMetaPrefix) + "since");
  holder.replica = reply.Header(std::string(kMetaPrefix) + "replica");
  try {
    holder.pid = std::stol(reply.Header(std::string(kMetaPrefix) + "pid"));
  } catch (...) {
    holder.pid = 0;
  }
  if (holder.command.empty()) holder.command = "?";  // leased by something other than keyward
  return std::optional<LockHolder>(holder);
}

::keyward::Status BlobLockBackend::CreateBlob(const std::string& stack, const Context& ctx) {
  const std::string where = "blob " + BlobUrl(stack);
  // Creating it races harmlessly with other writers.
  const Request create_blob{
      "PUT", stack, "", {{"x-ms-blob-type", "BlockBlob"}, {"If-None-Match", "*"}}};
  KEYWARD_ASSIGN_OR_RETURN(auto created, Send(create_blob, ctx));
  if (created.status == 404 && ErrorCodeOf(created) == "ContainerNotFound") {
    KEYWARD_ASSIGN_OR_RETURN(auto container, Send({"PUT", stack, "", {}, /*container=*/true}, ctx));
    if (container.status != 201 && container.status != 409)
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the container of " + where + " does not exist and cannot be created: " +
                           DescribeStorageError(container));
    KEYWARD_ASSIGN_OR_RETURN(created, Send(create_blob, ctx));
  }
  if (created.status == 404)
    return MakeError(ErrorCode::kFailedPrecondition,
                     "cannot create " + where + ": " + DescribeStorageError(created));
  if (created.status == 401 || created.status == 403)
    return MakeError(ErrorCode::kPermissionDenied,
                     "cannot create " + where + ": " + DescribeStorageError(created));
  if (created.status != 201 && created.status != 409 && created.status != 412)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create " + where + ": " + DescribeStorageError(created));
  return {};
}

Result<std::shared_ptr<HeldLock>> BlobLockBackend::HoldLease(const AcquireRequest& request,
                                                             const std::string& lease_id,
                                                             SteadyTime sent, const Context& ctx) {
  const LeaseTiming timing = LeaseTiming::ForTtl(ttl_);
  auto keeper = std::make_shared<LeaseKeeper>(
      "blob lease on " + BlobUrl(request.stack), timing,
      [self = shared_from_this(), stack = request.stack, lease_id,
       deadline = timing.renew_every]() -> ::keyward::Status {
        Context renew_ctx;
        KEYWARD_ASSIGN_OR_RETURN(
            auto renewed,
            self->Send({"PUT",
                        stack,
                        "lease",
                        {{"x-ms-lease-action", "renew"}, {"x-ms-lease-id", lease_id}}},
                       renew_ctx, deadline));
        if (renewed.status == 200) return {};
        // The lease is not ours any more (broken, or expired and taken): final.
        if (renewed.status == 409 || renewed.status == 412 || renewed.status == 404)
          return MakeError(ErrorCode::kNotFound, DescribeStorageError(renewed));
        return MakeError(ErrorCode::kUnavailable, DescribeStorageError(renewed));
      },
      clock_, sent);
  keeper->Start();
  auto held = std::make_shared<KeptHeldLock>(
      keeper, request.stack, "blob " + BlobUrl(request.stack),
      [self = shared_from_this(), stack = request.stack, lease_id] {
        Context ctx;
        (void)self->Send({"PUT",
                          stack,
                          "lease",
                          {{"x-ms-lease-action", "release"}, {"x-ms-lease-id", lease_id}}},
                         ctx);
      });
  const LockHolder& h = request.holder;
  auto meta = Send({"PUT",
                    request.stack,
                    "metadata",
                    {{"x-ms-lease-id", lease_id},
                     {std::string(kMetaPrefix) + "host", HeaderSafe(h.host)},
                     {std::string(kMetaPrefix) + "pid", std::to_string(h.pid)},
                     {std::string(kMetaPrefix) + "command", HeaderSafe(h.command)},
                     {std::string(kMetaPrefix) + "since", HeaderSafe(h.since)},
                     {std::string(kMetaPrefix) + "replica", HeaderSafe(h.replica)}}},
                   ctx);
  if (!meta || meta->status != 200) {
    held->Release();
    return MakeError(ErrorCode::kUnavailable,
                     "cannot record the holder on blob " + BlobUrl(request.stack) + ": " +
                         (meta ? DescribeStorageError(*meta) : meta.error().message));
  }
  return std::shared_ptr<HeldLock>(held);
}

Result<std::shared_ptr<HeldLock>> BlobLockBackend::Acquire(const AcquireRequest& request,
                                                           const Context& ctx) {
  const std::string where = "blob " + BlobUrl(request.stack);
  KEYWARD_RETURN_IF_ERROR(CreateBlob(request.stack, ctx));
  const std::string duration =
      std::to_string(std::chrono::ceil<std::chrono::seconds>(ttl_).count());
  bool told = false;
  for (;;) {
    const std::string lease_id = NewLeaseId();
    const SteadyTime sent = clock_();
    KEYWARD_ASSIGN_OR_RETURN(auto acquired, Send({"PUT",
                                                  request.stack,
                                                  "lease",
                                                  {{"x-ms-lease-action", "acquire"},
                                                   {"x-ms-lease-duration", duration},
                                                   {"x-ms-proposed-lease-id", lease_id}}},
                                                 ctx));
    if (acquired.status == 201) return HoldLease(request, lease_id, sent, ctx);
    if (acquired.status != 409)
      return MakeError(
          acquired.status == 403 ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable,
          "cannot lease " + where + ": " + DescribeStorageError(acquired));
    KEYWARD_ASSIGN_OR_RETURN(auto holder, ReadHolder(request.stack, ctx));
    const LockHolder who = holder.value_or(LockHolder{"", 0, "?", "", ""});
    if (!request.wait) return tl::unexpected(LockedBy(request.stack, who, where));
    if (!told && request.on_wait) request.on_wait(who);
    told = true;
    if (!ctx.clock->SleepFor(std::chrono::seconds(1), ctx.cancelled.get()))
      return MakeError(ErrorCode::kCancelled, "cancelled while waiting for the stack lock");
  }
}

Result<LockStatus> BlobLockBackend::Status(const std::string& stack, const Context& ctx) {
  LockStatus status;
  status.stack = stack;
  status.backend = "azureblob";
  status.where = "blob " + BlobUrl(stack);
  KEYWARD_ASSIGN_OR_RETURN(auto holder, ReadHolder(stack, ctx));
  status.holder = holder;
  return status;
}

Result<std::optional<LockHolder>> BlobLockBackend::Break(const std::string& stack,
                                                         const Context& ctx) {
  KEYWARD_ASSIGN_OR_RETURN(auto holder, ReadHolder(stack, ctx));
  if (!holder) return std::optional<LockHolder>();
  KEYWARD_ASSIGN_OR_RETURN(
      auto broken, Send({"PUT",
                         stack,
                         "lease",
                         {{"x-ms-lease-action", "break"}, {"x-ms-lease-break-period", "0"}}},
                        ctx));
  if (broken.status != 202 && broken.status != 200)
    return MakeError(ErrorCode::kUnavailable, "cannot break the lease on " + BlobUrl(stack) + ": " +
                                                  DescribeStorageError(broken));
  return holder;
}

}  // namespace keyward::coordination
