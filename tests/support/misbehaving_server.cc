#include "tests/support/misbehaving_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <strings.h>

#include <regex>

#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::testing {
namespace {

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

bool IEquals(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

// Headers that describe one hop's framing, not the answer: never copied between hops.
bool IsHopHeader(const std::string& name) {
  for (const char* hop :
       {"Host", "Connection", "Keep-Alive", "Content-Length", "Transfer-Encoding",
        "Accept-Encoding", "REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"}) {
    if (IEquals(name, hop)) return true;
  }
  return false;
}

}  // namespace

struct MisbehavingServer::Impl {
  struct Rule {
    ScriptRule script;
    std::regex pattern;
    int hits = 0;
  };

  Impl(const std::string& cert, const std::string& key) : server(cert.c_str(), key.c_str()) {}

  httplib::SSLServer server;
  std::thread thread;
  std::string upstream;
  std::string ca_file;
  std::string endpoint;
  bool forward_writes = false;
  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::vector<Rule> rules;
  std::vector<std::string> requests;

  // The rule answering this request (claiming one of its answers), or -1.
  int Claim(const std::string& method, const std::string& target) {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < rules.size(); ++i) {
      Rule& rule = rules[i];
      if (!rule.script.method.empty() && rule.script.method != method) continue;
      if (!std::regex_search(target, rule.pattern)) continue;
      if (rule.script.times >= 0 && rule.hits >= rule.script.times) continue;
      ++rule.hits;
      return static_cast<int>(i);
    }
    return -1;
  }

  void Record(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(line);
  }

  // Sleeps `total` in slices; false once the server is stopping.
  bool Nap(std::chrono::milliseconds total) {
    const auto end = std::chrono::steady_clock::now() + total;
    while (std::chrono::steady_clock::now() < end) {
      if (stopping) return false;
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(total, std::chrono::milliseconds(20)));
    }
    return !stopping;
  }

  void Answer(const ScriptedAnswer& answer, httplib::Response& res) {
    res.status = answer.status;
    std::string content_type = "application/json; charset=utf-8";
    bool send_content_type = true;
    for (const auto& [name, value] : answer.headers) {
      if (IEquals(name, "Content-Type")) {
        content_type = value;
        send_content_type = !value.empty();
        continue;
      }
      res.headers.emplace(name, ReplaceAll(value, "{{endpoint}}", endpoint));
    }
    auto body = std::make_shared<std::string>(ReplaceAll(answer.body, "{{endpoint}}", endpoint));
    if (answer.drip_interval.count() > 0) {
      const size_t step = std::max<size_t>(1, answer.drip_bytes);
      const auto interval = answer.drip_interval;
      res.set_chunked_content_provider(
          content_type, [this, body, step, interval](size_t offset, httplib::DataSink& sink) {
            if (offset >= body->size()) {
              sink.done();
              return true;
            }
            if (!Nap(interval)) return false;
            return sink.write(body->data() + offset, std::min(step, body->size() - offset));
          });
    } else if (answer.cut_after) {
      const size_t cut = *answer.cut_after;
      res.set_content_provider(body->size(), content_type,
                               [body, cut](size_t offset, size_t length, httplib::DataSink& sink) {
                                 if (offset >= cut) return false;  // drop the connection mid-body
                                 return sink.write(body->data() + offset,
                                                   std::min(length, cut - offset));
                               });
    } else {
      res.set_content(*body, content_type.c_str());
    }
    if (!send_content_type) res.headers.erase("Content-Type");
  }

  void Forward(const httplib::Request& req, const std::string& target, httplib::Response& res) {
    Headers headers;
    for (const auto& [name, value] : req.headers)
      if (!IsHopHeader(name)) headers.emplace_back(name, value);
    // Requests name this server where the upstream expects itself: the token request's scope is
    // "<ARM endpoint>/.default", form-encoded.
    const std::string body = ReplaceAll(ReplaceAll(req.body, endpoint, upstream),
                                        FormEncode(endpoint), FormEncode(upstream));
    HttpsResult up = HttpsRequest(req.method, upstream + target, headers, body, ca_file);
    if (up.status == 0) {
      res.status = 502;
      res.set_content(R"({"error":{"code":"BadGateway","message":"upstream unreachable"}})",
                      "application/json");
      return;
    }
    res.status = up.status;
    std::string content_type = "application/json; charset=utf-8";
    for (const auto& [name, value] : up.headers) {
      if (IsHopHeader(name)) continue;
      if (IEquals(name, "Content-Type")) {
        content_type = value;
        continue;
      }
      res.headers.emplace(name, ReplaceAll(value, upstream, endpoint));
    }
    if (!up.body.empty()) res.set_content(ReplaceAll(up.body, upstream, endpoint), content_type);
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    const std::string target = req.target.empty() ? req.path : req.target;
    const std::string line = req.method + " " + target;
    if (int index = Claim(req.method, target); index >= 0) {
      Record(line + " -> rule " + std::to_string(index));
      ScriptedAnswer answer;
      {
        std::lock_guard<std::mutex> lock(mu);
        answer = rules[static_cast<size_t>(index)].script.answer;
      }
      Answer(answer, res);
      return;
    }
    // Reads made with POST: the token endpoint and the name checks.
    const bool read =
        req.method == "GET" ||
        (req.method == "POST" && (target.find("/oauth2/") != std::string::npos ||
                                  target.find("NameAvailability") != std::string::npos));
    if (!read && !forward_writes) {
      Record(line + " -> refused");
      res.status = 599;
      res.set_content(
          R"({"error":{"code":"UnscriptedWrite","message":"the misbehaving server forwards only reads"}})",
          "application/json");
      return;
    }
    Record(line + " -> upstream");
    Forward(req, target, res);
  }
};

