// The emulator as a fleet benchmark's target: many keep-alive clients at once, and no Nagle delay
// on its responses (docs/emulator.md, --max-connections). Runs the real binary.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "emulator/emulator_test_util.h"

namespace keyward::emulator::test {
namespace {

using keyward::testing::HttpsConnection;

// Every client waits here until all have got their first answer; false if that takes too long.
class Barrier {
 public:
  explicit Barrier(int count) : left_(count) {}
  bool ArriveAndWait(std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    if (--left_ == 0) cv_.notify_all();
    return cv_.wait_for(lock, timeout, [&] { return left_ <= 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
};

TEST(EmulatorConnectionsTest, SixtyFourKeepAliveClientsAreServedAtOnce) {
  // Idle connections are kept for a minute, so only a pool too small for 64 clients (not an idle
  // timeout) can keep a client from its answers while the others hold their connections open.
  auto emulator = EmulatorProcess::Start({.extra_args = {"--keep-alive-seconds", "60"}});
  ASSERT_NE(emulator, nullptr);
  constexpr int kClients = 64;
  Barrier all_answered(kClients);
  std::mutex mu;
  std::vector<std::string> failures;
  auto fail = [&](int client, const std::string& what) {
    std::lock_guard lock(mu);
    failures.push_back("client " + std::to_string(client) + ": " + what);
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      std::string error;
      auto connection = HttpsConnection::Open(emulator->endpoint(), emulator->ca_file(),
                                              std::chrono::seconds(30), &error);
      HttpsResult first;
      if (connection) first = connection->Send("GET", "/_emulator/health");
      if (!connection || first.status != 200) fail(i, "first request: " + error + first.error);
      // Hold the connection open until every client has been answered once...
      if (!all_answered.ArriveAndWait(std::chrono::seconds(40)))
        fail(i, "not every client was answered while the others kept their connections");
      if (!connection) return;
      // ...then ask again on the same connection: the server kept it.
      HttpsResult second = connection->Send("GET", "/_emulator/health");
      if (second.status != 200) fail(i, "second request on the same connection: " + second.error);
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failure(s), e.g. " << failures.front();
}

TEST(EmulatorConnectionsTest, AcceptedConnectionsHaveNagleTurnedOff) {
  auto emulator = EmulatorProcess::Start();
  ASSERT_NE(emulator, nullptr);
  std::string error;
  auto connection = HttpsConnection::Open(emulator->endpoint(), emulator->ca_file(),
                                          std::chrono::seconds(30), &error);
  ASSERT_NE(connection, nullptr) << error;
  ASSERT_EQ(connection->Send("GET", "/_emulator/health").status, 200);

  // Look at the emulator's end of this very connection: borrow its descriptor with pidfd_getfd
  // (a raw syscall: Debian 12's glibc exports no wrapper). It needs the right to trace the
  // process, which a parent running as the same user has.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, emulator->pid(), 0));
  if (pidfd < 0) GTEST_SKIP() << "pidfd_open: " << std::strerror(errno);
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(emulator->pid()) + "/fd")) {
    const int remote_fd = std::stoi(entry.path().filename().string());
    const int fd = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, remote_fd, 0));
    if (fd < 0) {
      if (errno == EPERM) GTEST_SKIP() << "pidfd_getfd: not allowed to look into the emulator";
      continue;
    }
    sockaddr_in6 local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    const bool connected = getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
                           getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0;
    auto port = [](const sockaddr_in6& a) {
      return ntohs(a.sin6_family == AF_INET ? reinterpret_cast<const sockaddr_in&>(a).sin_port
                                            : a.sin6_port);
    };
    if (connected && port(local) == connection->remote_port() &&
        port(peer) == connection->local_port()) {
      int nodelay = 0;
      socklen_t length = sizeof(nodelay);
      ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &length), 0);
      EXPECT_NE(nodelay, 0) << "the emulator's side of the connection has Nagle on";
      ++checked;
    }
    close(fd);
  }
  close(pidfd);
  EXPECT_EQ(checked, 1) << "the emulator's socket for this connection was not found";
}

}  // namespace
}  // namespace keyward::emulator::test
