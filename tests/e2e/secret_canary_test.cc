// Secret values never leak (DESIGN.md §6, docs/security.md): the real `keyward` binary plans and
// applies a Secret with a canary value against the real emulator, verbosely, and the canary must
// appear in no stdout, no stderr, no plan in any format, no saved plan, not in the emulator's log
// and not in its SQLite state. When Azure's own error message quotes the value (and the client
// secret and fingerprint key with it), none of them reaches the CLI's output, the daemon's logs,
// /status, its status file or /metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/e2e/daemon_test_util.h"
#include "tests/e2e/e2e_test_util.h"
#include "tests/support/canary_secrets.h"
#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The value the secret changes to, and the key that signs the saved plan, in the update run.
constexpr char kSecondSecretValue[] = "CANARY-b81d44e0-second-value";
constexpr char kPlanKey[] = "canary-test-plan-signing-key";

class SecretCanaryTest : public KeywardE2eTest {
 protected:
  SecretCanaryTest() : KeywardE2eTest("keyward-canary") {}
  void SetUpTest() override {
    WriteStack("", "canary", "rg-canary");
    Write("vault.yaml",
          "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: canary-kv-01\n"
          "spec:\n  sku: { family: A, name: standard }\n");
    Write("secret.yaml",
          "apiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: db-password\n"
          "spec:\n  vault: canary-kv-01\n  valueFrom:\n    env: CANARY_DB_PASSWORD\n"
          "  contentType: text/plain\n");
  }

  // The SQLite state file and its journals, as bytes.
  std::string StateBytes() {
    std::string out;
    for (const std::string suffix : {"", "-wal", "-shm", "-journal"}) {
      std::ifstream in(emulator_->state_file() + suffix, std::ios::binary);
      if (!in) continue;
      std::ostringstream text;
      text << in.rdbuf();
      out += text.str();
    }
    return out;
  }
};

TEST_F(SecretCanaryTest, VerbosePlanAndApplyNeverRevealTheValue) {
  std::map<std::string, std::string> env = {{"CANARY_DB_PASSWORD", canary::kSecretValue},
                                            {"KEYWARD_FINGERPRINT_KEY", canary::kFingerprintKey}};
  std::vector<CommandResult> runs;
  runs.push_back(RunKeyward({"-v", "plan", dir_.string()}, env));
  EXPECT_EQ(runs.back().exit_code, 0) << runs.back().out << runs.back().err;
  EXPECT_THAT(runs.back().out, HasSubstr("Secret/canary-kv-01/db-password"));
  EXPECT_THAT(runs.back().out, HasSubstr("(sensitive value)"));

  runs.push_back(RunKeyward({"-v", "apply", dir_.string(), "--auto-approve"}, env));
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().out << runs.back().err;
  EXPECT_THAT(runs.back().err, HasSubstr("PUT")) << "verbose mode logs ARM requests";

  runs.push_back(RunKeyward({"-v", "plan", dir_.string(), "--detailed-exitcode"}, env));
  EXPECT_EQ(runs.back().exit_code, 0) << runs.back().out << runs.back().err;

  // Every plan format, and a signed saved plan, while a change of the value is pending.
  env["CANARY_DB_PASSWORD"] = kSecondSecretValue;
  env["KEYWARD_PLAN_KEY"] = kPlanKey;
  const std::string plan_file = (dir_ / "canary.kwplan").string();
  for (const char* format : {"text", "json", "markdown"}) {
    runs.push_back(RunKeyward({"-v", "plan", dir_.string(), "--format", format, "--out", plan_file,
                               "--detailed-exitcode"},
                              env));
    EXPECT_EQ(runs.back().exit_code, 2) << format << runs.back().err;
    EXPECT_THAT(runs.back().out, HasSubstr("Secret/canary-kv-01/db-password")) << format;
  }
  std::ifstream saved(plan_file, std::ios::binary);
  std::ostringstream saved_bytes;
  saved_bytes << saved.rdbuf();
  ASSERT_FALSE(saved_bytes.str().empty());
  runs.push_back({0, saved_bytes.str(), ""});
  runs.push_back(RunKeyward({"show", plan_file, "--format", "json"}, {}));
  EXPECT_EQ(runs.back().exit_code, 0) << runs.back().err;

  // A changed value goes through the update path too, here from the signed saved plan.
  runs.push_back(RunKeyward({"-v", "apply", plan_file}, env));
  ASSERT_EQ(runs.back().exit_code, 0) << runs.back().out << runs.back().err;
  EXPECT_THAT(runs.back().out, HasSubstr("Secret/canary-kv-01/db-password"));

  const std::string emulator_log = emulator_->Stdout();
  const std::string state = StateBytes();
  ASSERT_FALSE(state.empty());
  const auto no_value = canary::HoldsNoneOf({canary::kSecretValue, kSecondSecretValue});
  for (const CommandResult& run : runs) {
    EXPECT_THAT(run.out, no_value);
    EXPECT_THAT(run.err, no_value);
    EXPECT_THAT(run.out + run.err, canary::HoldsNoneOf({canary::kFingerprintKey, kPlanKey}));
  }
  EXPECT_THAT(emulator_log, no_value);
  for (const char* value : {canary::kSecretValue, kSecondSecretValue})
    EXPECT_EQ(state.find(value), std::string::npos) << "value stored in the emulator's state";
}

