// The ARM client against the real keyward-arm-emulator over HTTPS (STYLE.md: no hand-rolled HTTP
// fakes for the client). One emulator per suite; every test uses its own resource names, since
// vault names are global in ARM (and in the emulator).
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "providers/azure/arm/arm_client.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

// The emulator fixture (kt::EmulatorProcess) and the principal it signs in (kt::kTenantId, ...).
namespace kt = keyward::testing;
using std::chrono::milliseconds;

class ArmClientEmulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kt::EmulatorOptions options;
    options.lro_seconds = 0.2;
    emulator_ = kt::EmulatorProcess::Start(options).release();
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(emulator_, nullptr) << "emulator did not start"; }

  static std::shared_ptr<ClientSecretCredential> Credential(std::string secret = kt::kClientSecret,
                                                            bool with_ca = true) {
    ClientSecretCredentialOptions options;
    options.authority_host = emulator_->endpoint();
    if (with_ca) options.ca_file = emulator_->ca_file();
    options.retry.max_retries = 0;
    return std::make_shared<ClientSecretCredential>(kt::kTenantId, kt::kClientId, std::move(secret),
                                                    options);
  }

  std::unique_ptr<ArmClient> Client(std::shared_ptr<TokenCredential> credential = nullptr,
                                    bool with_ca = true) {
    ArmClientOptions options;
    options.endpoint = emulator_->endpoint() + "/";  // trailing slash is tolerated
    if (with_ca) options.ca_file = emulator_->ca_file();
    options.credential = credential ? credential : Credential();
    options.retry.base_delay = milliseconds(10);
    options.retry.max_delay = milliseconds(100);
    options.poll.default_interval = milliseconds(50);
    options.poll.max_interval = milliseconds(200);  // the emulator asks for 1 s; tests go faster
    options.poll.max_wait = milliseconds(30'000);
    options.log = [this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(line);
    };
    return std::make_unique<ArmClient>(std::move(options));
  }

  static std::string Rg(const std::string& name) {
    return WithApiVersion(ResourceGroupPath(kt::kSubscriptionId, name), kResourcesApiVersion);
  }
  static std::string Vault(const std::string& rg, const std::string& name) {
    return WithApiVersion(VaultPath(kt::kSubscriptionId, rg, name), kKeyVaultApiVersion);
  }
  static Json VaultBody() {
    return Json{{"location", "westeurope"},
                {"properties",
                 {{"tenantId", kt::kTenantId},
                  {"sku", {{"family", "A"}, {"name", "standard"}}},
                  {"accessPolicies", Json::array()}}}};
  }

  void CreateResourceGroup(ArmClient& client, const std::string& name) {
    auto put = client.Put(Rg(name), Json{{"location", "westeurope"}}, ctx_);
    ASSERT_TRUE(put) << put.error().ToString();
  }

  void CreateVault(ArmClient& client, const std::string& rg, const std::string& name) {
    auto put = client.SendAndWait(HttpMethod::kPut, Vault(rg, name), VaultBody(), ctx_);
    ASSERT_TRUE(put) << put.error().ToString();
    ASSERT_EQ(put->provisioning_state(), "Succeeded");
  }

  std::vector<std::string> Logged() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  static kt::EmulatorProcess* emulator_;
  Context ctx_;  // real clock: the emulator's LROs run on real time
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

kt::EmulatorProcess* ArmClientEmulatorTest::emulator_ = nullptr;

TEST_F(ArmClientEmulatorTest, AcquiresATokenAndCachesIt) {
  auto credential = Credential();
  auto first = credential->GetToken({}, ctx_);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_FALSE(first->token.empty());
  EXPECT_GT(first->expires_on, ctx_.clock->Now() + std::chrono::minutes(5));
  auto second = credential->GetToken({}, ctx_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->token, first->token);
  EXPECT_EQ(credential->token_requests(), 1);

  // The client asks the credential per try; the cache keeps it to one STS round trip.
  auto client = Client(credential);
  CreateResourceGroup(*client, "rg-token-cache");
  ASSERT_TRUE(client->Get(Rg("rg-token-cache"), ctx_));
  EXPECT_EQ(credential->token_requests(), 1);
}

TEST_F(ArmClientEmulatorTest, WrongSecretIsUnauthenticatedWithAClearMessageAndNoSecret) {
  const std::string wrong = "wrong-Secret-CANARY-42";
  auto token = Credential(wrong)->GetToken({}, ctx_);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(token.error().message.find("invalid_client"), std::string::npos)
      << token.error().message;
  EXPECT_NE(token.error().message.find("AADSTS"), std::string::npos) << token.error().message;
  EXPECT_EQ(token.error().ToString().find(wrong), std::string::npos);

  // Through the client, the same error surfaces from the first ARM call.
  auto client = Client(Credential(wrong));
  auto get = client->Get(Rg("rg-anything"), ctx_);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kUnauthenticated);
  for (const std::string& line : Logged()) EXPECT_EQ(line.find(wrong), std::string::npos) << line;
}

