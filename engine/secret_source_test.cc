#include "engine/secret_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/manifest_loader.h"
#include "engine/manifest_test_util.h"
#include "engine/scratch_dir_test_util.h"
#include "engine/scrubber.h"
#include "tests/support/canary_secrets.h"

namespace keyward::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

// Relative paths start at "m", which is also the manifest set's root.
SecretSourceScope InM() {
  SecretSourceScope scope;
  scope.manifest_dir = "m";
  scope.root = "m";
  return scope;
}

// The message of reading `value_from` in InM(), a read that must fail.
std::string ReadErrorInM(const Json& value_from, FileReader& files, const Environment& env) {
  auto value = ReadSecretValue(value_from, InM(), files, env);
  EXPECT_FALSE(value) << value_from.dump() << " was read";
  return value ? std::string() : value.error().message;
}

// keyward.yaml's secrets.sources.allowedDirectories, the operator's way out of the manifest root.
StackConfig AllowingDirectories(std::vector<std::string> directories) {
  StackConfig config;
  config.secret_sources.allowed_directories = std::move(directories);
  return config;
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
  const std::string id = FingerprintKeyId(canary::kFingerprintKey);
  EXPECT_EQ(id.size(), 8u);
  EXPECT_EQ(id, FingerprintKeyId(canary::kFingerprintKey));
  EXPECT_NE(id, FingerprintKeyId("another-key"));
  EXPECT_THAT(id, Not(HasSubstr("fingerprint")));
}

TEST(SecretSourceTest, FingerprintIsKeyIdColonHmacOfTheValue) {
  const std::string fp = ValueFingerprint(canary::kFingerprintKey, canary::kSecretValue);
  EXPECT_EQ(fp, FingerprintKeyId(canary::kFingerprintKey) + ":" +
                    HmacSha256Hex(canary::kFingerprintKey, canary::kSecretValue));
  EXPECT_EQ(KeyIdOf(fp), FingerprintKeyId(canary::kFingerprintKey));
  EXPECT_EQ(KeyIdOf("malformed"), "");
  EXPECT_THAT(fp, Not(HasSubstr(canary::kSecretValue)));
}

TEST(SecretSourceTest, ReadsFromEnvironment) {
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("DB_PASSWORD", canary::kSecretValue);
  auto value = ReadSecretValue(Json{{"env", "DB_PASSWORD"}}, InM(), files, env);
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->reveal(), canary::kSecretValue);
}

TEST(SecretSourceTest, ReadsFileRelativeToTheManifestDirectoryInsideTheRoot) {
  FakeFileReader files;
  FakeEnvironment env;
  const StackConfig config;
  files.AddFile("manifests/payments/values/db.txt", "from-file\n");
  DesiredResource relative = SecretAt("db", Json{{"file", "values/db.txt"}});
  relative.manifest_root = "manifests";
  auto value = ReadSecretValueOf(relative, config, files, env);
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->reveal(), "from-file\n") << "bytes are kept exactly, newline included";

  // Up and over to a sibling directory, still inside the root.
  files.AddFile("manifests/common/api.txt", "common");
  DesiredResource sibling = SecretAt("api", Json{{"file", "../common/api.txt"}});
  sibling.manifest_root = "manifests";
  auto common = ReadSecretValueOf(sibling, config, files, env);
  ASSERT_TRUE(common) << common.error().message;
  EXPECT_EQ(common->reveal(), "common");

  // Without a recorded root, the manifest's own directory is the root.
  DesiredResource top = SecretAt("top", Json{{"file", "v.txt"}}, "secrets.yaml");
  files.AddFile("v.txt", "x");
  EXPECT_TRUE(ReadSecretValueOf(top, config, files, env));
}

TEST(SecretSourceTest, FilesOutsideTheRootAreRefusedWhateverThePathSays) {
  FakeFileReader files;
  FakeEnvironment env;
  const StackConfig config;
  files.AddFile("/etc/shadow", canary::kSecretValue);
  files.AddFile("manifests/other-stack/db.txt", canary::kSecretValue);
  for (const char* path : {"../../etc/shadow", "/etc/shadow", "../../../../../../etc/shadow",
                           "values/../../other-stack/db.txt"}) {
    DesiredResource secret = SecretAt("db", Json{{"file", path}});
    secret.manifest_root = "manifests/payments";
    auto value = ReadSecretValueOf(secret, config, files, env);
    ASSERT_FALSE(value) << path;
    EXPECT_EQ(value.error().code, ErrorCode::kPermissionDenied) << path;
    EXPECT_THAT(value.error().message,
                HasSubstr("outside the manifest set's root /fake/manifests/payments"))
        << path;
    EXPECT_THAT(value.error().message, HasSubstr("secrets.sources.allowedDirectories")) << path;
    EXPECT_THAT(value.error().message, Not(HasSubstr(canary::kSecretValue)));
  }
  EXPECT_EQ(files.reads(), 0) << "nothing outside the root was read";
}

