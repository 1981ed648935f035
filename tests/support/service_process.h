// Real services the HA tests start and stop (docs/ha.md): a 3-member etcd cluster (Debian's
// etcd-server) and Azurite (the azurite npm package pinned in tests/support/azurite/), each on
// loopback ports picked free, with their data in a temp dir removed afterwards. Like the emulator
// fixture, these run the same binaries a user would.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace keyward::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int PickFreePort();

// A child process with its output in a log file; killed (SIGKILL) when destroyed.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  void Kill(int signal);  // and reap it when the signal is fatal
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_file_;
};

class EtcdCluster {
 public:
  // Starts `members` members and waits until the cluster has a leader. Fails the current test
  // (gtest fatal failure, returns null) when etcd is missing or does not come up.
  static std::unique_ptr<EtcdCluster> Start(int members = 3);
  ~EtcdCluster();

  // "http://127.0.0.1:P1,http://127.0.0.1:P2,..." (what --lock-etcd-endpoints takes).
  std::string Endpoints() const;
  std::vector<std::string> ClientUrls() const;
  int size() const { return static_cast<int>(members_.size()); }

  void KillMember(int index);   // SIGKILL: an abrupt loss
  bool StartMember(int index);  // restart on its data dir; waits until it answers
  void StopAll();               // SIGKILL every member
  bool StartAll();              // restart every member; waits for a leader
  // True once a member reports a healthy cluster (it has a leader).
  bool WaitHealthy(int seconds);
  std::string Logs() const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::string data_dir;
    std::unique_ptr<ChildProcess> process;
  };
  bool Launch(Member& member);

  std::string dir_;
  std::string initial_cluster_;
  std::string token_;
  std::vector<Member> members_;
};

class AzuriteProcess {
 public:
  // Azurite's blob service, from tests/support/azurite/node_modules (installed with `npm ci` by
  // scripts/install-deps.sh). Fails the current test when it is missing or does not come up.
  static std::unique_ptr<AzuriteProcess> Start();

  // Azurite's well-known development account.
  static constexpr char kAccount[] = "devstoreaccount1";
  static constexpr char kAccountKey[] =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  std::string AccountUrl() const;  // http://127.0.0.1:PORT/devstoreaccount1
  std::string Log() const { return process_->Log(); }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace keyward::testing
