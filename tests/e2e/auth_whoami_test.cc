// `keyward auth whoami` end to end: the real binary, the real emulator's identity endpoints, and
// an environment with nothing but what each test gives it (no real IMDS, no real `az`).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AuthWhoamiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { emulator_ = EmulatorProcess::Start({}).release(); }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(emulator_, nullptr);
    empty_dir_ =
        std::filesystem::temp_directory_path() / ("keyward-whoami-" + std::to_string(::getpid()));
    std::filesystem::create_directories(empty_dir_);
  }

  // Only the variables given, on top of a neutral base: endpoints at the emulator, IMDS at a
  // closed port, and a PATH without `az`.
  CommandResult Whoami(std::map<std::string, std::string> env,
                       std::vector<std::string> extra = {}) {
    std::map<std::string, std::string> all = {
        {"KEYWARD_ARM_ENDPOINT", emulator_->endpoint()},
        {"KEYWARD_CA_FILE", emulator_->ca_file()},
        {"AZURE_AUTHORITY_HOST", emulator_->endpoint()},
        {"AZURE_POD_IDENTITY_AUTHORITY_HOST", "https://127.0.0.1:1"},
        {"PATH", empty_dir_.string()},
        {"AZURE_TENANT_ID", ""},
        {"AZURE_CLIENT_ID", ""},
        {"AZURE_CLIENT_SECRET", ""},
        {"AZURE_FEDERATED_TOKEN_FILE", ""},
        {"IDENTITY_ENDPOINT", ""},
        {"IDENTITY_HEADER", ""},
        {"AZURE_TOKEN_CREDENTIALS", ""}};
    for (auto& [name, value] : env) all[name] = value;
    std::vector<std::string> args = {BinaryPath("keyward"), "auth", "whoami"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(args, all);
  }

  static void ExpectNoToken(const CommandResult& result) {
    static const std::regex kJwt("ey[A-Za-z0-9_-]{8,}\\.ey[A-Za-z0-9_-]{8,}");
    EXPECT_FALSE(std::regex_search(result.out, kJwt)) << result.out;
    EXPECT_FALSE(std::regex_search(result.err, kJwt)) << result.err;
    EXPECT_THAT(result.out + result.err, Not(HasSubstr(kClientSecret)));
  }

  static EmulatorProcess* emulator_;
  std::filesystem::path empty_dir_;
};

EmulatorProcess* AuthWhoamiTest::emulator_ = nullptr;

TEST_F(AuthWhoamiTest, ShowsTheWinningCredentialAndWhoTheTokenIsForButNeverTheToken) {
  auto result = Whoami({{"AZURE_TENANT_ID", kTenantId},
                        {"AZURE_CLIENT_ID", kClientId},
                        {"AZURE_CLIENT_SECRET", kClientSecret}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("credential:   EnvironmentCredential\n"));
  EXPECT_THAT(result.out, HasSubstr(std::string("tenant:       ") + kTenantId + "\n"));
  EXPECT_THAT(result.out, HasSubstr(std::string("object id:    ") + kObjectId + "\n"));
  EXPECT_THAT(result.out, HasSubstr(std::string("app id:       ") + kClientId + "\n"));
  EXPECT_THAT(result.out, HasSubstr("audience:     " + emulator_->endpoint() + "/\n"));
  EXPECT_THAT(result.out, HasSubstr("expires:      20"));
  ExpectNoToken(result);
}

TEST_F(AuthWhoamiTest, JsonNamesManagedIdentityWhenOnlyImdsAnswers) {
  auto result = Whoami({{"AZURE_POD_IDENTITY_AUTHORITY_HOST", emulator_->endpoint()}}, {"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["credential"], "ManagedIdentityCredential");
  EXPECT_EQ(json["tenantId"], kTenantId);
  EXPECT_EQ(json["objectId"], kObjectId);
  EXPECT_EQ(json["armEndpoint"], emulator_->endpoint());
  EXPECT_FALSE(json.contains("token"));
  ExpectNoToken(result);
}

TEST_F(AuthWhoamiTest, ExplainsEverySourceWhenNoneWorks) {
  auto result = Whoami({{"AZURE_CLIENT_SECRET", kClientSecret}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("no credential in the chain produced a token"));
  EXPECT_THAT(result.err, HasSubstr("EnvironmentCredential: environment variables not set: "
                                    "AZURE_TENANT_ID, AZURE_CLIENT_ID"));
  EXPECT_THAT(result.err, HasSubstr("WorkloadIdentityCredential: environment variables not set"));
  EXPECT_THAT(result.err, HasSubstr("ManagedIdentityCredential: IMDS (https://127.0.0.1:1"));
  EXPECT_THAT(result.err, HasSubstr("AzureCliCredential: Azure CLI not found on PATH"));
  ExpectNoToken(result);
}

}  // namespace
}  // namespace keyward::testing
