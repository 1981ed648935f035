#include "engine/lock_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace keyward::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
}

TEST(LockConfigTest, NothingConfiguredIsTheLocalLock) {
  auto config = ResolveLockConfig(nullptr, {}, Env({}));
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->backend, LockBackendKind::kLocal);
  EXPECT_EQ(config->ttl, kDefaultLockTtl);
}

TEST(LockConfigTest, KeywardYamlEtcd) {
  const Json yaml = Json::parse(R"({"backend":"etcd","ttl":"3s",
      "etcd":{"endpoints":["http://a:2379","http://b:2379"],"prefix":"/teams/x",
              "caFile":"/ca.pem","certFile":"/c.pem","keyFile":"/k.pem"}})");
  auto config = ResolveLockConfig(yaml, {}, Env({}));
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->backend, LockBackendKind::kEtcd);
  EXPECT_EQ(config->ttl, std::chrono::seconds(3));
  EXPECT_THAT(config->etcd_endpoints, ElementsAre("http://a:2379", "http://b:2379"));
  EXPECT_EQ(config->etcd_prefix, "/teams/x");
  EXPECT_EQ(config->etcd_ca_file, "/ca.pem");
  EXPECT_EQ(config->etcd_cert_file, "/c.pem");
}

TEST(LockConfigTest, EnvironmentOverridesYamlAndFlagsOverrideBoth) {
  const Json yaml =
      Json::parse(R"({"backend":"etcd","ttl":30,"etcd":{"endpoints":["http://yaml:2379"]}})");
  auto config = ResolveLockConfig(
      yaml, {}, Env({{"KEYWARD_LOCK_ETCD_ENDPOINTS", "http://e1:2379, http://e2:2379"}}));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->ttl, std::chrono::seconds(30));
  EXPECT_THAT(config->etcd_endpoints, ElementsAre("http://e1:2379", "http://e2:2379"));

  LockOverrides flags;
  flags.etcd_endpoints = "http://flag:2379";
  flags.ttl = "2s";
  config = ResolveLockConfig(
      yaml, flags,
      Env({{"KEYWARD_LOCK_ETCD_ENDPOINTS", "http://e1:2379"}, {"KEYWARD_LOCK_TTL", "9s"}}));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->ttl, std::chrono::seconds(2));
  EXPECT_THAT(config->etcd_endpoints, ElementsAre("http://flag:2379"));

  // The backend too: a flag turns a yaml etcd lock into the local one.
  flags.backend = "local";
  config = ResolveLockConfig(yaml, flags, Env({}));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->backend, LockBackendKind::kLocal);
}

TEST(LockConfigTest, AzureBlob) {
  auto config = ResolveLockConfig(Json::parse(R"({"backend":"azureblob","azureblob":{
        "accountUrl":"https://acct.blob.core.windows.net/","container":"locks"}})"),
                                  {}, Env({}));
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->backend, LockBackendKind::kAzureBlob);
  EXPECT_EQ(config->blob_account_url, "https://acct.blob.core.windows.net");
  EXPECT_EQ(config->blob_container, "locks");
  EXPECT_EQ(config->blob_name, "");
}

TEST(LockConfigTest, ErrorsNameWhereTheBadValueCameFrom) {
  auto config = ResolveLockConfig(nullptr, {}, Env({{"KEYWARD_LOCK_BACKEND", "zookeeper"}}));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(config.error().message, HasSubstr("KEYWARD_LOCK_BACKEND"));
  EXPECT_THAT(config.error().message, HasSubstr("zookeeper"));

  LockOverrides flags;
  flags.backend = "etcd";
  config = ResolveLockConfig(nullptr, flags, Env({}));
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("--lock-backend"));
  EXPECT_THAT(config.error().message, HasSubstr("needs endpoints"));

  flags.ttl = "0.5s";
  config = ResolveLockConfig(nullptr, flags, Env({{"KEYWARD_LOCK_ETCD_ENDPOINTS", "http://a:1"}}));
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("--lock-ttl"));

  config = ResolveLockConfig(Json::parse(R"({"backend":"azureblob"})"), {}, Env({}));
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("keyward.yaml lock"));
  EXPECT_THAT(config.error().message, HasSubstr("container"));

  config = ResolveLockConfig(
      nullptr, {},
      Env({{"KEYWARD_LOCK_BACKEND", "etcd"}, {"KEYWARD_LOCK_ETCD_ENDPOINTS", "etcd-0:2379"}}));
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("must start with http:// or https://"));
}

TEST(LockConfigTest, TheDaemonChecksFlagsAndEnvironmentBeforeReadingAnyKeywardYaml) {
  LockOverrides flags;
  flags.backend = "etcd";  // endpoints may still come from keyward.yaml: not an error yet
  EXPECT_TRUE(CheckLockOverrides(flags, Env({})));
  flags.ttl = "soon";
  auto bad = CheckLockOverrides(flags, Env({}));
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("--lock-ttl"));
  EXPECT_FALSE(CheckLockOverrides({}, Env({{"KEYWARD_LOCK_BACKEND", "consul"}})));
  EXPECT_FALSE(CheckLockOverrides({}, Env({{"KEYWARD_LOCK_ETCD_ENDPOINTS", "etcd:2379"}})));
}

TEST(LockConfigTest, JsonViewHasNoCredentialsAndNamesTheBackend) {
  LockConfig config;
  config.backend = LockBackendKind::kEtcd;
  config.etcd_endpoints = {"https://e:2379"};
  config.etcd_key_file = "/secret/key.pem";
  const Json json = LockConfigToJson(config);
  EXPECT_EQ(json["backend"], "etcd");
  EXPECT_EQ(json["ttl"], "15s");
  EXPECT_FALSE(json["etcd"].contains("keyFile"));
}

}  // namespace
}  // namespace keyward::engine