TEST_F(ArmClientEmulatorTest, TlsVerificationFailsWithoutTheCaFile) {
  auto token = Credential(kt::kClientSecret, /*with_ca=*/false)->GetToken({}, ctx_);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(token.error().message.find("cannot get a token"), std::string::npos)
      << token.error().message;

  // With a good credential but a client that does not trust the emulator: no ARM call succeeds.
  auto client = Client(Credential(), /*with_ca=*/false);
  auto get = client->Get(Rg("rg-tls"), ctx_);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kUnavailable) << get.error().ToString();
}

TEST_F(ArmClientEmulatorTest, PutsAResourceGroupAndReadsItBack) {
  auto client = Client();
  auto put = client->Put(
      Rg("rg-put"), Json{{"location", "westeurope"}, {"tags", {{"keyward-stack", "t"}}}}, ctx_);
  ASSERT_TRUE(put) << put.error().ToString();
  EXPECT_TRUE(put->status == 200 || put->status == 201) << put->status;
  EXPECT_EQ(put->body.value("name", ""), "rg-put");
  EXPECT_FALSE(put->request_id().empty());
  EXPECT_EQ(put->client_request_id().size(), 36u);
  auto done = client->PollUntilDone(*put, Rg("rg-put"), HttpMethod::kPut, ctx_);
  ASSERT_TRUE(done) << done.error().ToString();
  auto get = client->Get(Rg("rg-put"), ctx_);
  ASSERT_TRUE(get) << get.error().ToString();
  EXPECT_EQ(get->body["tags"]["keyward-stack"], "t");
  EXPECT_GE(client->metrics().requests_by_status.count(200) +
                client->metrics().requests_by_status.count(201),
            1u);
}

// A stack lease whose holder can be told it lapsed (coordination/'s lease keepers in real use).
class LapsingGuard : public WriteGuard {
 public:
  std::optional<Error> CheckWrite() const override {
    if (!lapsed) return std::nullopt;
    return Error{ErrorCode::kAborted, "lock lost: test lease lapsed", {}};
  }
  std::atomic<bool> lapsed{false};
};

// Writes with the given user agent that reached the emulator (its request log).
long WritesSeenWithUserAgent(const kt::EmulatorProcess& emulator, const std::string& user_agent) {
  auto log = kt::HttpsRequest("GET", emulator.endpoint() + "/_emulator/requests", {}, "",
                              emulator.ca_file());
  long writes = 0;
  const Json requests = log.Json()["requests"];
  for (const auto& r : requests)
    if (r["method"] != "GET" &&
        r["userAgent"].get<std::string>().find(user_agent) != std::string::npos)
      ++writes;
  return writes;
}

