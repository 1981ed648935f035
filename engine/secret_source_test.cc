#include "engine/secret_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/manifest_loader.h"
#include "engine/manifest_test_util.h"

namespace keyward::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCanary[] = "canary-Vx9!value-must-never-leak";
constexpr char kKey[] = "fingerprint-key-for-tests";

DesiredResource SecretAt(const std::string& name, Json value_from,
                         const std::string& file = "manifests/payments/secrets.yaml") {
  DesiredResource r;
  r.kind = kSecretKind;
  r.name = name;
  r.address = "Secret/payments-kv/" + name;
  r.spec = {{"vault", "payments-kv"}, {"valueFrom", std::move(value_from)}};
  r.location = {file, 3, 1};
  r.field_locations["spec.valueFrom"] = {file, 9, 14};
  return r;
}

std::string AllMessages(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics.items()) out += d.ToString() + "\n";
  return out;
}

TEST(SecretSourceTest, HmacMatchesRfc4231TestCases1And2) {
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SecretSourceTest, KeyIdIsShortStableAndDiffersPerKey) {
  const std::string id = FingerprintKeyId(kKey);
  EXPECT_EQ(id.size(), 8u);
  EXPECT_EQ(id, FingerprintKeyId(kKey));
  EXPECT_NE(id, FingerprintKeyId("another-key"));
  EXPECT_THAT(id, Not(HasSubstr("fingerprint")));
}

TEST(SecretSourceTest, FingerprintIsKeyIdColonHmacOfTheValue) {
  const std::string fp = ValueFingerprint(kKey, kCanary);
  EXPECT_EQ(fp, FingerprintKeyId(kKey) + ":" + HmacSha256Hex(kKey, kCanary));
  EXPECT_EQ(KeyIdOf(fp), FingerprintKeyId(kKey));
  EXPECT_EQ(KeyIdOf("malformed"), "");
  EXPECT_THAT(fp, Not(HasSubstr(kCanary)));
}

TEST(SecretSourceTest, ReadsFromEnvironment) {
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("DB_PASSWORD", kCanary);
  auto value = ReadSecretValue(Json{{"env", "DB_PASSWORD"}}, "m", files, env);
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->reveal(), kCanary);
}

TEST(SecretSourceTest, ReadsFileRelativeToTheManifestDirectoryAndAbsolutePathsAsGiven) {
  FakeFileReader files;
  FakeEnvironment env;
  files.AddFile("manifests/payments/values/db.txt", "from-file\n");
  files.AddFile("/etc/keyward/api.txt", "absolute");
  DesiredResource relative = SecretAt("db", Json{{"file", "values/db.txt"}});
  auto value = ReadSecretValueOf(relative, files, env);
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->reveal(), "from-file\n") << "bytes are kept exactly, newline included";

  DesiredResource absolute = SecretAt("api", Json{{"file", "/etc/keyward/api.txt"}});
  auto abs_value = ReadSecretValueOf(absolute, files, env);
  ASSERT_TRUE(abs_value) << abs_value.error().message;
  EXPECT_EQ(abs_value->reveal(), "absolute");

  DesiredResource top = SecretAt("top", Json{{"file", "v.txt"}}, "secrets.yaml");
  files.AddFile("v.txt", "x");
  EXPECT_TRUE(ReadSecretValueOf(top, files, env));
}

TEST(SecretSourceTest, MissingEnvVariableIsAnErrorAtValueFromNamingSecretAndVariable) {
  DesiredSet set;
  set.resources.push_back(SecretAt("db-password", Json{{"env", "PAYMENTS_DB_PASSWORD"}}));
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("OTHER", kCanary);
  Diagnostics d = ResolveSecretFingerprints(set, kKey, files, env);
  ASSERT_TRUE(d.HasErrors());
  const std::string text = AllMessages(d);
  EXPECT_THAT(text, HasSubstr("manifests/payments/secrets.yaml:9:14"));
  EXPECT_THAT(text, HasSubstr("Secret/payments-kv/db-password"));
  EXPECT_THAT(text, HasSubstr("environment variable PAYMENTS_DB_PASSWORD is not set"));
  EXPECT_THAT(text, Not(HasSubstr(kCanary)));
  EXPECT_EQ(set.resources[0].value_fingerprint, "");
}

TEST(SecretSourceTest, EmptyEnvVariableAndEmptyFileAreErrors) {
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("EMPTY", "");
  files.AddFile("m/empty.txt", "");
  auto from_env = ReadSecretValue(Json{{"env", "EMPTY"}}, "m", files, env);
  ASSERT_FALSE(from_env);
  EXPECT_THAT(from_env.error().message, HasSubstr("EMPTY is empty"));
  auto from_file = ReadSecretValue(Json{{"file", "empty.txt"}}, "m", files, env);
  ASSERT_FALSE(from_file);
  EXPECT_THAT(from_file.error().message, HasSubstr("m/empty.txt is empty"));
}

