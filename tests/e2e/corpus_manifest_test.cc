// The bad-manifest corpus (tests/corpus/README.md, docs/reliability.md): every case under
// tests/corpus/manifests/ is run through the real `keyward validate` and `keyward plan`
// binaries, which must exit 1 — no signal, no hang — with a stderr line that matches the case's
// `error:` regex (naming the file, and the line and column where there is one).
//
// `plan` runs against a real emulator when the case says `plan: emulator`; otherwise against an
// endpoint nothing listens on, so a plan that reached for Azure before finding the manifest
// error would fail with a connection error instead of the expected message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/emulator_process.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;

// Generous: a case takes milliseconds; only a hang (or a machine far past overloaded) gets here.
constexpr double kTimeoutSeconds = 120;

fs::path CorpusDirectory() {
  const char* source = std::getenv("KEYWARD_SOURCE_DIR");
  return fs::path(source != nullptr && *source != '\0' ? source : KEYWARD_SOURCE_DIR_DEFAULT) /
         "tests" / "corpus" / "manifests";
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CorpusDirectory(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// tests/corpus/README.md describes these fields.
struct Expectation {
  std::string error;  // ECMAScript regex, searched in each stderr line
  std::vector<std::string> commands = {"validate", "plan"};
  bool emulator = false;
  std::vector<std::string> args = {"."};
  std::map<std::string, std::string> env;
  std::vector<std::vector<std::string>> setup;
};

// "@@repeat(TEXT,COUNT)@@" -> TEXT repeated COUNT times.
std::string Expand(std::string text) {
  static const std::regex token("@@repeat\\(([^,()]*),([0-9]+)\\)@@");
  std::string out;
  std::smatch match;
  while (std::regex_search(text, match, token)) {
    out += match.prefix();
    const std::string unit = match[1];
    for (long i = std::stol(match[2]); i > 0; --i) out += unit;
    text = match.suffix();
  }
  return out + text;
}

Expectation ReadExpectation(const fs::path& file) {
  Expectation e;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      ADD_FAILURE() << file << ": no 'key: value' in line: " << line;
      continue;
    }
    const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "error") {
      e.error = value;
    } else if (key == "commands") {
      e.commands = Words(value);
    } else if (key == "plan") {
      e.emulator = value == "emulator";
    } else if (key == "args") {
      e.args = Words(value);
    } else if (key == "env") {
      const size_t eq = value.find('=');
      e.env[value.substr(0, eq)] = Expand(value.substr(eq + 1));
    } else if (key == "setup") {
      e.setup.push_back(Words(value));
    } else {
      ADD_FAILURE() << file << ": unknown key " << key;
    }
  }
  return e;
}

// Copies the case into `work` (expanding *.in files) and makes what git cannot hold.
void Prepare(const fs::path& from, const fs::path& work, const Expectation& e) {
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    const fs::path relative = fs::relative(entry.path(), from);
    if (relative == "expect") continue;
    fs::path target = work / relative;
    if (entry.is_directory()) {
      fs::create_directories(target);
      continue;
    }
    fs::create_directories(target.parent_path());
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (target.extension() == ".in") {
      target.replace_extension();
      data = Expand(data);
    }
    std::ofstream(target, std::ios::binary) << data;
  }
  for (const auto& step : e.setup) {
    ASSERT_GE(step.size(), 2u);
    const fs::path path = work / step[1];
    fs::create_directories(path.parent_path());
    if (step[0] == "fifo") {
      ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
    } else if (step[0] == "symlink") {
      ASSERT_EQ(step.size(), 3u);
      fs::create_symlink(step[2], path);
    } else if (step[0] == "mkdir") {
      fs::create_directories(path);
    } else if (step[0] == "big") {
      ASSERT_EQ(step.size(), 3u);
      std::ofstream out(path, std::ios::binary);
      const std::string line = "# padding padding padding padding padding padding padding\n";
      for (long left = std::stol(step[2]); left > 0; left -= static_cast<long>(line.size()))
        out << line.substr(0, static_cast<size_t>(std::min<long>(left, line.size())));
    } else {
      FAIL() << "unknown setup step " << step[0];
    }
  }
}

class ManifestCorpusTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() /
            ("keyward-corpus-" + std::to_string(::getpid()) + "-" + GetParam());
    fs::remove_all(work_);
    fs::create_directories(work_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }

  fs::path work_;
};

TEST_P(ManifestCorpusTest, ExitsOneWithTheExpectedMessage) {
  const fs::path dir = CorpusDirectory() / GetParam();
  const Expectation e = ReadExpectation(dir / "expect");
  ASSERT_FALSE(e.error.empty()) << "the case has no error: line";
  ASSERT_NO_FATAL_FAILURE(Prepare(dir, work_, e));
  const std::regex expected(e.error);

  std::unique_ptr<EmulatorProcess> emulator;
  if (e.emulator) {
    emulator = EmulatorProcess::Start();
    ASSERT_NE(emulator, nullptr);
  }
  const std::string endpoint = emulator ? emulator->endpoint() : "https://127.0.0.1:1";
  RunOptions options;
  options.cwd = work_.string();
  options.timeout_seconds = kTimeoutSeconds;
  options.env = {{"KEYWARD_ARM_ENDPOINT", endpoint},
                 {"AZURE_AUTHORITY_HOST", endpoint},
                 {"AZURE_TENANT_ID", kTenantId},
                 {"AZURE_CLIENT_ID", kClientId},
                 {"AZURE_CLIENT_SECRET", kClientSecret}};
  if (emulator) options.env["KEYWARD_CA_FILE"] = emulator->ca_file();
  for (const auto& [name, value] : e.env) options.env[name] = value;

  for (const std::string& command : e.commands) {
    std::vector<std::string> argv = {BinaryPath("keyward"), command};
    argv.insert(argv.end(), e.args.begin(), e.args.end());
    const CommandResult result = RunCommand(argv, options);
    SCOPED_TRACE("keyward " + command + "\n--- stderr ---\n" + result.err.substr(0, 4000));
    EXPECT_FALSE(result.timed_out) << "hung for " << kTimeoutSeconds << " s";
    EXPECT_EQ(result.signal, 0) << "killed by signal " << result.signal;
    EXPECT_EQ(result.exit_code, 1);
    bool found = false;
    std::istringstream lines(result.err);
    for (std::string line; !found && std::getline(lines, line);)
      found = std::regex_search(line, expected);
    EXPECT_TRUE(found) << "no stderr line matches: " << e.error;
  }
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, ManifestCorpusTest, ::testing::ValuesIn(CaseNames()), CaseName);

TEST(ManifestCorpusSizeTest, HasAtLeastTwoHundredCases) { EXPECT_GE(CaseNames().size(), 200u); }

}  // namespace
}  // namespace keyward::testing
