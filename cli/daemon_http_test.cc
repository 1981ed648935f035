#include "cli/daemon_http.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "engine/scrubber.h"
#include "engine/webhook.h"

namespace keyward::cli {
namespace {

constexpr char kSecret[] = "daemon-http-test-secret-4711";

class DaemonHttpTest : public ::testing::Test {
 protected:
  DaemonHttpTest() {
    endpoints_.webhook_secret = kSecret;
    endpoints_.ready = [this] { return ready_; };
    endpoints_.metrics = [] { return std::string("keyward_loops_total 3\n"); };
    endpoints_.status = [] { return nlohmann::json{{"error", std::string("x ") + kSecret}}; };
    endpoints_.trigger = [this] { ++triggers_; };
    endpoints_.log = [this](const char* level, const std::string& message, const nlohmann::json&) {
      logged_.push_back(std::string(level) + " " + message);
    };
  }

  // As cpp-httplib calls them: the pre-routing check, then the handler.
  httplib::Response Serve(const std::string& method, const std::string& path,
                          httplib::Headers headers = {}, std::string body = {}) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers = std::move(headers);
    req.body = std::move(body);
    httplib::Response res;
    if (!RefuseBeforeBody(endpoints_, req, res)) HandleDaemonRequest(endpoints_, req, res);
    return res;
  }

  httplib::Response Deliver(const std::string& signature, const std::string& body = "{}",
                            const std::string& content_type = "application/json") {
    return Serve("POST", kWebhookPath,
                 {{"Content-Type", content_type}, {"X-Hub-Signature-256", signature}}, body);
  }

  DaemonEndpoints endpoints_;
  bool ready_ = false;
  int triggers_ = 0;
  std::vector<std::string> logged_;
};

TEST_F(DaemonHttpTest, HealthAndReadiness) {
  EXPECT_EQ(Serve("GET", "/healthz").status, 200);
  EXPECT_EQ(Serve("GET", "/readyz").status, 503);
  ready_ = true;
  auto ready = Serve("GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  EXPECT_EQ(Serve("GET", "/nope").status, 404);
  EXPECT_EQ(Serve("POST", "/healthz").status, 405);
}

TEST_F(DaemonHttpTest, StatusIsScrubbedAndMetricsAreServed) {
  engine::Scrubber::Process().Add(kSecret);
  auto status = Serve("GET", "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.body.find(kSecret), std::string::npos) << status.body;
  EXPECT_EQ(Serve("GET", "/metrics").body, "keyward_loops_total 3\n");
}

TEST_F(DaemonHttpTest, OnlyACorrectlySignedJsonPostTriggersALoop) {
  const std::string body = R"({"ref":"refs/heads/main"})";
  EXPECT_EQ(Serve("GET", kWebhookPath).status, 405);
  EXPECT_EQ(Deliver(engine::HubSignature256(kSecret, body), body, "text/plain").status, 415);
  EXPECT_EQ(Serve("POST", kWebhookPath, {{"Content-Type", "application/json"}}, body).status, 401);
  EXPECT_EQ(Deliver("sha256=" + std::string(64, '0'), body).status, 401);
  EXPECT_EQ(Deliver(engine::HubSignature256("another-secret", body), body).status, 401);
  EXPECT_EQ(triggers_, 0);
  ASSERT_FALSE(logged_.empty());
  EXPECT_EQ(logged_.back(), "warn webhook rejected: bad signature");

  auto accepted =
      Deliver(engine::HubSignature256(kSecret, body), body, "Application/JSON; charset=utf-8");
  EXPECT_EQ(accepted.status, 202);
  EXPECT_EQ(triggers_, 1);
}

TEST_F(DaemonHttpTest, WebhooksAreOffWithoutASecret) {
  endpoints_.webhook_secret.clear();
  EXPECT_EQ(Deliver(engine::HubSignature256("", "{}")).status, 404);
  EXPECT_EQ(triggers_, 0);
}

}  // namespace
}  // namespace keyward::cli
