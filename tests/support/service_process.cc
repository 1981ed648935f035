#include "tests/support/service_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;

std::string MakeTempDir(const char* prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  char* made = mkdtemp(tmpl.data());
  return made ? std::string(made) : std::string();
}

std::string SourceDir() {
  if (const char* dir = std::getenv("KEYWARD_SOURCE_DIR"); dir != nullptr && *dir != '\0')
    return dir;
  return fs::path(__FILE__).parent_path().parent_path().parent_path().string();
}

// Polls `done` every 100 ms for up to `seconds`.
template <class F>
bool Poll(F done, int seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

}  // namespace

int PickFreePort() {
  static std::set<int> handed_out;  // never the same port twice in one test process
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
      port = ntohs(address.sin_port);
    ::close(fd);
    if (port > 0 && handed_out.insert(port).second) return port;
  }
  return 0;
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_file)
    : log_file_(std::move(log_file)) {
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);  // node spawns no children here, but keep signals to this process group
    const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() { Kill(SIGKILL); }

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  if (signal == SIGKILL || signal == SIGTERM) {
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

std::string ChildProcess::Log() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<EtcdCluster> EtcdCluster::Start(int members) {
  auto cluster = std::unique_ptr<EtcdCluster>(new EtcdCluster());
  if (FindOnPath("etcd").empty()) {
    ADD_FAILURE() << "etcd is not installed (Debian package etcd-server; scripts/install-deps.sh)";
    return nullptr;
  }
  cluster->dir_ = MakeTempDir("keyward-etcd-");
  cluster->token_ = "keyward-test-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int i = 0; i < members; ++i) {
    Member member;
    member.name = "m" + std::to_string(i);
    member.client_port = PickFreePort();
    member.peer_port = PickFreePort();
    member.data_dir = cluster->dir_ + "/" + member.name;
    cluster->initial_cluster_ +=
        (i ? "," : "") + member.name + "=http://127.0.0.1:" + std::to_string(member.peer_port);
    cluster->members_.push_back(std::move(member));
  }
  for (Member& member : cluster->members_) cluster->Launch(member);
  if (!cluster->WaitHealthy(60)) {
    ADD_FAILURE() << "the etcd cluster did not elect a leader:\n" << cluster->Logs();
    return nullptr;
  }
  return cluster;
}

EtcdCluster::~EtcdCluster() {
  StopAll();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

bool EtcdCluster::Launch(Member& member) {
  const std::string client = "http://127.0.0.1:" + std::to_string(member.client_port);
  const std::string peer = "http://127.0.0.1:" + std::to_string(member.peer_port);
  // Short heartbeats and elections: a killed leader is replaced in about half a second.
  member.process =
      std::make_unique<ChildProcess>(std::vector<std::string>{FindOnPath("etcd"),
                                                              "--name",
                                                              member.name,
                                                              "--data-dir",
                                                              member.data_dir,
                                                              "--listen-client-urls",
                                                              client,
                                                              "--advertise-client-urls",
                                                              client,
                                                              "--listen-peer-urls",
                                                              peer,
                                                              "--initial-advertise-peer-urls",
                                                              peer,
                                                              "--initial-cluster",
                                                              initial_cluster_,
                                                              "--initial-cluster-state",
                                                              "new",
                                                              "--initial-cluster-token",
                                                              token_,
                                                              "--heartbeat-interval",
                                                              "50",
                                                              "--election-timeout",
                                                              "500",
                                                              "--log-level",
                                                              "warn"},
                                     dir_ + "/" + member.name + ".log");
  return member.process->pid() > 0;
}

std::vector<std::string> EtcdCluster::ClientUrls() const {
  std::vector<std::string> urls;
  for (const Member& m : members_)
    urls.push_back("http://127.0.0.1:" + std::to_string(m.client_port));
  return urls;
}

std::string EtcdCluster::Endpoints() const {
  std::string out;
  for (const std::string& url : ClientUrls()) out += (out.empty() ? "" : ",") + url;
  return out;
}

bool EtcdCluster::WaitHealthy(int seconds) {
  return Poll(
      [&] {
        for (const Member& m : members_) {
          if (!m.process || !m.process->Running()) continue;
          httplib::Client client("127.0.0.1", m.client_port);
          client.set_connection_timeout(1);
          client.set_read_timeout(2);
          auto res = client.Get("/health");
          if (res && res->status == 200 && res->body.find("\"true\"") != std::string::npos)
            return true;
        }
        return false;
      },
      seconds);
}

void EtcdCluster::KillMember(int index) { members_.at(index).process.reset(); }

bool EtcdCluster::StartMember(int index) {
  Member& member = members_.at(index);
  if (member.process && member.process->Running()) return true;
  if (!Launch(member)) return false;
  return Poll(
      [&] {
        httplib::Client client("127.0.0.1", member.client_port);
        client.set_connection_timeout(1);
        auto res = client.Get("/version");
        return res && res->status == 200;
      },
      30);
}

void EtcdCluster::StopAll() {
  for (Member& m : members_) m.process.reset();
}

bool EtcdCluster::StartAll() {
  for (Member& m : members_)
    if (!m.process || !m.process->Running()) Launch(m);
  return WaitHealthy(60);
}

std::string EtcdCluster::Logs() const {
  std::string out;
  for (const Member& m : members_) {
    std::ifstream in(dir_ + "/" + m.name + ".log");
    std::stringstream text;
    text << in.rdbuf();
    out += "--- " + m.name + " ---\n" + text.str();
  }
  return out;
}

std::unique_ptr<AzuriteProcess> AzuriteProcess::Start() {
  auto azurite = std::unique_ptr<AzuriteProcess>(new AzuriteProcess());
  const std::string bin = SourceDir() + "/tests/support/azurite/node_modules/.bin/azurite-blob";
  if (::access(bin.c_str(), X_OK) != 0) {
    ADD_FAILURE() << bin
                  << " is missing: run `npm ci --prefix tests/support/azurite` "
                     "(scripts/install-deps.sh does)";
    return nullptr;
  }
  const std::string node = FindOnPath("node");
  azurite->dir_ = MakeTempDir("keyward-azurite-");
  azurite->port_ = PickFreePort();
  azurite->process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{node, bin, "--blobHost", "127.0.0.1", "--blobPort",
                               std::to_string(azurite->port_), "--location", azurite->dir_,
                               "--skipApiVersionCheck", "--silent"},
      azurite->dir_ + "/azurite.log");
  const bool up = Poll(
      [&] {
        httplib::Client client("127.0.0.1", azurite->port_);
        client.set_connection_timeout(1);
        auto res = client.Get("/devstoreaccount1?comp=list");
        return res && res->status > 0;  // 403 without a signature: listening
      },
      60);
  if (!up) {
    ADD_FAILURE() << "Azurite did not come up:\n" << azurite->process_->Log();
    return nullptr;
  }
  return azurite;
}

std::string AzuriteProcess::AccountUrl() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + kAccount;
}

}  // namespace keyward::testing
