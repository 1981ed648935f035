// Security regressions (docs/security.md), one scenario per finding, with the real keyward binary
// against the real emulator: a saved plan is a commitment rather than an instruction, the stack
// lock comes before live state is read, secret sources stay inside the manifests, credentials in
// git URLs never reach output, the webhook refuses before it reads, core dumps are off, and a CA
// file without a certificate is an error. Leaks of secret values are secret_canary_test.cc's.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/e2e/daemon_test_util.h"
#include "tests/e2e/e2e_test_util.h"
#include "tests/support/https.h"
#include "tests/support/sanitizers.h"

namespace keyward::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kVaultPath = VaultApiPath("rg-sec", "sec-kv-01");
constexpr char kPlanKey[] = "plan-signing-key-for-the-security-test";
constexpr char kVaultYaml[] =
    "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: sec-kv-01\n"
    "spec:\n  sku: { family: A, name: standard }\n  publicNetworkAccess: Disabled\n"
    "  tags: { team: security }\n";
constexpr char kPolicyYaml[] =
    "apiVersion: keyward.dev/v1alpha1\nkind: AccessPolicy\nmetadata:\n  name: app\n"
    "spec:\n  vault: sec-kv-01\n  objectId: 3f2b6c1d-8e4a-4b7c-9d0e-1a2b3c4d5e6f\n"
    "  permissions:\n    secrets: [get]\n";

// What someone with write access to a CI artifact would do to a saved plan: grant every secret
// permission wherever the plan mentions secret permissions, keep everything else (the manifest
// digest included).
void GrantAllSecretPermissions(nlohmann::json& node) {
  const nlohmann::json all = {"get", "list", "set", "delete", "purge"};
  if (node.is_object()) {
    for (auto& [key, child] : node.items()) {
      if (key == "secrets" && child.is_array()) {
        child = all;
      } else {
        GrantAllSecretPermissions(child);
      }
    }
    if (node.contains("path") && node["path"].is_string() && node.contains("after") &&
        node["path"].get<std::string>().find("secrets") != std::string::npos)
      node["after"] = all;
  } else if (node.is_array()) {
    for (auto& child : node) GrantAllSecretPermissions(child);
  }
}

class SecurityTest : public KeywardE2eTest {
 protected:
  SecurityTest() : KeywardE2eTest("keyward-security", 0.1) {}
  void SetUpTest() override {
    std::filesystem::create_directories(dir_ / "state");
    WriteStack("manifests/", "sec", "rg-sec");
    Write("manifests/vault.yaml", kVaultYaml);
  }
  std::string Manifests() const { return (dir_ / "manifests").string(); }
  std::string PlanFile() const { return (dir_ / "reviewed.kwplan").string(); }
  std::string State() const { return (dir_ / "state").string(); }

