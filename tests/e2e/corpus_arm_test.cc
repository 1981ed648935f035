// The malformed-ARM-answer corpus (tests/corpus/arm/, format in its README.md): every case runs
// the real `keyward` binary against a MisbehavingServer that breaks one operation and forwards
// everything else to one real emulator, seeded once with the corpus manifests. Each case must end
// with exit 1 (never a signal, never a hang: the process is killed at the case's time limit), a
// message naming the operation (and the request id the server sent), every scripted rule
// actually exercised, and no write reaching the emulator that the case did not script.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/emulator_process.h"
#include "tests/support/misbehaving_server.h"
#include "tests/support/sanitizers.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::milliseconds;

// Flags every case runs with unless it sets its own: short enough that dripping answers and
// endless operations end within seconds, long enough for the happy requests on a busy machine.
const std::vector<std::string> kDefaultFlags = {"--request-timeout", "5s", "--timeout", "3s"};
constexpr int kDefaultMaxSeconds = 30;
constexpr int kWorkers = 4;

// Under AddressSanitizer keyward, the emulator and the misbehaving server all run several times
// slower (four cases at once on two cores): a 32 MiB body is still being read after 5 s. Every
// deadline of a case — its duration flags and max_seconds — is multiplied by this factor, and
// messages name the deadline in force as {{request_timeout}} and {{timeout}}.
constexpr int kDeadlineFactor = kAddressSanitizer ? 3 : 1;

fs::path CorpusDir() { return SourceDir() / "tests" / "corpus" / "arm"; }

// "5s" → "15s" under ASan; any other value (a flag's name, "500ms") unchanged.
std::string ScaleSeconds(const std::string& value) {
  if (value.size() < 2 || value.back() != 's' ||
      !std::all_of(value.begin(), value.end() - 1, [](char c) { return c >= '0' && c <= '9'; }))
    return value;
  return std::to_string(std::stoi(value.substr(0, value.size() - 1)) * kDeadlineFactor) + "s";
}

// The case's global flags with every duration scaled.
std::vector<std::string> FlagsOf(const Json& spec) {
  std::vector<std::string> flags = spec.value("flags", kDefaultFlags);
  for (std::string& flag : flags) flag = ScaleSeconds(flag);
  return flags;
}

// The value that follows `name` in `flags` ("" when absent).
std::string FlagValue(const std::vector<std::string>& flags, const std::string& name) {
  auto it = std::find(flags.begin(), flags.end(), name);
  return it != flags.end() && it + 1 != flags.end() ? *(it + 1) : "";
}

void ReplaceAll(std::string& text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
}

std::string Expand(std::string text, const std::string& case_name,
                   const std::vector<std::string>& flags) {
  ReplaceAll(text, "{{request_id}}", case_name);
  ReplaceAll(text, "{{request_timeout}}", FlagValue(flags, "--request-timeout"));
  ReplaceAll(text, "{{timeout}}", FlagValue(flags, "--timeout"));
  return text;
}

// A rule's body: "body" (text), "body_file" (next to case.json) or "body_generate"
// ({"prefix", "repeat", "count", "suffix"}: huge and deeply nested bodies are not checked in).
std::string BodyOf(const Json& rule, const fs::path& case_dir) {
  if (rule.contains("body")) return rule["body"].get<std::string>();
  if (rule.contains("body_file")) return ReadFile(case_dir / rule["body_file"].get<std::string>());
  if (rule.contains("body_generate")) {
    const Json& g = rule["body_generate"];
    const std::string unit = g.value("repeat", "");
    const size_t count = g.value("count", size_t{0});
    std::string body = g.value("prefix", "");
    body.reserve(body.size() + unit.size() * count + 64);
    for (size_t i = 0; i < count; ++i) body += unit;
    return body + g.value("suffix", "");
  }
  return "";
}

