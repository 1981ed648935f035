// A running `keyward daemon` child process for end-to-end tests: its combined output goes to a
// log file the test can poll, its HTTP endpoints are reached with cpp-httplib, and Stop() sends
// SIGTERM and measures how long it takes to exit. Also a tiny git helper for file:// repositories.
#pragma once

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/emulator_process.h"

namespace keyward::testing {

// Polls `done` every 50 ms until it returns true or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

inline std::map<std::string, std::string> KeywardEnv(const EmulatorProcess& emulator,
                                                     const std::string& state_dir) {
  return {{"KEYWARD_ARM_ENDPOINT", emulator.endpoint()},
          {"AZURE_AUTHORITY_HOST", emulator.endpoint()},
          {"KEYWARD_CA_FILE", emulator.ca_file()},
          {"AZURE_TENANT_ID", kTenantId},
          {"AZURE_CLIENT_ID", kClientId},
          {"AZURE_CLIENT_SECRET", kClientSecret},
          {"KEYWARD_STATE_DIR", state_dir}};
}

class DaemonProcess {
 public:
  DaemonProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                std::string log_file)
      : log_file_(std::move(log_file)) {
    args.insert(args.begin(), BinaryPath("keyward"));
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~DaemonProcess() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }
  std::string Log() const {
    std::ifstream in(log_file_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // JSON log lines (--log-format json) with this msg.
  std::vector<nlohmann::json> LogLines(const std::string& msg) const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(Log());
    for (std::string line; std::getline(in, line);) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (json.is_object() && json.value("msg", "") == msg) lines.push_back(json);
    }
    return lines;
  }
  // The port from the "daemon started" line (the daemon is started with --listen 127.0.0.1:0).
  int Port() {
    if (port_ == 0) {
      WaitUntil([&] { return !LogLines("daemon started").empty() || Exited(); },
                std::chrono::seconds(20));
      auto lines = LogLines("daemon started");
      if (lines.empty()) return 0;
      const std::string listen = lines[0]["listen"];
      port_ = std::stoi(listen.substr(listen.rfind(':') + 1));
    }
    return port_;
  }
  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", Port());
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    return client.Get(path);
  }
  nlohmann::json Status() {
    auto res = Get("/status");
    return res && res->status == 200 ? nlohmann::json::parse(res->body, nullptr, false)
                                     : nlohmann::json();
  }
  std::string Metrics() {
    auto res = Get("/metrics");
    return res && res->status == 200 ? res->body : "";
  }
  bool Exited() {
    if (exit_code_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    }
    return false;
  }
  std::optional<int> exit_code() const { return exit_code_; }
  // Waits for the process to exit on its own; nullopt after `timeout`.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout) {
    WaitUntil([&] { return Exited(); }, timeout);
    return exit_code_;
  }
  // SIGTERM, then waits up to `timeout`; returns the exit code and how long it took.
  std::pair<std::optional<int>, std::chrono::milliseconds> Terminate(
      std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    ::kill(pid_, SIGTERM);
    auto code = WaitExit(timeout);
    return {code, std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)};
  }

 private:
  std::string log_file_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::optional<int> exit_code_;
};

// Runs git in `dir` with a fixed identity; returns stdout (trimmed) or "" on failure.
inline std::string Git(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir, "-c", "user.name=keyward-test", "-c",
                             "user.email=test@keyward.invalid", "-c", "commit.gpgsign=false"});
  args.insert(args.begin(), "/usr/bin/env");
  auto out = RunCommand(args).out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// A metric's value from Prometheus text ("name{labels} value"); nullopt when absent.
inline std::optional<double> MetricValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

}  // namespace keyward::testing
