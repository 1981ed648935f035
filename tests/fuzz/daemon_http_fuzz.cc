// libFuzzer target: one HTTP request -> the daemon's endpoint functions (cli/daemon_http.h), in
// the order cpp-httplib calls them: RefuseBeforeBody on the request line and headers, then
// HandleDaemonRequest with the body. The request parsing itself is cpp-httplib's.
//
// Input (text; seeds in corpus/daemon_http_fuzz/):
//   METHOD PATH\n  then "Name: value\n" headers, "\n", then the body.
// A header `X-Hub-Signature-256: @sign@` is replaced by the body's correct signature, so that the
// fuzzer reaches the verified-delivery path too (it cannot forge an HMAC).
// Checked for every request: an answer with a status, a loop triggered only by a correctly
// signed POST /hooks/git, and the webhook secret never in an answer.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/daemon_http.h"
#include "engine/scrubber.h"
#include "engine/webhook.h"

namespace {

constexpr char kSecret[] = "fuzz-webhook-secret-0123456789";

void Fail(const char* what) {
  std::fprintf(stderr, "daemon_http_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto next_line = [&input] {
    const size_t end = std::min(input.find('\n'), input.size());
    std::string_view line = input.substr(0, end);
    input.remove_prefix(std::min(end + 1, input.size()));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  httplib::Request req;
  const std::string_view request_line = next_line();
  const size_t space = request_line.find(' ');
  req.method = std::string(request_line.substr(0, space));
  req.path = space == std::string_view::npos ? "" : std::string(request_line.substr(space + 1));
  req.remote_addr = "127.0.0.1";
  bool sign = false;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    std::string name(line.substr(0, colon));
    if (value == "@sign@") sign = true;
    req.headers.emplace(std::move(name), std::string(value));
  }
  req.body = std::string(input.substr(0, keyward::cli::kMaxWebhookBody));
  if (sign) {
    for (auto& [name, value] : req.headers)
      if (value == "@sign@") value = keyward::engine::HubSignature256(kSecret, req.body);
  }

  static const bool scrubbed = [] {
    keyward::engine::Scrubber::Process().Add(kSecret);
    return true;
  }();
  (void)scrubbed;
  int triggers = 0;
  keyward::cli::DaemonEndpoints endpoints;
  endpoints.webhook_secret = kSecret;
  endpoints.ready = [] { return true; };
  endpoints.metrics = [] { return std::string("keyward_loops_total 1\n"); };
  endpoints.status = [] {
    return nlohmann::json{{"mode", "observe"}, {"error", std::string("oops ") + kSecret}};
  };
  endpoints.trigger = [&triggers] { ++triggers; };
  endpoints.log = [](const char*, const std::string& message, const nlohmann::json& fields) {
    (void)fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };

  httplib::Response res;
  if (!keyward::cli::RefuseBeforeBody(endpoints, req, res))
    keyward::cli::HandleDaemonRequest(endpoints, req, res);

  if (res.status < 200 || res.status > 599) Fail("no HTTP status");
  if (res.body.find(kSecret) != std::string::npos) Fail("the webhook secret is in an answer");
  const bool verified = req.method == "POST" && req.path == keyward::cli::kWebhookPath &&
                        keyward::engine::VerifyHubSignature256(
                            kSecret, req.body, req.get_header_value("X-Hub-Signature-256"));
  if (triggers != 0 && !verified) Fail("a loop was triggered without a verified delivery");
  if (triggers == 0 && res.status == 202) Fail("202 without a trigger");
  return 0;
}