TEST_F(ArmClientEmulatorTest, AWriteIsNeverSentOnceTheStackLeaseLapsedButReadsAre) {
  ArmClientOptions options;
  options.endpoint = emulator_->endpoint();
  options.ca_file = emulator_->ca_file();
  options.credential = Credential();
  options.user_agent_suffix = "replica/fenced-1";
  ArmClient client(std::move(options));
  auto guard = std::make_shared<LapsingGuard>();
  Context ctx;
  ctx.write_guard = guard;

  auto put = client.Put(Rg("rg-fenced"), Json{{"location", "westeurope"}}, ctx);
  ASSERT_TRUE(put) << put.error().ToString();
  EXPECT_EQ(WritesSeenWithUserAgent(*emulator_, "replica/fenced-1"), 1);

  guard->lapsed = true;
  auto refused = client.Put(Rg("rg-fenced"), Json{{"location", "westeurope"}}, ctx);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAborted);
  EXPECT_NE(refused.error().message.find("lock lost: test lease lapsed"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("PUT https://"), std::string::npos);
  auto deleted = client.Delete(Rg("rg-fenced"), ctx);
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::kAborted);
  // Neither reached ARM; a read still does (standby replicas keep observing).
  EXPECT_EQ(WritesSeenWithUserAgent(*emulator_, "replica/fenced-1"), 1);
  auto get = client.Get(Rg("rg-fenced"), ctx);
  ASSERT_TRUE(get) << get.error().ToString();
}

TEST_F(ArmClientEmulatorTest, VaultPutIsBodyPolledFromRegisteringDnsToSucceeded) {
  auto client = Client();
  CreateResourceGroup(*client, "rg-vault-lro");
  const std::string path = Vault("rg-vault-lro", "kw-lro-vault");
  auto put = client->Put(path, VaultBody(), ctx_);
  ASSERT_TRUE(put) << put.error().ToString();
  EXPECT_EQ(put->provisioning_state(), "RegisteringDns");
  std::vector<std::string> states;
  PollOptions poll;
  poll.default_interval = milliseconds(50);
  poll.max_interval = milliseconds(100);
  poll.on_progress = [&](const LroProgress& progress) {
    EXPECT_EQ(progress.strategy, "body");
    states.push_back(progress.status);
  };
  auto done = client->PollUntilDone(*put, path, HttpMethod::kPut, ctx_, poll);
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->provisioning_state(), "Succeeded");
  EXPECT_EQ(done->body.value("name", ""), "kw-lro-vault");
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back(), "Succeeded");
}

TEST_F(ArmClientEmulatorTest, ListAllFollowsNextLinksAcrossPages) {
  auto client = Client();
  CreateResourceGroup(*client, "rg-paging");
  for (int i = 0; i < 5; ++i) CreateVault(*client, "rg-paging", "kw-page-" + std::to_string(i));
  auto before = client->metrics().requests_by_status[200];
  const std::string list =
      WithQuery(WithApiVersion(JoinPath(ResourceGroupPath(kt::kSubscriptionId, "rg-paging"),
                                        {"providers", "Microsoft.KeyVault", "vaults"}),
                               kKeyVaultApiVersion),
                "$top", "2");
  auto vaults = client->ListAll(list, ctx_);
  ASSERT_TRUE(vaults) << vaults.error().ToString();
  ASSERT_EQ(vaults->size(), 5u);
  std::set<std::string> names;
  for (const Json& vault : *vaults) names.insert(vault.value("name", ""));
  EXPECT_EQ(names.size(), 5u);
  EXPECT_GE(client->metrics().requests_by_status[200] - before, 3u);  // 2 + 2 + 1
}

TEST_F(ArmClientEmulatorTest, MissingVaultIsNotFoundWithArmCodeAndRequestIds) {
  auto client = Client();
  CreateResourceGroup(*client, "rg-404");
  auto get = client->Get(Vault("rg-404", "kw-absent"), ctx_);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  auto arm = ArmErrorOf(get.error());
  ASSERT_TRUE(arm.has_value()) << get.error().ToString();
  EXPECT_EQ(arm->status, 404);
  EXPECT_EQ(arm->code, "ResourceNotFound");
  EXPECT_FALSE(arm->request_id.empty());
  EXPECT_EQ(arm->client_request_id.size(), 36u);
  EXPECT_NE(get.error().message.find("kw-absent"), std::string::npos) << get.error().message;

  auto missing_rg = client->Get(Vault("rg-does-not-exist", "kw-absent"), ctx_);
  ASSERT_FALSE(missing_rg);
  EXPECT_EQ(ArmCodeOf(missing_rg.error()), "ResourceGroupNotFound");
}

