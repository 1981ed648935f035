// Every DefaultAzureCredential source against the real emulator's identity endpoints over HTTPS:
// client secret (environment), workload identity (client_assertion from a file), managed identity
// (IMDS via AZURE_POD_IDENTITY_AUTHORITY_HOST, App Service via IDENTITY_ENDPOINT) and the Azure
// CLI (a fake `az` on PATH that really runs and prints an emulator-issued token). Each token is
// then used on an ARM call, so "a token" means one the emulator's ARM accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "providers/azure/arm/azure_cli_credential.h"
#include "providers/azure/arm/credential.h"
#include "providers/azure/arm/managed_identity_credential.h"
#include "providers/azure/arm/token_claims.h"
#include "providers/azure/arm/workload_identity_credential.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

// The emulator fixture (kt::EmulatorProcess) and the principal it signs in (kt::kTenantId, ...).
namespace kt = keyward::testing;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOtherClientId[] = "7d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
constexpr char kOtherObjectId[] = "3f2e1d0c-9b8a-4765-8432-10fedcba9876";
constexpr char kIdentityHeader[] = "identity-header-canary-9f1";
constexpr int kTokenLifetime = 3600;

// Real time plus a manual offset: the emulator stamps tokens with real time, and tests move past
// expiry without waiting.
class OffsetClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now() + offset_; }
  bool SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>*) override {
    offset_ += duration;
    return true;
  }
  void Advance(std::chrono::seconds by) { offset_ += by; }

 private:
  std::chrono::system_clock::duration offset_{0};
};

std::string Base64Url(const std::string& raw) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  return out;
}

// What a Kubernetes projected service account token looks like to Entra (the emulator checks
// structure, exp, sub and aud; it has no issuer keys to check the signature with).
std::string FederatedAssertion(long long exp_offset_seconds) {
  long long now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  nlohmann::json header = {{"alg", "RS256"}, {"kid", "test"}, {"typ", "JWT"}};
  nlohmann::json claims = {{"aud", {"api://AzureADTokenExchange"}},
                           {"iss", "https://oidc.example.test/cluster"},
                           {"sub", "system:serviceaccount:keyward:keyward"},
                           {"iat", now},
                           {"exp", now + exp_offset_seconds}};
  return Base64Url(header.dump()) + "." + Base64Url(claims.dump()) + ".c2lnbmF0dXJl";
}

class CredentialEmulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kt::EmulatorOptions options;
    options.extra_args = {
        "--principal",
        std::string(kt::kTenantId) + ":" + kOtherClientId + ":other-secret:" + kOtherObjectId,
        "--identity-header",
        kIdentityHeader,
        "--token-lifetime-seconds",
        std::to_string(kTokenLifetime)};
    emulator_ = kt::EmulatorProcess::Start(options).release();
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(emulator_, nullptr) << "emulator did not start";
    dir_ = std::filesystem::temp_directory_path() /
           ("keyward-creds-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ctx_.clock = &clock_;
    // Nothing reaches the real IMDS or a real `az` unless a test says so: a closed local port
    // and an empty PATH.
    env_ = {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://127.0.0.1:1"}, {"PATH", dir_.string()}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  GetEnv Env() const {
    auto env = env_;
    return [env](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
  }
  CredentialOptions Options() const {
    CredentialOptions options;
    options.ca_file = emulator_->ca_file();
    options.retry.max_retries = 0;
    return options;
  }
  void SetClientSecretEnv() {
    env_["AZURE_AUTHORITY_HOST"] = emulator_->endpoint();
    env_["AZURE_TENANT_ID"] = kt::kTenantId;
    env_["AZURE_CLIENT_ID"] = kt::kClientId;
    env_["AZURE_CLIENT_SECRET"] = kt::kClientSecret;
  }
  std::string WriteFile(const std::string& name, const std::string& text, bool executable = false) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    if (executable) ::chmod(path.c_str(), 0755);
    return path.string();
  }
  // The token is one ARM accepts: list resource groups with it.
  static void ExpectArmAccepts(const std::string& token) {
    auto listed = kt::ArmRequest(*emulator_, token, "GET",
                                 std::string("/subscriptions/") + kt::kSubscriptionId +
                                     "/resourcegroups?api-version=2021-04-01");
    EXPECT_EQ(listed.status, 200) << listed.body;
  }
  static long Count(const std::string& operation) {
    auto stats = kt::HttpsRequest("GET", emulator_->endpoint() + "/_emulator/stats", {}, "",
                                  emulator_->ca_file())
                     .Json();
    return stats["operations"].value(operation, 0L);
  }
  // `credential` fails within 5 s, saying `reason`: a source that cannot answer must not hang
  // the chain behind it.
  void ExpectFailsFast(TokenCredential& credential, const std::string& reason) {
    const auto started = std::chrono::steady_clock::now();
    auto token = credential.GetToken({}, ctx_);
    ASSERT_FALSE(token);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_THAT(token.error().message, HasSubstr(reason));
  }
  static TokenRequest EmulatorScope() {
    return TokenRequest{{ArmScopeFor(emulator_->endpoint())}, ""};
  }

  static kt::EmulatorProcess* emulator_;
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  OffsetClock clock_;
  Context ctx_;
};

