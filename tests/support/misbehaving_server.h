// A small HTTPS server that misbehaves on purpose: the broken proxy, the half-deployed gateway,
// the ARM answer nobody expects. The malformed-ARM-answer corpus (tests/corpus/arm/) and the
// ARM client's robustness tests point keyward at it.
//
// It listens on 127.0.0.1 (OS-picked port) with the shared test certificate, so keyward trusts it
// through the usual --ca-file. Each request is matched against the rules in order; the first
// rule whose method and path pattern match, and which has answers left, answers it with exactly
// the status, headers and bytes it scripts, optionally dripped or cut short. A request no rule
// answers is forwarded to the upstream (the real emulator), with the upstream's endpoint
// rewritten to this server's in headers and bodies, so a case scripts only the one operation it
// breaks and everything else behaves like ARM. Only reads (GET, the token endpoint and the name
// checks) are forwarded: any other unscripted write is answered 599 and recorded, so a case can
// never change the upstream's state by accident (cases share one emulator).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace keyward::testing {

struct ScriptedAnswer {
  int status = 200;
  // Sent as given (several with one name are allowed). "{{endpoint}}" in a value is replaced
  // by this server's endpoint. A Content-Type here replaces the default application/json; the
  // name "Content-Type" with an empty value sends none.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // "{{endpoint}}" is replaced as in headers
  // Dripping: the body goes out `drip_bytes` at a time (chunked), `drip_interval` apart.
  std::chrono::milliseconds drip_interval{0};
  size_t drip_bytes = 1;
  // Truncation: the connection is dropped after this many body bytes (Content-Length announces
  // the whole body).
  std::optional<size_t> cut_after;
};

struct ScriptRule {
  std::string method;  // "" = any
  std::string path;    // ECMAScript regex, searched in "path?query"
  ScriptedAnswer answer;
  int times = -1;  // how many requests it answers (then it lets them through); -1 = every one
};

class MisbehavingServer {
 public:
  // `upstream` ("https://127.0.0.1:PORT") is trusted through `ca_file`, the same PEM the server
  // presents. `forward_writes` lets unscripted writes through too (for a test that owns its
  // emulator). Returns null (after a gtest failure) when it cannot listen.
  static std::unique_ptr<MisbehavingServer> Start(std::vector<ScriptRule> rules,
                                                  std::string upstream, std::string ca_file,
                                                  bool forward_writes = false);
  ~MisbehavingServer();
  MisbehavingServer(const MisbehavingServer&) = delete;
  MisbehavingServer& operator=(const MisbehavingServer&) = delete;

  const std::string& endpoint() const { return endpoint_; }  // "https://127.0.0.1:PORT"
  // "METHOD path?query -> who" for every request so far, in arrival order; who is "rule N",
  // "upstream" or "refused".
  std::vector<std::string> Requests() const;
  // Requests answered by rule `index`.
  int Hits(size_t index) const;

 private:
  struct Impl;
  MisbehavingServer() = default;
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

}  // namespace keyward::testing