TEST(SecretSourceTest, MissingOrUnreadableFileIsAnErrorNamingThePathNotTheValue) {
  DesiredSet set;
  set.resources.push_back(SecretAt("missing", Json{{"file", "nope.txt"}}));
  set.resources.push_back(SecretAt("locked", Json{{"file", "locked.txt"}}));
  FakeFileReader files;
  files.AddFile("manifests/payments/locked.txt", kCanary);
  files.MakeUnreadable("manifests/payments/locked.txt");
  FakeEnvironment env;
  Diagnostics d = ResolveSecretFingerprints(set, kKey, files, env);
  ASSERT_EQ(d.items().size(), 2u) << AllMessages(d);
  const std::string text = AllMessages(d);
  EXPECT_THAT(text, HasSubstr("Secret/payments-kv/missing: cannot read the secret value: file "
                              "manifests/payments/nope.txt cannot be read"));
  EXPECT_THAT(text, HasSubstr("Secret/payments-kv/locked"));
  EXPECT_THAT(text, HasSubstr("manifests/payments/locked.txt"));
  EXPECT_THAT(text, Not(HasSubstr(kCanary)));
}

TEST(SecretSourceTest, ResolveFillsFingerprintsOnlyForSecretsThatArePlanned) {
  DesiredSet set;
  set.resources.push_back(SecretAt("db", Json{{"env", "DB"}}));
  DesiredResource skipped = SecretAt("skipped", Json{{"env", "UNSET"}});
  skipped.policy = ReconcilePolicy::kSkip;
  set.resources.push_back(skipped);
  DesiredResource vault;
  vault.kind = "Vault";
  vault.address = "Vault/payments-kv";
  set.resources.push_back(vault);
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("DB", kCanary);
  Diagnostics d = ResolveSecretFingerprints(set, kKey, files, env);
  EXPECT_FALSE(d.HasErrors()) << AllMessages(d);
  EXPECT_EQ(set.resources[0].value_fingerprint, ValueFingerprint(kKey, kCanary));
  EXPECT_EQ(set.resources[1].value_fingerprint, "");
  EXPECT_EQ(set.resources[2].value_fingerprint, "");
}

TEST(SecretSourceTest, KeyComesFromTheConfiguredVariableAndMustBeSetAndNonEmpty) {
  DesiredSet set;
  set.config.location = {"m/keyward.yaml", 1, 1};
  set.resources.push_back(SecretAt("db", Json{{"env", "DB"}}));
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("DB", kCanary);

  Diagnostics missing = ResolveSecretFingerprints(set, files, env);
  ASSERT_TRUE(missing.HasErrors());
  EXPECT_THAT(AllMessages(missing), HasSubstr("m/keyward.yaml:1:1"));
  EXPECT_THAT(AllMessages(missing), HasSubstr("KEYWARD_FINGERPRINT_KEY"));

  set.config.fingerprint_key_env = "MY_KEY";
  env.Set("MY_KEY", "");
  Diagnostics empty = ResolveSecretFingerprints(set, files, env);
  ASSERT_TRUE(empty.HasErrors());
  EXPECT_THAT(AllMessages(empty), HasSubstr("MY_KEY (the secret fingerprint key) is empty"));

  env.Set("MY_KEY", kKey);
  Diagnostics ok = ResolveSecretFingerprints(set, files, env);
  EXPECT_FALSE(ok.HasErrors()) << AllMessages(ok);
  EXPECT_EQ(set.resources[0].value_fingerprint, ValueFingerprint(kKey, kCanary));
  EXPECT_THAT(AllMessages(missing) + AllMessages(empty), Not(HasSubstr(kCanary)));
}

TEST(SecretSourceTest, UnsetExportPlaceholderIsLeftUnresolvedWithoutErrorOrKey) {
  DesiredSet set;
  set.resources.push_back(SecretAt("db", Json{{"env", "DB"}, {"placeholder", true}}));
  FakeFileReader files;
  FakeEnvironment env;
  // Neither the placeholder variable nor the fingerprint key is set: the Secret handler plans the
  // secret `blocked`, and nothing else needs a key.
  Diagnostics unset = ResolveSecretFingerprints(set, files, env);
  EXPECT_TRUE(unset.empty()) << AllMessages(unset);
  EXPECT_EQ(set.resources[0].value_fingerprint, "");

  // Once set, a placeholder is an ordinary env source.
  env.Set("DB", kCanary);
  env.Set(kDefaultFingerprintKeyEnv, kKey);
  Diagnostics set_now = ResolveSecretFingerprints(set, files, env);
  EXPECT_FALSE(set_now.HasErrors()) << AllMessages(set_now);
  EXPECT_EQ(set.resources[0].value_fingerprint, ValueFingerprint(kKey, kCanary));
}