kt::EmulatorProcess* CredentialEmulatorTest::emulator_ = nullptr;

TEST_F(CredentialEmulatorTest, EnvironmentClientSecretWinsTheDefaultChain) {
  SetClientSecretEnv();
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto token = chain->GetToken({}, ctx_);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(chain->SelectedName(), "EnvironmentCredential");
  ExpectArmAccepts(token->token);
  auto claims = DecodeTokenClaims(token->token);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->tenant_id, kt::kTenantId);
  EXPECT_EQ(claims->object_id, kt::kObjectId);
  EXPECT_EQ(claims->app_id, kt::kClientId);
}

TEST_F(CredentialEmulatorTest, ScopeFollowsTheArmEndpoint) {
  SetClientSecretEnv();
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto token = chain->GetToken(EmulatorScope(), ctx_);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(DecodeTokenClaims(token->token)->audience, emulator_->endpoint() + "/");
  ExpectArmAccepts(token->token);
}

TEST_F(CredentialEmulatorTest, WorkloadIdentityRereadsTheTokenFileOnEveryRequest) {
  env_["AZURE_AUTHORITY_HOST"] = emulator_->endpoint();
  env_["AZURE_TENANT_ID"] = kt::kTenantId;
  env_["AZURE_CLIENT_ID"] = kOtherClientId;
  env_["AZURE_FEDERATED_TOKEN_FILE"] = WriteFile("token", FederatedAssertion(3600) + "\n");
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto first = chain->GetToken({}, ctx_);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(chain->SelectedName(), "WorkloadIdentityCredential");  // no AZURE_CLIENT_SECRET
  EXPECT_EQ(DecodeTokenClaims(first->token)->object_id, kOtherObjectId);
  ExpectArmAccepts(first->token);

  // The kubelet rotates the file; here it now holds an expired assertion. Past the cached
  // token's expiry, the next request must read the new contents — and Entra refuses them.
  WriteFile("token", FederatedAssertion(-60));
  clock_.Advance(std::chrono::seconds(kTokenLifetime));
  auto second = chain->GetToken({}, ctx_);
  ASSERT_FALSE(second);
  EXPECT_THAT(second.error().message, HasSubstr("WorkloadIdentityCredential"));
  EXPECT_THAT(second.error().message, HasSubstr("AADSTS700024"));
  EXPECT_THAT(second.error().message, Not(HasSubstr(FederatedAssertion(-60).substr(0, 20))));

  WriteFile("token", FederatedAssertion(3600));
  auto third = chain->GetToken({}, ctx_);
  ASSERT_TRUE(third) << third.error().message;
  ExpectArmAccepts(third->token);
}