TEST(SecretSourceTest, ProcSysAndDevAreNeverReadEvenWhenAllowed) {
  FakeFileReader files;
  FakeEnvironment env;
  const StackConfig config = AllowingDirectories({"/"});
  files.AddFile("/proc/self/environ", "AZURE_CLIENT_SECRET=leak");
  for (const char* path : {"/proc/self/environ", "/sys/kernel/x", "/dev/zero"}) {
    DesiredResource secret = SecretAt("db", Json{{"file", path}});
    auto value = ReadSecretValueOf(secret, config, files, env);
    ASSERT_FALSE(value) << path;
    EXPECT_THAT(value.error().message,
                HasSubstr("never reads secret values from /proc, /sys or /dev"));
  }
  EXPECT_EQ(files.reads(), 0);
}

TEST(SecretSourceTest, AllowedDirectoriesOpenTheWayOutWithinTheOperatorsCeiling) {
  FakeFileReader files;
  FakeEnvironment env;
  const StackConfig config = AllowingDirectories({"/var/run/secrets/keyward"});
  files.AddFile("/var/run/secrets/keyward/db", "mounted");
  files.AddFile("/var/run/secrets/other/db", canary::kSecretValue);
  DesiredResource mounted = SecretAt("db", Json{{"file", "/var/run/secrets/keyward/db"}});
  auto value = ReadSecretValueOf(mounted, config, files, env);
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->reveal(), "mounted");
  EXPECT_FALSE(ReadSecretValueOf(SecretAt("o", Json{{"file", "/var/run/secrets/other/db"}}), config,
                                 files, env));

  // The operator's KEYWARD_SECRET_DIRS bounds what keyward.yaml (written by manifest authors)
  // may open.
  env.Set(kSecretDirsEnv, "/var/run/secrets/keyward:/mnt/keys");
  EXPECT_TRUE(ReadSecretValueOf(mounted, config, files, env));
  env.Set(kSecretDirsEnv, "/mnt/keys");
  auto capped = ReadSecretValueOf(mounted, config, files, env);
  ASSERT_FALSE(capped);
  EXPECT_THAT(capped.error().message, HasSubstr("KEYWARD_SECRET_DIRS (/mnt/keys) does not allow"));
}

TEST(SecretSourceTest, SpecialAndOversizedFilesAreRefusedBeforeReading) {
  FakeFileReader files;
  FakeEnvironment env;
  files.AddSpecialFile("m/fifo");
  files.AddFile("m/big.txt", std::string(kMaxSecretValueBytes + 1, 'x'));
  files.AddFile("m/max.txt", std::string(kMaxSecretValueBytes, 'x'));
  EXPECT_THAT(ReadErrorInM(Json{{"file", "fifo"}}, files, env),
              HasSubstr("m/fifo is not a regular file"));
  EXPECT_THAT(ReadErrorInM(Json{{"file", "big.txt"}}, files, env),
              HasSubstr("larger than 25600 bytes"));
  EXPECT_EQ(files.reads(), 0);
  EXPECT_TRUE(ReadSecretValue(Json{{"file", "max.txt"}}, InM(), files, env));

  env.Set("HUGE", std::string(kMaxSecretValueBytes + 1, 'x'));
  EXPECT_THAT(ReadErrorInM(Json{{"env", "HUGE"}}, files, env), HasSubstr("more than 25600 bytes"));
}