  std::map<std::string, std::string> Env(std::map<std::string, std::string> extra = {}) {
    auto env = KeywardEnv(*emulator_, State());
    for (auto& [name, value] : extra) env[name] = value;
    return env;
  }
  CommandResult Keyward(std::vector<std::string> args,
                        std::map<std::string, std::string> extra = {}) {
    args.insert(args.begin(), BinaryPath("keyward"));
    return RunCommand(args, Env(std::move(extra)));
  }
  // Holds the stack's lock as another writer would (the lock is an flock on this file).
  int HoldStackLock() {
    const int fd = ::open((dir_ / "state/sec.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::flock(fd, LOCK_EX), 0);
    const std::string holder = "pid 1 (the security test)\n";
    EXPECT_EQ(::write(fd, holder.data(), holder.size()), static_cast<ssize_t>(holder.size()));
    return fd;
  }
  // A keyward process left running (e.g. waiting for the lock); each gets its own log file.
  std::unique_ptr<DaemonProcess> Background(std::vector<std::string> args,
                                            std::map<std::string, std::string> extra = {}) {
    const std::string log = "background-" + std::to_string(++background_) + ".log";
    return std::make_unique<DaemonProcess>(std::move(args), Env(std::move(extra)),
                                           (dir_ / log).string());
  }
  nlohmann::json SavedPlan() { return nlohmann::json::parse(ReadFile(PlanFile())); }
  void WriteTamperedPlan() {
    nlohmann::json doc = SavedPlan();
    const std::string digest = doc["manifest_digest"];
    GrantAllSecretPermissions(doc);
    ASSERT_EQ(doc["manifest_digest"], digest);
    ASSERT_NE(doc.dump().find("purge"), std::string::npos);
    Write("reviewed.kwplan", doc.dump(1));
  }

  int background_ = 0;
};

// Finding 1: a saved plan edited to grant purge / delete / set on secrets was applied.
TEST_F(SecurityTest, AnEditedUnsignedPlanIsNeverApplied) {
  Write("manifests/policy.yaml", kPolicyYaml);
  auto plan = Keyward({"plan", Manifests(), "--out", PlanFile()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.err, HasSubstr("unsigned (KEYWARD_PLAN_KEY is not set)"));
  WriteTamperedPlan();

  // With the manifests: the re-plan does not grant purge, so the file is not what would run.
  auto with_paths = Keyward({"apply", PlanFile(), Manifests()});
  EXPECT_EQ(with_paths.exit_code, 1) << with_paths.out << with_paths.err;
  EXPECT_THAT(with_paths.err,
              HasSubstr("plan is stale: AccessPolicy/sec-kv-01/app would now be planned with "
                        "other values (permissions.secrets"));
  EXPECT_THAT(with_paths.err, HasSubstr("nothing was written"));

  // Without them, an unsigned file is refused, saying how to go on.
  auto alone = Keyward({"apply", PlanFile()});
  EXPECT_EQ(alone.exit_code, 1) << alone.out << alone.err;
  EXPECT_THAT(alone.err, HasSubstr("is applied without manifest paths only when its signature "
                                   "verifies, and KEYWARD_PLAN_KEY (the plan-signing key) is not "
                                   "set"));
  EXPECT_THAT(alone.err, HasSubstr("keyward apply " + PlanFile() + " PATHS..."));
  EXPECT_EQ(Arm("GET", kVaultPath).status, 404) << "nothing was written";

  // The untouched manifests still apply through a fresh plan.
  ASSERT_EQ(Keyward({"plan", Manifests(), "--out", PlanFile()}).exit_code, 0);
  auto honest = Keyward({"apply", PlanFile(), Manifests()});
  ASSERT_EQ(honest.exit_code, 0) << honest.out << honest.err;
  auto live = Arm("GET", kVaultPath).Json();
  ASSERT_EQ(live["properties"]["accessPolicies"].size(), 1u) << live.dump();
  EXPECT_EQ(live["properties"]["accessPolicies"][0]["permissions"]["secrets"],
            nlohmann::json::array({"get"}));
}

TEST_F(SecurityTest, ASignedPlanIsAppliedAloneAndAnyEditOrOtherKeyIsRefused) {
  Write("manifests/policy.yaml", kPolicyYaml);
  const std::map<std::string, std::string> key = {{"KEYWARD_PLAN_KEY", kPlanKey}};
  auto plan = Keyward({"plan", Manifests(), "--out", PlanFile()}, key);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.err, HasSubstr("signed with the key in KEYWARD_PLAN_KEY (key id "));
  const std::string signed_text = ReadFile(PlanFile());
  EXPECT_EQ(signed_text.find(kPlanKey), std::string::npos);

  WriteTamperedPlan();
  auto edited = Keyward({"apply", PlanFile()}, key);
  EXPECT_EQ(edited.exit_code, 1) << edited.out << edited.err;
  EXPECT_THAT(edited.err, HasSubstr("signature does not match its contents"));
  EXPECT_THAT(edited.out + edited.err, Not(HasSubstr(kPlanKey)));

  Write("reviewed.kwplan", signed_text);
  auto other_key = Keyward({"apply", PlanFile()}, {{"KEYWARD_PLAN_KEY", "some-other-key"}});
  EXPECT_EQ(other_key.exit_code, 1);
  EXPECT_THAT(other_key.err, HasSubstr("signed with another key"));
  EXPECT_EQ(Arm("GET", kVaultPath).status, 404) << "nothing was written";

  // keyward.yaml may name another variable; apply is told which one it trusts.
  Write("manifests/keyward.yaml",
        ReadFile(dir_ / "manifests/keyward.yaml") + "plans:\n  signingKeyEnv: SEC_PLAN_KEY\n");
  ASSERT_EQ(
      Keyward({"plan", Manifests(), "--out", PlanFile()}, {{"SEC_PLAN_KEY", kPlanKey}}).exit_code,
      0);
  auto unnamed = Keyward({"apply", PlanFile()}, {{"SEC_PLAN_KEY", kPlanKey}});
  EXPECT_EQ(unnamed.exit_code, 1);
  EXPECT_THAT(unnamed.err, HasSubstr("KEYWARD_PLAN_KEY (the plan-signing key) is not set"));
  auto apply = Keyward({"apply", PlanFile(), "--plan-key-env", "SEC_PLAN_KEY"},
                       {{"SEC_PLAN_KEY", kPlanKey}});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("Apply complete!"));
  EXPECT_EQ(
      Arm("GET", kVaultPath).Json()["properties"]["accessPolicies"][0]["permissions"]["secrets"],
      nlohmann::json::array({"get"}));
}

// Finding 2: the stale check ran before the stack lock, so a change made while apply waited for
// the lock was overwritten.
TEST_F(SecurityTest, AChangeMadeWhileApplyWaitsForTheLockMakesThePlanStale) {
  ASSERT_EQ(Keyward({"apply", Manifests(), "--auto-approve"}).exit_code, 0);
  std::string retagged = kVaultYaml;
  retagged.replace(retagged.find("team: security"), 14, "team: platform");
  Write("manifests/vault.yaml", retagged);
  ASSERT_EQ(Keyward({"plan", Manifests(), "--out", PlanFile()}, {{"KEYWARD_PLAN_KEY", kPlanKey}})
                .exit_code,
            0);

  const int lock = HoldStackLock();
  auto apply = Background({"apply", PlanFile()}, {{"KEYWARD_PLAN_KEY", kPlanKey}});
  ASSERT_TRUE(WaitUntil(
      [&] { return apply->Log().find("Waiting for the stack lock") != std::string::npos; },
      seconds(30)))
      << apply->Log();
  // The other writer changes the vault, then releases the stack.
  ASSERT_EQ(Arm("PATCH", kVaultPath, {{"properties", {{"publicNetworkAccess", "Enabled"}}}}).status,
            200);
  ::close(lock);

  ASSERT_EQ(apply->WaitExit(seconds(60)), 1) << apply->Log();
  EXPECT_THAT(apply->Log(), HasSubstr("plan is stale: Vault/sec-kv-01 changed since the plan"));
  auto live = Arm("GET", kVaultPath).Json();
  EXPECT_EQ(live["properties"]["publicNetworkAccess"], "Enabled") << "the change was kept";
  EXPECT_EQ(live["tags"]["team"], "security") << "the stale plan wrote nothing";
}

TEST_F(SecurityTest, ApplyReadsNoLiveStateBeforeItHoldsTheLock) {
  const int lock = HoldStackLock();
  const long before = ArmRequestCount();
  auto apply = Background({"apply", Manifests(), "--auto-approve"});
  ASSERT_TRUE(WaitUntil(
      [&] { return apply->Log().find("Waiting for the stack lock") != std::string::npos; },
      seconds(30)))
      << apply->Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(ArmRequestCount(), before) << "no token, no refresh while waiting for the lock";
  ::close(lock);
  ASSERT_EQ(apply->WaitExit(seconds(60)), 0) << apply->Log();
  EXPECT_EQ(Arm("GET", kVaultPath).status, 200);
}

// Finding 3: valueFrom.file read any path: /proc/self/environ, ../../etc/shadow, symlinks.
TEST_F(SecurityTest, SecretSourcesOutsideTheManifestsAreValidationErrorsAndNeverRead) {
  std::filesystem::create_directories(dir_ / "manifests/values");
  Write("outside.txt", "HOST-FILE-CONTENT-1b9f");
  std::filesystem::create_symlink(dir_ / "outside.txt", dir_ / "manifests/values/link.txt");
  Write("manifests/secrets.yaml",
        "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: environ\n"
        "spec:\n  vault: sec-kv-01\n  valueFrom:\n    file: /proc/self/environ\n"
        "---\n"
        "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: shadow\n"
        "spec:\n  vault: sec-kv-01\n  valueFrom:\n    file: ../../../../../../../../etc/shadow\n"
        "---\n"
        "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: link\n"
        "spec:\n  vault: sec-kv-01\n  valueFrom:\n    file: values/link.txt\n"
        "---\n"
        "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: sp\n"
        "spec:\n  vault: sec-kv-01\n  valueFrom:\n    env: AZURE_CLIENT_SECRET\n");
  const long before = ArmRequestCount();
  auto validate = Keyward({"validate", Manifests()});
  EXPECT_EQ(validate.exit_code, 1) << validate.out << validate.err;
  const std::string file = Manifests() + "/secrets.yaml";
  EXPECT_THAT(validate.err, HasSubstr(file + ":8:11: error: Secret/sec-kv-01/environ: file "
                                             "/proc/self/environ resolves to /proc/"));
  EXPECT_THAT(validate.err, HasSubstr("/environ: keyward never reads secret values from /proc"));
  EXPECT_THAT(validate.err, HasSubstr(file + ":17:11: error: Secret/sec-kv-01/shadow: file "));
  EXPECT_THAT(validate.err, HasSubstr("resolves to /etc/shadow, outside the manifest set's root"));
  EXPECT_THAT(validate.err, HasSubstr(file + ":26:11: error: Secret/sec-kv-01/link: file "));
  EXPECT_THAT(validate.err, HasSubstr("resolves to " + (dir_ / "outside.txt").string()));
  EXPECT_THAT(validate.err,
              HasSubstr(file + ":35:10: error: Secret/sec-kv-01/sp: environment variable "
                               "AZURE_CLIENT_SECRET holds keyward's own credentials"));

  auto plan = Keyward({"plan", Manifests()}, {{"KEYWARD_FINGERPRINT_KEY", "k"}});
  EXPECT_EQ(plan.exit_code, 1);
  EXPECT_THAT(plan.out + plan.err, Not(HasSubstr("HOST-FILE-CONTENT-1b9f")));
  EXPECT_EQ(ArmRequestCount(), before) << "refused before any ARM call";

  // A directory listed in keyward.yaml opens the way out, within the operator's ceiling.
  Write("manifests/secrets.yaml",
        "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: mounted\n"
        "spec:\n  vault: sec-kv-01\n  valueFrom:\n    file: " +
            (dir_ / "outside.txt").string() + "\n");
  EXPECT_EQ(Keyward({"validate", Manifests()}).exit_code, 1);
  Write("manifests/keyward.yaml", ReadFile(dir_ / "manifests/keyward.yaml") +
                                      "secrets:\n  sources:\n    allowedDirectories: [" +
                                      dir_.string() + "]\n");
  auto allowed = Keyward({"validate", Manifests()});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  auto capped = Keyward({"validate", Manifests()}, {{"KEYWARD_SECRET_DIRS", "/var/run/secrets"}});
  EXPECT_EQ(capped.exit_code, 1);
  EXPECT_THAT(capped.err, HasSubstr("KEYWARD_SECRET_DIRS (/var/run/secrets) does not allow"));
}

// Finding 4: "git fetch " + url put https://user:token@... into /status, the status file (0644)
// and the logs.
TEST_F(SecurityTest, CredentialsInTheGitUrlNeverReachStatusLogsOrTheStatusFile) {
  const std::string url =
      "https://keyward-bot:s3cr3t-T0KEN-e2e@127.0.0.1:1/org/"
      "manifests.git?access_token=qs-T0KEN-e2e";
  auto daemon = Background({"daemon", "--git-url", url, "--interval", "1h", "--listen",
                            "127.0.0.1:0", "--log-format", "json", "--state-dir", State()},
                           {{"GIT_TERMINAL_PROMPT", "0"}});
  // The status file is written right after the loop's log line.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return (!daemon->LogLines("loop").empty() &&
                std::filesystem::exists(dir_ / "state/default.status.json")) ||
               daemon->Exited();
      },
      seconds(60)))
      << daemon->Log();
  const nlohmann::json status = daemon->Status();
  const std::string status_text = status.dump();
  const std::string status_file = ReadFile(dir_ / "state/default.status.json");
  daemon->Terminate(seconds(15));
  const std::string log = daemon->Log();

  EXPECT_THAT(status_text, HasSubstr("git fetch https://127.0.0.1:1/org/manifests.git main"));
  for (const std::string& text : {status_text, status_file, log}) {
    EXPECT_THAT(text, Not(HasSubstr("s3cr3t-T0KEN-e2e")));
    EXPECT_THAT(text, Not(HasSubstr("qs-T0KEN-e2e")));
    EXPECT_THAT(text, Not(HasSubstr("keyward-bot:")));
  }
  ASSERT_FALSE(status_file.empty());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "state/default.status.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600) << "status files are private to the daemon's user";
}