TEST_F(CredentialEmulatorTest, WorkloadIdentityNamesAnUnreadableFile) {
  env_["AZURE_AUTHORITY_HOST"] = emulator_->endpoint();
  env_["AZURE_TENANT_ID"] = kt::kTenantId;
  env_["AZURE_CLIENT_ID"] = kOtherClientId;
  env_["AZURE_FEDERATED_TOKEN_FILE"] = (dir_ / "missing").string();
  WorkloadIdentityCredential credential(Options(), Env());
  auto token = credential.GetToken({}, ctx_);
  ASSERT_FALSE(token);
  EXPECT_THAT(token.error().message, HasSubstr("cannot read AZURE_FEDERATED_TOKEN_FILE"));
  EXPECT_EQ(credential.token_requests(), 0);
}

TEST_F(CredentialEmulatorTest, ManagedIdentityFromImdsThroughTheAuthorityHostOverride) {
  env_["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = emulator_->endpoint() + "/";
  long before = Count("ManagedIdentity_Imds");
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto token = chain->GetToken({}, ctx_);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(chain->SelectedName(), "ManagedIdentityCredential");
  EXPECT_EQ(DecodeTokenClaims(token->token)->object_id,
            kt::kObjectId);  // system-assigned = first principal
  ExpectArmAccepts(token->token);
  EXPECT_EQ(Count("ManagedIdentity_Imds"), before + 1);
}

TEST_F(CredentialEmulatorTest, ManagedIdentityUserAssignedByAzureClientId) {
  env_["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = emulator_->endpoint();
  env_["AZURE_CLIENT_ID"] = kOtherClientId;
  ManagedIdentityCredential credential(Options(), Env());
  auto token = credential.GetToken({}, ctx_);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(DecodeTokenClaims(token->token)->object_id, kOtherObjectId);
  EXPECT_THAT(credential.Describe(),
              HasSubstr("user-assigned client id " + std::string(kOtherClientId)));

  env_["AZURE_CLIENT_ID"] = "00000000-0000-4000-8000-000000000000";
  ManagedIdentityCredential unknown(Options(), Env());
  auto refused = unknown.GetToken({}, ctx_);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("Identity not found"));
}

TEST_F(CredentialEmulatorTest, ManagedIdentityFromAppService) {
  env_["IDENTITY_ENDPOINT"] = emulator_->endpoint() + "/msi/token";
  env_["IDENTITY_HEADER"] = kIdentityHeader;
  long before = Count("ManagedIdentity_AppService");
  ManagedIdentityCredential credential(Options(), Env());
  EXPECT_EQ(credential.source(), ManagedIdentityCredential::Source::kAppService);
  auto token = credential.GetToken(EmulatorScope(), ctx_);
  ASSERT_TRUE(token) << token.error().message;
  ExpectArmAccepts(token->token);
  EXPECT_EQ(Count("ManagedIdentity_AppService"), before + 1);

  env_["IDENTITY_HEADER"] = "wrong-header";
  ManagedIdentityCredential wrong(Options(), Env());
  auto refused = wrong.GetToken({}, ctx_);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("HTTP 401"));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("wrong-header")));
}

TEST_F(CredentialEmulatorTest, UnreachableImdsFailsFast) {
  ManagedIdentityCredential credential(Options(), Env());
  ExpectFailsFast(credential, "no managed identity endpoint answered");
}