TEST(SecretSourceTest, UnsetVariableWithoutPlaceholderIsStillAnError) {
  DesiredSet set;
  set.resources.push_back(SecretAt("db", Json{{"env", "DB"}, {"placeholder", false}}));
  FakeFileReader files;
  FakeEnvironment env;
  EXPECT_TRUE(ResolveSecretFingerprints(set, kKey, files, env).HasErrors());
}

TEST(SecretSourceTest, NoKeyIsNeededWithoutSecrets) {
  DesiredSet set;
  DesiredResource vault;
  vault.kind = "Vault";
  set.resources.push_back(vault);
  FakeFileReader files;
  FakeEnvironment env;
  EXPECT_TRUE(ResolveSecretFingerprints(set, files, env).empty());
}

TEST(SecretSourceTest, MalformedValueFromIsAnError) {
  FakeFileReader files;
  FakeEnvironment env;
  EXPECT_FALSE(ReadSecretValue(Json(), "m", files, env));
  EXPECT_FALSE(ReadSecretValue(Json{{"env", "A"}, {"file", "b"}}, "m", files, env));
  EXPECT_FALSE(ReadSecretValue(Json::object(), "m", files, env));
  EXPECT_FALSE(ReadSecretValue(Json{{"env", 3}}, "m", files, env));
}

TEST(SecretSourceTest, MovedFromSecretValueIsEmpty) {
  SecretValue a{std::string(kCanary)};
  SecretValue b(std::move(a));
  EXPECT_EQ(b.reveal(), kCanary);
  EXPECT_EQ(a.reveal(), "");  // NOLINT(bugprone-use-after-move): the point of the test
}

TEST(SecretSourceTest, LoadedManifestsResolveWithKeywardYamlSecretsSettingsAndLocations) {
  FakeFileReader files;
  files.AddFile("m/keyward.yaml", std::string(manifest_testing::kStackConfig) +
                                      "secrets:\n  fingerprintKeyEnv: STACK_KEY\n"
                                      "  onPrune: disable\n");
  files.AddFile("m/vault.yaml", manifest_testing::MinimalVault("orders-kv"));
  files.AddFile("m/s.yaml",
                "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: db\n"
                "spec:\n  vault: orders-kv\n  valueFrom:\n    file: values/db.txt\n"
                "---\n"
                "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: api\n"
                "spec:\n  vault: orders-kv\n  valueFrom:\n    env: API_TOKEN\n");
  files.AddFile("m/values/db.txt", kCanary);
  HandlerRegistry registry = manifest_testing::MakeRegistry();
  LoadResult loaded = LoadManifests({"m"}, files, registry);
  ASSERT_FALSE(loaded.diagnostics.HasErrors()) << AllMessages(loaded.diagnostics);
  EXPECT_EQ(loaded.set.config.fingerprint_key_env, "STACK_KEY");
  EXPECT_TRUE(loaded.set.config.disable_pruned_secrets);

  FakeEnvironment env;
  env.Set("STACK_KEY", kKey);
  Diagnostics d = ResolveSecretFingerprints(loaded.set, files, env);
  ASSERT_EQ(d.items().size(), 1u) << AllMessages(d);
  EXPECT_EQ(d.items()[0].location.ToString(), "m/s.yaml:17:10");
  EXPECT_THAT(d.items()[0].message, HasSubstr("API_TOKEN is not set"));
  const DesiredResource* db = loaded.set.Find("Secret/orders-kv/db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->value_fingerprint, ValueFingerprint(kKey, kCanary));
}

TEST(SecretSourceTest, UnknownOnPruneValueIsASchemaError) {
  FakeFileReader files;
  files.AddFile("m/keyward.yaml",
                std::string(manifest_testing::kStackConfig) + "secrets:\n  onPrune: delete\n");
  HandlerRegistry registry = manifest_testing::MakeRegistry();
  LoadResult loaded = LoadManifests({"m"}, files, registry);
  ASSERT_TRUE(loaded.diagnostics.HasErrors());
  EXPECT_THAT(AllMessages(loaded.diagnostics), HasSubstr("m/keyward.yaml:13:"));
  EXPECT_FALSE(loaded.set.config.disable_pruned_secrets);
}

}  // namespace
}  // namespace keyward::engine