std::string HubSignature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  std::string out = "sha256=";
  char hex[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", mac[i]);
    out += hex;
  }
  return out;
}

// Finding 6: the webhook read any body, of any size, before checking anything.
TEST_F(SecurityTest, TheWebhookChecksMethodTypeSignatureAndSizeBeforeReadingABody) {
  auto daemon = Background({"daemon", Manifests(), "--interval", "1h", "--listen", "127.0.0.1:0",
                            "--log-format", "json"},
                           {{"KEYWARD_WEBHOOK_SECRET", "hook-secret"}});
  ASSERT_TRUE(WaitUntil([&] { return daemon->Status().value("loop_id", 0) == 1; }, seconds(60)))
      << daemon->Log();
  httplib::Client client("127.0.0.1", daemon->Port());
  client.set_read_timeout(30);
  const std::string small = R"({"ref":"refs/heads/main"})";

  auto get = client.Get("/hooks/git");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto text =
      client.Post("/hooks/git", {{"X-Hub-Signature-256", HubSignature("hook-secret", small)}},
                  small, "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  auto unsigned_post = client.Post("/hooks/git", small, "application/json");
  ASSERT_TRUE(unsigned_post);
  EXPECT_EQ(unsigned_post->status, 401);

  // A correctly signed 2 MiB body is still refused: the limit holds before the signature is
  // checked, since checking it means reading the body.
  const std::string big = "{\"pad\":\"" + std::string(2 << 20, 'x') + "\"}";
  auto oversized =
      client.Post("/hooks/git", {{"X-Hub-Signature-256", HubSignature("hook-secret", big)}}, big,
                  "application/json");
  ASSERT_TRUE(oversized);
  EXPECT_EQ(oversized->status, 413);

  auto good =
      client.Post("/hooks/git", {{"X-Hub-Signature-256", HubSignature("hook-secret", small)}},
                  small, "application/json; charset=utf-8");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 202);
  EXPECT_TRUE(WaitUntil([&] { return daemon->Status().value("loop_id", 0) >= 2; }, seconds(30)))
      << "only the signed delivery triggered a loop";
  daemon->Terminate(seconds(15));
}