TEST_F(ArmClientEmulatorTest, DeletedVaultIsPurgedThroughLocationPolling) {
  auto client = Client();
  CreateResourceGroup(*client, "rg-purge");
  CreateVault(*client, "rg-purge", "kw-purge-me");
  auto deleted = client->SendAndWait(HttpMethod::kDelete, Vault("rg-purge", "kw-purge-me"),
                                     std::nullopt, ctx_);
  ASSERT_TRUE(deleted) << deleted.error().ToString();
  const std::string deleted_path = WithApiVersion(
      DeletedVaultPath(kt::kSubscriptionId, "westeurope", "kw-purge-me"), kKeyVaultApiVersion);
  ASSERT_TRUE(client->Get(deleted_path, ctx_));

  const std::string purge = WithApiVersion(
      JoinPath(DeletedVaultPath(kt::kSubscriptionId, "westeurope", "kw-purge-me"), {"purge"}),
      kKeyVaultApiVersion);
  auto started = client->Post(purge, std::nullopt, ctx_);
  ASSERT_TRUE(started) << started.error().ToString();
  EXPECT_EQ(started->status, 202);
  ASSERT_TRUE(started->headers.Get("Location").has_value());
  int polls = 0;
  PollOptions poll;
  poll.default_interval = milliseconds(50);
  poll.max_interval = milliseconds(100);
  poll.on_progress = [&](const LroProgress& progress) {
    EXPECT_EQ(progress.strategy, "location");
    ++polls;
  };
  auto done = client->PollUntilDone(*started, purge, HttpMethod::kPost, ctx_, poll);
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_TRUE(done->status == 200 || done->status == 204) << done->status;
  EXPECT_GE(polls, 1);
  auto gone = client->Get(deleted_path, ctx_);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(ArmClientEmulatorTest, SoftDeletedNameConflictSurfacesTheArmCode) {
  auto client = Client();
  CreateResourceGroup(*client, "rg-conflict");
  CreateVault(*client, "rg-conflict", "kw-conflict");
  ASSERT_TRUE(client->Delete(Vault("rg-conflict", "kw-conflict"), ctx_));
  auto again = client->Put(Vault("rg-conflict", "kw-conflict"), VaultBody(), ctx_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(HasArmCode(again.error(), "ConflictError")) << again.error().ToString();
  EXPECT_EQ(ArmErrorOf(again.error())->status, 409);
  EXPECT_NE(again.error().message.find("deleted state"), std::string::npos)
      << again.error().message;
}

TEST_F(ArmClientEmulatorTest, RefusesToFollowLinksToAnotherHost) {
  auto client = Client();
  auto get = client->Get("https://evil.example/subscriptions/x?api-version=1", ctx_);
  ASSERT_FALSE(get);
  EXPECT_NE(get.error().message.find("another host"), std::string::npos);
}

TEST_F(ArmClientEmulatorTest, LogsNeitherSecretsNorTokens) {
  auto credential = Credential();
  auto client = Client(credential);
  CreateResourceGroup(*client, "rg-logs");
  auto token = credential->GetToken({}, ctx_);
  ASSERT_TRUE(token);
  auto lines = Logged();
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(kt::kClientSecret), std::string::npos) << line;
    EXPECT_EQ(line.find(token->token), std::string::npos) << line;
  }
}

TEST_F(ArmClientEmulatorTest, PacesReadsWithTheClientSideBucketAndCountsRequests) {
  // The emulator does not send x-ms-ratelimit-remaining-* yet (throttle_test.cc covers how they
  // feed the bucket); here the client's own bucket paces a burst of reads.
  ArmClientOptions options;
  options.endpoint = emulator_->endpoint();
  options.ca_file = emulator_->ca_file();
  options.credential = Credential();
  options.throttle.reads = {/*burst=*/2, /*per_second=*/2};  // slower than a round trip
  options.log = [](LogLevel, const std::string&) {};
  ArmClient client(std::move(options));
  CreateResourceGroup(client, "rg-ratelimit");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.Get(Rg("rg-ratelimit"), ctx_));
  auto metrics = client.metrics();
  EXPECT_GE(metrics.throttled_waits, 3u);  // burst of 2, then one wait per read
  EXPECT_GE(metrics.requests_by_status[200], 5u);
  EXPECT_EQ(metrics.retries, 0u);
}

}  // namespace
}  // namespace keyward::azure