// Azure's error message is outside keyward's control: a resource provider may quote what it
// rejects. Here it quotes the secret value, the client secret and the fingerprint key.
TEST_F(SecretCanaryTest, AnArmErrorQuotingSecretsReachesNoOutputLogStatusOrMetrics) {
  const nlohmann::json faults = {
      {"rules",
       {{{"match", {{"operation", "Secrets_CreateOrUpdate"}}},
         {"status", 400},
         {"message", std::string("The value '") + canary::kSecretValue +
                         "' is not allowed (client secret " + kClientSecret + ", key " +
                         canary::kFingerprintKey + ")"}}}}};
  ASSERT_NO_FATAL_FAILURE(InjectFaults(faults.dump()));
  const std::filesystem::path state = dir_ / "state";
  std::filesystem::create_directories(state);
  std::map<std::string, std::string> env = {{"CANARY_DB_PASSWORD", canary::kSecretValue},
                                            {"KEYWARD_FINGERPRINT_KEY", canary::kFingerprintKey},
                                            {"KEYWARD_STATE_DIR", state.string()}};
  std::vector<std::string> outputs;
  auto apply = RunKeyward({"-v", "apply", dir_.string(), "--auto-approve"}, env);
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("Secret/canary-kv-01/db-password: create FAILED"));
  EXPECT_THAT(apply.out, HasSubstr("The value '(sensitive value)' is not allowed (client secret "
                                   "(sensitive value), key (sensitive value))"));
  outputs.push_back(apply.out);
  outputs.push_back(apply.err);

  // The daemon, healing the same secret into the same error.
  auto daemon_env = KeywardEnv(*emulator_, state.string());
  daemon_env.insert(env.begin(), env.end());
  DaemonProcess daemon({"daemon", dir_.string(), "--mode", "heal", "--interval", "1h", "--listen",
                        "127.0.0.1:0", "--log-format", "json"},
                       daemon_env, (dir_ / "daemon.log").string());
  // The status file is written right after the loop ends.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return daemon.Status().value("loop_id", 0) >= 1 &&
               std::filesystem::exists(state / "canary.status.json");
      },
      std::chrono::seconds(60)))
      << daemon.Log();
  const std::string status = daemon.Status().dump();
  EXPECT_THAT(status, HasSubstr("(sensitive value)")) << "the error reached /status, scrubbed";
  outputs.push_back(status);
  outputs.push_back(daemon.Metrics());
  std::ifstream status_file(state / "canary.status.json");
  std::ostringstream status_bytes;
  status_bytes << status_file.rdbuf();
  EXPECT_THAT(status_bytes.str(), HasSubstr("Secret/canary-kv-01/db-password"));
  outputs.push_back(status_bytes.str());
  daemon.Terminate(std::chrono::seconds(15));
  outputs.push_back(daemon.Log());
  EXPECT_THAT(outputs.back(), HasSubstr("(sensitive value)")) << "the error reached the log";

  for (const std::string& output : outputs) {
    EXPECT_THAT(output, canary::HoldsNoneOf(
                            {canary::kSecretValue, kClientSecret, canary::kFingerprintKey}));
  }
}

TEST_F(SecretCanaryTest, MissingSourceOrKeyStopsBeforeAnyArmCall) {
  const long before = ArmRequestCount();
  auto no_value =
      RunKeyward({"plan", dir_.string()}, {{"KEYWARD_FINGERPRINT_KEY", canary::kFingerprintKey}});
  EXPECT_EQ(no_value.exit_code, 1);
  EXPECT_THAT(no_value.err, HasSubstr("secret.yaml:8:"));
  EXPECT_THAT(no_value.err, HasSubstr("Secret/canary-kv-01/db-password"));
  EXPECT_THAT(no_value.err, HasSubstr("CANARY_DB_PASSWORD is not set"));

  auto no_key = RunKeyward({"apply", dir_.string(), "--auto-approve"},
                           {{"CANARY_DB_PASSWORD", canary::kSecretValue}});
  EXPECT_EQ(no_key.exit_code, 1);
  EXPECT_THAT(no_key.err, HasSubstr("KEYWARD_FINGERPRINT_KEY"));
  EXPECT_THAT(no_key.out + no_key.err, Not(HasSubstr(canary::kSecretValue)));
  EXPECT_EQ(ArmRequestCount(), before) << "nothing read from or written to ARM";

  // validate does not need values or the key.
  auto validate = RunKeyward({"validate", dir_.string()}, {});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
}

}  // namespace
}  // namespace keyward::testing