std::unique_ptr<MisbehavingServer> MisbehavingServer::Start(std::vector<ScriptRule> rules,
                                                            std::string upstream,
                                                            std::string ca_file,
                                                            bool forward_writes) {
  const TestCertificate& cert = SharedTestCertificate();
  std::unique_ptr<MisbehavingServer> out(new MisbehavingServer());
  out->impl_ = std::make_unique<Impl>(cert.cert_file, cert.key_file);
  Impl& impl = *out->impl_;
  impl.upstream = std::move(upstream);
  impl.ca_file = std::move(ca_file);
  impl.forward_writes = forward_writes;
  for (ScriptRule& rule : rules) {
    std::regex pattern(rule.path.empty() ? std::string(".") : rule.path, std::regex::ECMAScript);
    impl.rules.push_back({std::move(rule), std::move(pattern), 0});
  }
  if (!impl.server.is_valid()) {
    ADD_FAILURE() << "misbehaving server: cannot load the test certificate";
    return nullptr;
  }
  // Dripping answers hold a worker each; keyward refreshes with up to 8 calls in flight.
  impl.server.new_task_queue = [] { return new httplib::ThreadPool(32); };
  impl.server.set_keep_alive_max_count(1000);
  // Longer than any retry wait of a case: a connection closed between two tries of keyward's
  // would turn the scripted answer into a transport error on the next one.
  impl.server.set_keep_alive_timeout(10);
  auto handle = [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.Handle(req, res);
  };
  const char* all = ".*";
  impl.server.Get(all, handle);
  impl.server.Post(all, handle);
  impl.server.Put(all, handle);
  impl.server.Patch(all, handle);
  impl.server.Delete(all, handle);
  const int port = impl.server.bind_to_any_port("127.0.0.1");
  if (port < 0) {
    ADD_FAILURE() << "misbehaving server: cannot bind 127.0.0.1";
    return nullptr;
  }
  out->endpoint_ = "https://127.0.0.1:" + std::to_string(port);
  impl.endpoint = out->endpoint_;
  impl.thread = std::thread([&impl] { impl.server.listen_after_bind(); });
  return out;
}

MisbehavingServer::~MisbehavingServer() {
  if (!impl_) return;
  impl_->stopping = true;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::vector<std::string> MisbehavingServer::Requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

int MisbehavingServer::Hits(size_t index) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return index < impl_->rules.size() ? impl_->rules[index].hits : 0;
}

}  // namespace keyward::testing