TEST_F(CredentialEmulatorTest, AzureCliRunsAzAndUsesItsToken) {
  // The fake az prints a real emulator token the way `az account get-access-token` does, and
  // records its arguments.
  std::string token = kt::GetToken(*emulator_);
  long long expires = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      3000;
  nlohmann::json output = {{"accessToken", token},    {"expiresOn", "2099-01-01 00:00:00.000000"},
                           {"expires_on", expires},   {"subscription", kt::kSubscriptionId},
                           {"tenant", kt::kTenantId}, {"tokenType", "Bearer"}};
  WriteFile("az.json", output.dump(2));
  WriteFile("az",
            "#!/bin/sh\necho \"$@\" >> \"" + (dir_ / "az.args").string() + "\"\ncat \"" +
                (dir_ / "az.json").string() + "\"\n",
            true);
  env_["AZURE_TENANT_ID"] = kt::kTenantId;
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto got = chain->GetToken({}, ctx_);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(chain->SelectedName(), "AzureCliCredential");
  EXPECT_EQ(got->token, token);
  EXPECT_EQ(got->expires_on, std::chrono::system_clock::from_time_t(expires));
  ExpectArmAccepts(got->token);
  ASSERT_TRUE(chain->GetToken({}, ctx_));  // cached: az runs once
  std::ifstream args_file(dir_ / "az.args");
  std::string args((std::istreambuf_iterator<char>(args_file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(
      args,
      std::string("account get-access-token --output json --resource https://management.azure.com "
                  "--tenant ") +
          kt::kTenantId + "\n");
}

TEST_F(CredentialEmulatorTest, AzureCliNotLoggedInOrNotInstalled) {
  AzureCliCredential missing({}, Env());
  auto absent = missing.GetToken({}, ctx_);
  ASSERT_FALSE(absent);
  EXPECT_THAT(absent.error().message, HasSubstr("Azure CLI not found on PATH"));

  WriteFile("az",
            "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n",
            true);
  AzureCliCredential logged_out({}, Env());
  auto refused = logged_out.GetToken({}, ctx_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "AzureCliCredential: not logged in: `az account get-access-token` exited with 1: "
            "ERROR: Please run 'az login' to setup account.");
}

TEST_F(CredentialEmulatorTest, AzureCliThatHangsIsKilledAtTheTimeout) {
  WriteFile("az", "#!/bin/sh\nexec sleep 30\n", true);
  AzureCliCredential credential({std::chrono::milliseconds(300)}, Env());
  ExpectFailsFast(credential, "did not finish");
}

TEST_F(CredentialEmulatorTest, ChainSkipsUnconfiguredSourcesInOrder) {
  // Environment half-configured (no secret), workload identity without a file, IMDS present:
  // managed identity wins and the CLI is never run.
  env_["AZURE_AUTHORITY_HOST"] = emulator_->endpoint();
  env_["AZURE_TENANT_ID"] = kt::kTenantId;
  env_["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = emulator_->endpoint();
  WriteFile("az", "#!/bin/sh\ntouch \"" + (dir_ / "az.ran").string() + "\"\nexit 1\n", true);
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto token = chain->GetToken({}, ctx_);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(chain->SelectedName(), "ManagedIdentityCredential");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "az.ran"));
}

TEST_F(CredentialEmulatorTest, AWrongClientSecretStopsTheChainInsteadOfFallingThrough) {
  SetClientSecretEnv();
  env_["AZURE_CLIENT_SECRET"] = "canary-wrong-secret";
  env_["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = emulator_->endpoint();
  long before = Count("ManagedIdentity_Imds");
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  auto token = chain->GetToken({}, ctx_);
  ASSERT_FALSE(token);
  EXPECT_THAT(token.error().message,
              HasSubstr("EnvironmentCredential is configured but failed, so the chain stopped"));
  EXPECT_THAT(token.error().message, HasSubstr("AADSTS7000215"));
  EXPECT_THAT(token.error().message, Not(HasSubstr("canary")));
  EXPECT_EQ(Count("ManagedIdentity_Imds"), before);  // managed identity was never asked
}

TEST_F(CredentialEmulatorTest, WhenEverySourceFailsTheErrorListsEachInOrder) {
  env_["AZURE_CLIENT_SECRET"] = "canary-secret-value";  // tenant / client id missing
  auto chain = MakeDefaultAzureCredential(Options(), Env());
  EXPECT_EQ(chain->SourceNames(),
            (std::vector<std::string>{"EnvironmentCredential", "WorkloadIdentityCredential",
                                      "ManagedIdentityCredential", "AzureCliCredential"}));
  auto token = chain->GetToken({}, ctx_);
  ASSERT_FALSE(token);
  const std::string& message = token.error().message;
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);
  size_t env = message.find(
      "EnvironmentCredential: environment variables not set: AZURE_TENANT_ID, AZURE_CLIENT_ID");
  size_t wi = message.find("WorkloadIdentityCredential: environment variables not set");
  size_t mi = message.find(
      "ManagedIdentityCredential: IMDS (https://127.0.0.1:1/metadata/identity/oauth2/token)");
  size_t cli = message.find("AzureCliCredential: Azure CLI not found on PATH");
  ASSERT_NE(env, std::string::npos) << message;
  ASSERT_NE(wi, std::string::npos) << message;
  ASSERT_NE(mi, std::string::npos) << message;
  ASSERT_NE(cli, std::string::npos) << message;
  EXPECT_LT(env, wi);
  EXPECT_LT(wi, mi);
  EXPECT_LT(mi, cli);
  EXPECT_THAT(message, Not(HasSubstr("canary")));
}

TEST_F(CredentialEmulatorTest, TokenCredentialsNarrowsTheChain) {
  SetClientSecretEnv();
  env_["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = emulator_->endpoint();
  env_["AZURE_TOKEN_CREDENTIALS"] = "ManagedIdentityCredential";
  auto only_mi = MakeDefaultAzureCredential(Options(), Env());
  EXPECT_EQ(only_mi->SourceNames(), std::vector<std::string>{"ManagedIdentityCredential"});
  ASSERT_TRUE(only_mi->GetToken({}, ctx_));
  EXPECT_EQ(only_mi->SelectedName(), "ManagedIdentityCredential");

  env_["AZURE_TOKEN_CREDENTIALS"] = "prod";
  EXPECT_EQ(MakeDefaultAzureCredential(Options(), Env())->SourceNames(),
            (std::vector<std::string>{"EnvironmentCredential", "WorkloadIdentityCredential",
                                      "ManagedIdentityCredential"}));
  env_["AZURE_TOKEN_CREDENTIALS"] = "dev";
  EXPECT_EQ(MakeDefaultAzureCredential(Options(), Env())->SourceNames(),
            std::vector<std::string>{"AzureCliCredential"});

  env_["AZURE_TOKEN_CREDENTIALS"] = "keychain";
  auto invalid = MakeDefaultAzureCredential(Options(), Env());
  auto token = invalid->GetToken({}, ctx_);
  ASSERT_FALSE(token);
  EXPECT_THAT(token.error().message,
              HasSubstr("AZURE_TOKEN_CREDENTIALS='keychain' is not one of: prod, dev, "
                        "EnvironmentCredential"));
}

TEST_F(CredentialEmulatorTest, TokensAreCachedUntilShortlyBeforeExpiry) {
  // IMDS tokens carry an absolute expires_on (emulator time + kTokenLifetime); the cache refreshes
  // five minutes before it.
  env_["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = emulator_->endpoint();
  ManagedIdentityCredential credential(Options(), Env());
  long before = Count("ManagedIdentity_Imds");
  auto first = credential.GetToken({}, ctx_);
  ASSERT_TRUE(first) << first.error().message;
  clock_.Advance(std::chrono::seconds(kTokenLifetime - 310));
  auto cached = credential.GetToken({}, ctx_);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->token, first->token);
  EXPECT_EQ(Count("ManagedIdentity_Imds"), before + 1);
  clock_.Advance(std::chrono::seconds(20));
  ASSERT_TRUE(credential.GetToken({}, ctx_));
  EXPECT_EQ(Count("ManagedIdentity_Imds"), before + 2);

  // Same rule for the client-secret grant (expires_in, relative).
  ClientSecretCredential secret(kt::kTenantId, kt::kClientId, kt::kClientSecret, [&] {
    auto o = Options();
    o.authority_host = emulator_->endpoint();
    return o;
  }());
  ASSERT_TRUE(secret.GetToken({}, ctx_));
  clock_.Advance(std::chrono::seconds(kTokenLifetime - 310));
  ASSERT_TRUE(secret.GetToken({}, ctx_));
  EXPECT_EQ(secret.token_requests(), 1);
  clock_.Advance(std::chrono::seconds(20));
  ASSERT_TRUE(secret.GetToken({}, ctx_));
  EXPECT_EQ(secret.token_requests(), 2);
}

}  // namespace
}  // namespace keyward::azure