std::string CoreLimitOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Max core file size", 0) == 0) return line;
  return "";
}

// Finding 7: core dumps were not disabled, so a crash could write the client secret, keys and
// values to disk.
TEST_F(SecurityTest, CoreDumpsAreOffUnlessExplicitlyAllowed) {
  // Give the children a core limit to take away (the test's own may already be 0).
  rlimit core{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0);
  if (core.rlim_max == 0 || core.rlim_max == RLIM_INFINITY) core.rlim_max = RLIM_INFINITY;
  core.rlim_cur = core.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_CORE, &core), 0);

  // apply waits for the lock, so the process is there to be looked at.
  const int lock = HoldStackLock();
  for (const bool allowed : {false, true}) {
    std::map<std::string, std::string> env;
    if (allowed) env["KEYWARD_ALLOW_CORE_DUMPS"] = "1";
    // ASan sets the soft limit to 0 itself at start-up (disable_coredump=1 on 64-bit): switch
    // that off so the limits seen are the ones keyward set.
    if (kAddressSanitizer) {
      const char* options = std::getenv("ASAN_OPTIONS");
      env["ASAN_OPTIONS"] = std::string(options ? options : "") + ":disable_coredump=0";
    }
    auto apply = Background({"apply", Manifests(), "--auto-approve"}, env);
    ASSERT_TRUE(WaitUntil(
        [&] { return apply->Log().find("Waiting for the stack lock") != std::string::npos; },
        seconds(30)))
        << apply->Log();
    const std::string limit = CoreLimitOf(apply->pid());
    ASSERT_FALSE(limit.empty());
    std::istringstream fields(limit.substr(std::string("Max core file size").size()));
    std::string soft, hard;
    fields >> soft >> hard;
    if (allowed) {
      EXPECT_NE(soft, "0") << limit;
    } else {
      EXPECT_EQ(soft, "0") << limit;
      EXPECT_EQ(hard, "0") << limit << ": a process cannot raise it again";
    }
    apply->Terminate(seconds(15));
  }
  ::close(lock);
}