TEST(SecretSourceTest, KeywardsOwnCredentialsAndKeysAreNeverASource) {
  FakeFileReader files;
  FakeEnvironment env;
  StackConfig config;
  config.fingerprint_key_env = "STACK_FP_KEY";
  config.plan_signing_key_env = "STACK_PLAN_KEY";
  for (const char* name :
       {"AZURE_CLIENT_SECRET", "KEYWARD_FINGERPRINT_KEY", "KEYWARD_PLAN_KEY",
        "KEYWARD_WEBHOOK_SECRET", "IDENTITY_HEADER", "STACK_FP_KEY", "STACK_PLAN_KEY"}) {
    env.Set(name, canary::kSecretValue);
    auto value = ReadSecretValueOf(SecretAt("db", Json{{"env", name}}), config, files, env);
    ASSERT_FALSE(value) << name;
    EXPECT_THAT(value.error().message, HasSubstr("holds keyward's own credentials or keys"));
    EXPECT_THAT(value.error().message, Not(HasSubstr(canary::kSecretValue)));
  }
}

TEST(SecretSourceTest, EnvRestrictionsAllowOnlyTheListedPrefixesAndNames) {
  FakeFileReader files;
  FakeEnvironment env;
  StackConfig config;
  config.secret_sources.env_prefixes = {"PAYMENTS_"};
  config.secret_sources.env_names = {"SHARED_TOKEN"};
  for (const char* name : {"PAYMENTS_DB", "SHARED_TOKEN", "HOME"})
    env.Set(name, canary::kSecretValue);
  EXPECT_TRUE(ReadSecretValueOf(SecretAt("a", Json{{"env", "PAYMENTS_DB"}}), config, files, env));
  EXPECT_TRUE(ReadSecretValueOf(SecretAt("b", Json{{"env", "SHARED_TOKEN"}}), config, files, env));
  auto home = ReadSecretValueOf(SecretAt("c", Json{{"env", "HOME"}}), config, files, env);
  ASSERT_FALSE(home);
  EXPECT_THAT(home.error().message,
              HasSubstr("HOME is not allowed by keyward.yaml secrets.sources.env (PAYMENTS_*, "
                        "SHARED_TOKEN)"));
}

TEST(SecretSourceTest, CheckReportsViolationsAtValueFromWithoutReadingAnything) {
  DesiredSet set;
  set.resources.push_back(SecretAt("escape", Json{{"file", "../../../etc/shadow"}}));
  set.resources.back().manifest_root = "manifests/payments";
  set.resources.back().field_locations["spec.valueFrom.file"] = {"manifests/payments/secrets.yaml",
                                                                 10, 11};
  set.resources.push_back(SecretAt("not-yet-mounted", Json{{"file", "values/later.txt"}}));
  set.resources.push_back(SecretAt("client-secret", Json{{"env", "AZURE_CLIENT_SECRET"}}));
  FakeFileReader files;
  files.AddFile("/etc/shadow", canary::kSecretValue);
  FakeEnvironment env;
  Diagnostics d = CheckSecretSources(set, files, env);
  ASSERT_EQ(d.items().size(), 2u) << AllMessages(d);
  EXPECT_EQ(d.items()[0].location.ToString(), "manifests/payments/secrets.yaml:10:11");
  EXPECT_THAT(d.items()[0].message, HasSubstr("Secret/payments-kv/escape: file "));
  EXPECT_THAT(d.items()[1].message, HasSubstr("Secret/payments-kv/client-secret"));
  EXPECT_EQ(files.reads(), 0);
}

TEST(SecretSourceTest, ReadValuesAreRegisteredWithTheProcessScrubber) {
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("DB_PASSWORD", "registered-value-5c2a");
  files.AddFile("m/key.txt", "registered-file-value-77d1");
  ASSERT_TRUE(ReadSecretValue(Json{{"env", "DB_PASSWORD"}}, InM(), files, env));
  ASSERT_TRUE(ReadSecretValue(Json{{"file", "key.txt"}}, InM(), files, env));
  EXPECT_EQ(Scrubber::Process().Scrub("a registered-value-5c2a b registered-file-value-77d1"),
            "a (sensitive value) b (sensitive value)");
}

TEST(SecretSourceTest, MissingEnvVariableIsAnErrorAtValueFromNamingSecretAndVariable) {
  DesiredSet set;
  set.resources.push_back(SecretAt("db-password", Json{{"env", "PAYMENTS_DB_PASSWORD"}}));
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("OTHER", canary::kSecretValue);
  Diagnostics d = ResolveSecretFingerprints(set, canary::kFingerprintKey, files, env);
  ASSERT_TRUE(d.HasErrors());
  const std::string text = AllMessages(d);
  EXPECT_THAT(text, HasSubstr("manifests/payments/secrets.yaml:9:14"));
  EXPECT_THAT(text, HasSubstr("Secret/payments-kv/db-password"));
  EXPECT_THAT(text, HasSubstr("environment variable PAYMENTS_DB_PASSWORD is not set"));
  EXPECT_THAT(text, Not(HasSubstr(canary::kSecretValue)));
  EXPECT_EQ(set.resources[0].value_fingerprint, "");
}