ScriptRule RuleOf(const Json& rule, const fs::path& case_dir, const std::string& case_name) {
  ScriptRule out;
  out.method = rule.value("method", "");
  out.path = rule.value("path", "");
  out.times = rule.value("times", -1);
  ScriptedAnswer& answer = out.answer;
  answer.status = rule.value("status", 200);
  bool has_request_id = false;
  if (rule.contains("headers")) {
    for (const auto& [name, value] : rule["headers"].items()) {
      // A list sends the header several times.
      for (const Json& one : value.is_array() ? value : Json::array({value}))
        answer.headers.emplace_back(name, one.get<std::string>());
      if (strcasecmp(name.c_str(), "x-ms-request-id") == 0) has_request_id = true;
    }
  }
  if (!has_request_id && rule.value("request_id", true))
    answer.headers.emplace_back("x-ms-request-id", case_name);
  answer.body = BodyOf(rule, case_dir);
  answer.drip_interval = milliseconds(rule.value("drip_ms", 0));
  answer.drip_bytes = rule.value("drip_bytes", size_t{1});
  if (rule.contains("cut_after")) answer.cut_after = rule["cut_after"].get<size_t>();
  return out;
}

struct CaseOutcome {
  std::string name;
  std::vector<std::string> problems;
  double seconds = 0;
};

class ArmCorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    emulator_ = EmulatorProcess::Start({.lro_seconds = 0.1}).release();
    ASSERT_NE(emulator_, nullptr);
    work_ = new fs::path(fs::temp_directory_path() /
                         ("keyward-corpus-arm-" + std::to_string(::getpid())));
    fs::remove_all(*work_);
    fs::create_directories(*work_ / "state");
    // The shared live state every case starts from: the base manifests, applied for real.
    const fs::path seed = Materialize("seed", {"base"});
    auto applied = RunCommand(
        {BinaryPath("keyward"), "apply", seed.string(), "--auto-approve"},
        RunOptions{Env(emulator_->endpoint(), (*work_ / "state").string()), "", "", 180});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  }

  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
    if (work_) fs::remove_all(*work_);
    delete work_;
    work_ = nullptr;
  }

  // `state` is the case's own state directory: apply cases must not queue on one stack lock.
  static std::map<std::string, std::string> Env(const std::string& endpoint,
                                                const std::string& state) {
    return {{"KEYWARD_ARM_ENDPOINT", endpoint},
            {"AZURE_AUTHORITY_HOST", endpoint},
            {"KEYWARD_CA_FILE", emulator_->ca_file()},
            {"AZURE_TENANT_ID", kTenantId},
            {"AZURE_CLIENT_ID", kClientId},
            {"AZURE_CLIENT_SECRET", kClientSecret},
            {"KEYWARD_FINGERPRINT_KEY", "corpus-fingerprint-key-0123456789abcdef"},
            {"CORPUS_SECRET_VALUE", "corpus-secret-value"},
            {"KEYWARD_STATE_DIR", state}};
  }

  // Copies the named manifest directories (tests/corpus/arm/_manifests/<name>) into one set.
  static fs::path Materialize(const std::string& name, const std::vector<std::string>& parts) {
    const fs::path dir = *work_ / ("set-" + name);
    fs::create_directories(dir);
    for (const std::string& part : parts) {
      for (const auto& entry : fs::directory_iterator(CorpusDir() / "_manifests" / part))
        fs::copy_file(entry.path(), dir / entry.path().filename(),
                      fs::copy_options::overwrite_existing);
    }
    return dir;
  }

  static CaseOutcome RunCase(const fs::path& case_dir) {
    CaseOutcome outcome;
    outcome.name = case_dir.filename().string();
    auto problem = [&](const std::string& text) { outcome.problems.push_back(text); };
    Json spec = Json::parse(ReadFile(case_dir / "case.json"), nullptr, false);
    if (!spec.is_object() || !spec.contains("rules") || !spec.contains("expect")) {
      problem("case.json is not a case (needs rules and expect)");
      return outcome;
    }
    std::vector<ScriptRule> rules;
    for (const Json& rule : spec["rules"]) rules.push_back(RuleOf(rule, case_dir, outcome.name));
    auto server = MisbehavingServer::Start(rules, emulator_->endpoint(), emulator_->ca_file());
    if (!server) {
      problem("the misbehaving server did not start");
      return outcome;
    }
    const fs::path set =
        Materialize(outcome.name, spec.value("manifests", std::vector<std::string>{"base"}));
    const std::string command = spec.value("command", "plan");
    std::vector<std::string> argv = {BinaryPath("keyward")};
    const std::vector<std::string> flags = FlagsOf(spec);
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(command);
    argv.push_back(set.string());
    if (command == "apply") argv.push_back("--auto-approve");

    const Json& expect = spec["expect"];
    const int max_seconds = expect.value("max_seconds", kDefaultMaxSeconds) * kDeadlineFactor;
    const auto start = std::chrono::steady_clock::now();
    const fs::path state = *work_ / ("state-" + outcome.name);
    fs::create_directories(state);
    CommandResult run = RunCommand(argv, RunOptions{Env(server->endpoint(), state.string()), "", "",
                                                    static_cast<double>(max_seconds)});
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string output = run.out + run.err;

    if (run.timed_out) problem("hung: killed after " + std::to_string(max_seconds) + " s");
    if (run.signal != 0) problem("killed by signal " + std::to_string(run.signal));
    if (run.exit_code != 1) problem("exit code " + std::to_string(run.exit_code) + ", want 1");
    for (const char* crash : {"terminate called", "Sanitizer", "Segmentation fault", "Aborted",
                              "core dumped", "std::bad_alloc"}) {
      if (output.find(crash) != std::string::npos)
        problem(std::string("output has '") + crash + "'");
    }
    for (const Json& message : expect.value("messages", Json::array())) {
      const std::string want = Expand(message.get<std::string>(), outcome.name, flags);
      if (output.find(want) == std::string::npos) problem("no message containing '" + want + "'");
    }
    std::vector<std::string> absent = expect.value("absent", std::vector<std::string>{});
    if (command == "plan") absent.push_back("Plan: ");  // garbage must never become a plan
    for (const std::string& text : absent)
      if (output.find(text) != std::string::npos) problem("output has '" + text + "'");
    for (size_t i = 0; i < rules.size(); ++i) {
      if (server->Hits(i) == 0 && !spec["rules"][i].value("optional", false))
        problem("rule " + std::to_string(i) + " (" + rules[i].method + " " + rules[i].path +
                ") was never used: the case does not test what it scripts");
    }
    for (const std::string& request : server->Requests()) {
      if (request.size() > 9 && request.compare(request.size() - 9, 9, "> refused") == 0)
        problem("an unscripted write reached the server: " + request);
    }
    if (!outcome.problems.empty()) {
      std::string requests;
      for (const std::string& request : server->Requests()) requests += "\n    " + request;
      problem("output:\n" + output + "\n  requests:" + requests);
    }
    return outcome;
  }

  static EmulatorProcess* emulator_;
  static fs::path* work_;
};

