// The daemon's HTTP endpoints (/healthz, /readyz, /metrics, /status, /hooks/git) as functions of
// a request, apart from the socket: `keyward daemon` installs them on its cpp-httplib server, and
// tests/fuzz/daemon_http_fuzz.cc calls them with arbitrary requests. docs/daemon.md documents
// what each endpoint answers.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace keyward::cli {

inline constexpr char kWebhookPath[] = "/hooks/git";
// GitHub caps payloads at 25 MB but a push event is a few KB; the daemon only needs the signal.
inline constexpr size_t kMaxWebhookBody = 1 << 20;

// What the endpoints read and act on; the daemon wires them to its loops and its log.
struct DaemonEndpoints {
  std::string webhook_secret;              // empty: webhooks are off (404)
  std::function<bool()> ready;             // /readyz
  std::function<std::string()> metrics;    // /metrics, already rendered and scrubbed
  std::function<nlohmann::json()> status;  // /status (scrubbed when answered)
  std::function<void()> trigger;           // a verified webhook delivery: loop now
  std::function<void(const char* level, const std::string& message, const nlohmann::json& fields)>
      log;
};

// "application/json", with or without parameters ("; charset=utf-8"), in any case.
bool IsJsonContentType(std::string value);

// For /hooks/git, everything that can be decided from the request line and headers, before the
// body is read (the body of a request that is refused is never read). True when `res` is the
// answer; false when the request goes on to HandleDaemonRequest.
bool RefuseBeforeBody(const DaemonEndpoints& endpoints, const httplib::Request& req,
                      httplib::Response& res);

// Answers one request whose headers passed RefuseBeforeBody (404 for an unknown path, 405 for a
// known path with another method). The webhook body is never parsed: a verified delivery only
// triggers a loop, which re-reads everything.
void HandleDaemonRequest(const DaemonEndpoints& endpoints, const httplib::Request& req,
                         httplib::Response& res);

// Installs both on `server`, with the body limit. `endpoints` must outlive the server.
void InstallDaemonEndpoints(httplib::Server& server, const DaemonEndpoints& endpoints);

}  // namespace keyward::cli
