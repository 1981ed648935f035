#include "cli/daemon_http.h"

#include <httplib.h>

#include <cctype>

#include "engine/scrubber.h"
#include "engine/webhook.h"

namespace keyward::cli {

bool IsJsonContentType(std::string value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.pop_back();
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "application/json";
}

bool RefuseBeforeBody(const DaemonEndpoints& endpoints, const httplib::Request& req,
                      httplib::Response& res) {
  if (req.path != kWebhookPath) return false;
  auto refuse = [&](int status, const char* text) {
    res.status = status;
    res.set_header("Connection", "close");
    res.set_content(text, "text/plain");
    return true;
  };
  if (req.method != "POST") {
    res.set_header("Allow", "POST");
    return refuse(405, "use POST\n");
  }
  if (endpoints.webhook_secret.empty())
    return refuse(404, "webhooks are off: set KEYWARD_WEBHOOK_SECRET\n");
  if (!IsJsonContentType(req.get_header_value("Content-Type")))
    return refuse(415, "Content-Type must be application/json\n");
  if (!req.has_header("X-Hub-Signature-256"))
    return refuse(401, "bad or missing X-Hub-Signature-256\n");
  return false;
}

namespace {

void Webhook(const DaemonEndpoints& endpoints, const httplib::Request& req,
             httplib::Response& res) {
  if (!engine::VerifyHubSignature256(endpoints.webhook_secret, req.body,
                                     req.get_header_value("X-Hub-Signature-256"))) {
    res.status = 401;
    res.set_content("bad or missing X-Hub-Signature-256\n", "text/plain");
    endpoints.log("warn", "webhook rejected: bad signature", {{"remote", req.remote_addr}});
    return;
  }
  endpoints.trigger();
  res.status = 202;
  res.set_content("loop triggered\n", "text/plain");
  endpoints.log("info", "webhook: loop triggered",
                {{"event", req.get_header_value("X-GitHub-Event")}});
}

}  // namespace

void HandleDaemonRequest(const DaemonEndpoints& endpoints, const httplib::Request& req,
                         httplib::Response& res) {
  res.status = 200;
  const bool get = req.method == "GET" || req.method == "HEAD";
  auto wrong_method = [&](const char* allow) {
    res.status = 405;
    res.set_header("Allow", allow);
  };
  if (req.path == "/healthz") {
    if (!get) return wrong_method("GET");
    res.set_content("ok\n", "text/plain");
  } else if (req.path == "/readyz") {
    if (!get) return wrong_method("GET");
    const bool ready = endpoints.ready();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ready\n" : "not ready: no successful loop yet\n", "text/plain");
  } else if (req.path == "/metrics") {
    if (!get) return wrong_method("GET");
    res.set_content(endpoints.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  } else if (req.path == "/status") {
    if (!get) return wrong_method("GET");
    res.set_content(engine::Scrubber::Process().Scrub(endpoints.status().dump(2)) + "\n",
                    "application/json");
  } else if (req.path == kWebhookPath) {
    if (req.method != "POST") return wrong_method("POST");
    Webhook(endpoints, req, res);
  } else {
    res.status = 404;
  }
}

void InstallDaemonEndpoints(httplib::Server& server, const DaemonEndpoints& endpoints) {
  // No request body is read beyond this (cpp-httplib answers 413); only /hooks/git takes one.
  server.set_payload_max_length(kMaxWebhookBody);
  server.set_pre_routing_handler([&endpoints](const httplib::Request& req, httplib::Response& res) {
    return RefuseBeforeBody(endpoints, req, res) ? httplib::Server::HandlerResponse::Handled
                                                 : httplib::Server::HandlerResponse::Unhandled;
  });
  auto handle = [&endpoints](const httplib::Request& req, httplib::Response& res) {
    HandleDaemonRequest(endpoints, req, res);
  };
  // Every method reaches HandleDaemonRequest, so a wrong one is a 405 from there, as tested.
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/status", kWebhookPath}) {
    server.Get(path, handle);
    server.Post(path, handle);
    server.Put(path, handle);
    server.Patch(path, handle);
    server.Delete(path, handle);
  }
}

}  // namespace keyward::cli