EmulatorProcess* ArmCorpusTest::emulator_ = nullptr;
fs::path* ArmCorpusTest::work_ = nullptr;

TEST_F(ArmCorpusTest, EveryMalformedAnswerIsAClearErrorNeverACrashOrAHang) {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(CorpusDir()))
    if (fs::exists(entry.path() / "case.json")) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  ASSERT_GE(cases.size(), 100u) << "the corpus holds at least 100 cases";

  std::vector<CaseOutcome> outcomes(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < cases.size(); i = next++) outcomes[i] = RunCase(cases[i]);
    });
  }
  for (std::thread& worker : workers) worker.join();

  double total = 0;
  std::vector<const CaseOutcome*> slowest;
  for (const CaseOutcome& outcome : outcomes) {
    total += outcome.seconds;
    slowest.push_back(&outcome);
    for (const std::string& problem : outcome.problems)
      ADD_FAILURE() << outcome.name << ": " << problem;
  }
  std::sort(slowest.begin(), slowest.end(),
            [](auto* a, auto* b) { return a->seconds > b->seconds; });
  std::printf("%zu cases, %.1f s of keyward runs; slowest:", outcomes.size(), total);
  for (size_t i = 0; i < std::min<size_t>(5, slowest.size()); ++i)
    std::printf(" %s %.1fs", slowest[i]->name.c_str(), slowest[i]->seconds);
  std::printf("\n");
}

}  // namespace
}  // namespace keyward::testing
