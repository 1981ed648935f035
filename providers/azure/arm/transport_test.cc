// The transport's configuration checks. Sending itself is exercised against the real emulator.
#include "providers/azure/arm/transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/emulator_process.h"

namespace keyward::azure {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class CaFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keyward-ca-file-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(CaFileTest, APemCertificateIsAccepted) {
  EXPECT_TRUE(CheckCaFile(keyward::testing::SharedTestCertificate().cert_file));
}

TEST_F(CaFileTest, AFileWithoutACertificateIsAnErrorNamingTheFile) {
  for (const std::string& text :
       {std::string(""), std::string("not a certificate\n"),
        std::string("-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----\n")}) {
    const std::string path = Write("ca.pem", text);
    auto checked = CheckCaFile(path);
    ASSERT_FALSE(checked) << text;
    EXPECT_EQ(checked.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_THAT(checked.error().message,
                HasSubstr("CA file " + path + " holds no PEM certificate"));
  }
  auto missing = CheckCaFile((dir_ / "missing.pem").string());
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("missing.pem cannot be read"));
}

TEST_F(CaFileTest, TheTransportRefusesToSendWithABadCaFileInsteadOfIgnoringIt) {
  CpprestTransportOptions options;
  options.ca_file = Write("garbage.pem", "garbage\n");
  CpprestTransport transport(options);
  HttpRequest request;
  request.url = "https://127.0.0.1:1/subscriptions";
  auto sent = transport.Send(request, Context{});
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(sent.error().message, HasSubstr("garbage.pem holds no PEM certificate"));
}

}  // namespace
}  // namespace keyward::azure