// Finding 8: a --ca-file that is not PEM was silently ignored ("Error in SSL handshake").
TEST_F(SecurityTest, ACaFileWithoutACertificateStopsKeywardNamingTheFile) {
  Write("not-a-cert.pem", "this is not a certificate\n");
  const std::string bad = (dir_ / "not-a-cert.pem").string();
  const long before = ArmRequestCount();
  auto flag = Keyward({"--ca-file", bad, "plan", Manifests()});
  EXPECT_EQ(flag.exit_code, 1) << flag.out << flag.err;
  EXPECT_THAT(flag.err, HasSubstr("error: CA file " + bad + " holds no PEM certificate"));
  auto env = Keyward({"plan", Manifests()}, {{"KEYWARD_CA_FILE", bad}});
  EXPECT_EQ(env.exit_code, 1);
  EXPECT_THAT(env.err, HasSubstr("CA file " + bad + " holds no PEM certificate"));
  const std::string missing = (dir_ / "missing.pem").string();
  auto unreadable = Keyward({"--ca-file", missing, "apply", Manifests(), "--auto-approve"});
  EXPECT_EQ(unreadable.exit_code, 1);
  EXPECT_THAT(unreadable.err, HasSubstr("CA file " + missing + " cannot be read"));
  EXPECT_EQ(ArmRequestCount(), before);
  EXPECT_EQ(Keyward({"validate", Manifests()}, {{"KEYWARD_CA_FILE", bad}}).exit_code, 0)
      << "validate talks to nobody";
}

}  // namespace
}  // namespace keyward::testing