TEST(SecretSourceTest, EmptyEnvVariableAndEmptyFileAreErrors) {
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("EMPTY", "");
  files.AddFile("m/empty.txt", "");
  EXPECT_THAT(ReadErrorInM(Json{{"env", "EMPTY"}}, files, env), HasSubstr("EMPTY is empty"));
  EXPECT_THAT(ReadErrorInM(Json{{"file", "empty.txt"}}, files, env),
              HasSubstr("m/empty.txt is empty"));
}

TEST(SecretSourceTest, MissingOrUnreadableFileIsAnErrorNamingThePathNotTheValue) {
  DesiredSet set;
  set.resources.push_back(SecretAt("missing", Json{{"file", "nope.txt"}}));
  set.resources.push_back(SecretAt("locked", Json{{"file", "locked.txt"}}));
  FakeFileReader files;
  files.AddFile("manifests/payments/locked.txt", canary::kSecretValue);
  files.MakeUnreadable("manifests/payments/locked.txt");
  FakeEnvironment env;
  Diagnostics d = ResolveSecretFingerprints(set, canary::kFingerprintKey, files, env);
  ASSERT_EQ(d.items().size(), 2u) << AllMessages(d);
  const std::string text = AllMessages(d);
  EXPECT_THAT(text, HasSubstr("Secret/payments-kv/missing: cannot read the secret value: file "
                              "manifests/payments/nope.txt cannot be read"));
  EXPECT_THAT(text, HasSubstr("Secret/payments-kv/locked"));
  EXPECT_THAT(text, HasSubstr("manifests/payments/locked.txt"));
  EXPECT_THAT(text, Not(HasSubstr(canary::kSecretValue)));
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
  env.Set("DB", canary::kSecretValue);
  Diagnostics d = ResolveSecretFingerprints(set, canary::kFingerprintKey, files, env);
  EXPECT_FALSE(d.HasErrors()) << AllMessages(d);
  EXPECT_EQ(set.resources[0].value_fingerprint,
            ValueFingerprint(canary::kFingerprintKey, canary::kSecretValue));
  EXPECT_EQ(set.resources[1].value_fingerprint, "");
  EXPECT_EQ(set.resources[2].value_fingerprint, "");
}

TEST(SecretSourceTest, KeyComesFromTheConfiguredVariableAndMustBeSetAndNonEmpty) {
  DesiredSet set;
  set.config.location = {"m/keyward.yaml", 1, 1};
  set.resources.push_back(SecretAt("db", Json{{"env", "DB"}}));
  FakeFileReader files;
  FakeEnvironment env;
  env.Set("DB", canary::kSecretValue);

  Diagnostics missing = ResolveSecretFingerprints(set, files, env);
  ASSERT_TRUE(missing.HasErrors());
  EXPECT_THAT(AllMessages(missing), HasSubstr("m/keyward.yaml:1:1"));
  EXPECT_THAT(AllMessages(missing), HasSubstr("KEYWARD_FINGERPRINT_KEY"));

  set.config.fingerprint_key_env = "MY_KEY";
  env.Set("MY_KEY", "");
  Diagnostics empty = ResolveSecretFingerprints(set, files, env);
  ASSERT_TRUE(empty.HasErrors());
  EXPECT_THAT(AllMessages(empty), HasSubstr("MY_KEY (the secret fingerprint key) is empty"));

  env.Set("MY_KEY", canary::kFingerprintKey);
  Diagnostics ok = ResolveSecretFingerprints(set, files, env);
  EXPECT_FALSE(ok.HasErrors()) << AllMessages(ok);
  EXPECT_EQ(set.resources[0].value_fingerprint,
            ValueFingerprint(canary::kFingerprintKey, canary::kSecretValue));
  EXPECT_THAT(AllMessages(missing) + AllMessages(empty), Not(HasSubstr(canary::kSecretValue)));
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
  env.Set("DB", canary::kSecretValue);
  env.Set(kDefaultFingerprintKeyEnv, canary::kFingerprintKey);
  Diagnostics set_now = ResolveSecretFingerprints(set, files, env);
  EXPECT_FALSE(set_now.HasErrors()) << AllMessages(set_now);
  EXPECT_EQ(set.resources[0].value_fingerprint,
            ValueFingerprint(canary::kFingerprintKey, canary::kSecretValue));
}

TEST(SecretSourceTest, UnsetVariableWithoutPlaceholderIsStillAnError) {
  DesiredSet set;
  set.resources.push_back(SecretAt("db", Json{{"env", "DB"}, {"placeholder", false}}));
  FakeFileReader files;
  FakeEnvironment env;
  EXPECT_TRUE(ResolveSecretFingerprints(set, canary::kFingerprintKey, files, env).HasErrors());
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
  EXPECT_FALSE(ReadSecretValue(Json(), InM(), files, env));
  EXPECT_FALSE(ReadSecretValue(Json{{"env", "A"}, {"file", "b"}}, InM(), files, env));
  EXPECT_FALSE(ReadSecretValue(Json::object(), InM(), files, env));
  EXPECT_FALSE(ReadSecretValue(Json{{"env", 3}}, InM(), files, env));
}

TEST(SecretSourceTest, MovedFromSecretValueIsEmpty) {
  SecretValue a{std::string(canary::kSecretValue)};
  SecretValue b(std::move(a));
  EXPECT_EQ(b.reveal(), canary::kSecretValue);
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
  files.AddFile("m/values/db.txt", canary::kSecretValue);
  HandlerRegistry registry = manifest_testing::MakeRegistry();
  LoadResult loaded = LoadManifests({"m"}, files, registry);
  ASSERT_FALSE(loaded.diagnostics.HasErrors()) << AllMessages(loaded.diagnostics);
  EXPECT_EQ(loaded.set.config.fingerprint_key_env, "STACK_KEY");
  EXPECT_TRUE(loaded.set.config.disable_pruned_secrets);

  FakeEnvironment env;
  env.Set("STACK_KEY", canary::kFingerprintKey);
  Diagnostics d = ResolveSecretFingerprints(loaded.set, files, env);
  ASSERT_EQ(d.items().size(), 1u) << AllMessages(d);
  EXPECT_EQ(d.items()[0].location.ToString(), "m/s.yaml:17:10");
  EXPECT_THAT(d.items()[0].message, HasSubstr("API_TOKEN is not set"));
  const DesiredResource* db = loaded.set.Find("Secret/orders-kv/db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->value_fingerprint, ValueFingerprint(canary::kFingerprintKey, canary::kSecretValue));
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

TEST(SecretSourceTest, OnDiskSymlinksOutOfTheRootAndHostFilesAreRefused) {
  namespace fs = std::filesystem;
  const ScratchDir scratch("keyward_secret_source_test");
  const fs::path& base = scratch.path();
  scratch.Write("outside/host-secret", canary::kSecretValue);
  scratch.Write("repo/secrets/ok.txt", "inside");
  fs::create_symlink(base / "outside/host-secret", base / "repo/secrets/link.txt");
  fs::create_symlink(base / "outside", base / "repo/secrets/dir-link");
  fs::create_symlink(base / "repo/secrets/ok.txt", base / "repo/secrets/inner-link.txt");
  RealFileReader files;
  FakeEnvironment env;
  const StackConfig config;
  auto secret = [&](const char* path) {
    DesiredResource r = SecretAt("db", Json{{"file", path}}, (base / "repo/s.yaml").string());
    r.manifest_root = (base / "repo").string();
    return ReadSecretValueOf(r, config, files, env);
  };
  EXPECT_EQ(secret("secrets/ok.txt")->reveal(), "inside");
  EXPECT_EQ(secret("secrets/inner-link.txt")->reveal(), "inside") << "a link inside the root";
  for (const char* path :
       {"secrets/link.txt", "secrets/dir-link/host-secret", "../outside/host-secret",
        "/proc/self/environ", "../../../../../../../etc/shadow"}) {
    auto value = secret(path);
    ASSERT_FALSE(value) << path;
    EXPECT_EQ(value.error().code, ErrorCode::kPermissionDenied) << path;
    EXPECT_THAT(value.error().message, Not(HasSubstr(canary::kSecretValue)));
  }
}

}  // namespace
}  // namespace keyward::engine
