// keyward-arm-emulator: a local, faithful Azure Resource Manager for Microsoft.KeyVault over HTTPS.
// See docs/emulator.md for flags, the admin surface, throttling and fault injection.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "emulator/identity.h"
#include "emulator/server.h"
#include "emulator/store.h"

namespace keyward::emulator {
namespace {

// The command line as given; Validate turns it into the values the server needs.
struct Flags {
  std::string listen = "127.0.0.1:8443", cert_file, key_file, state_file = "keyward-emulator.db";
  std::vector<std::string> principal_flags;
  double lro_seconds = 10, token_lifetime = 3599;
  std::string log_level = "info";
  int max_connections = 128;
  int keep_alive_seconds = 5;
  std::string throttling = "on", faults_flag, managed_identity, identity_header;
  size_t request_log_size = 10'000;
  double throttle_scale = 1;
};

// The flags after checking: everything main needs to start the server.
struct Config {
  std::vector<PrincipalCredential> principals;
  FaultSpec fault_spec;
  std::string host;
  int port = 0;
};

bool SplitListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  try {
    *port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return false;
  }
  return !host->empty() && *port >= 0 && *port <= 65535;
}

// The three groups below are added in this order so that --help keeps its long-standing order.
void AddServerFlags(CLI::App& app, Flags& flags) {
  app.add_option("--listen", flags.listen, "HOST:PORT to listen on (port 0 = pick a free port)")
      ->capture_default_str();
  app.add_option("--tls-cert", flags.cert_file, "PEM certificate (HTTPS only)")->required();
  app.add_option("--tls-key", flags.key_file, "PEM private key")->required();
  app.add_option("--state", flags.state_file, "SQLite state file (survives restarts)")
      ->capture_default_str();
  app.add_option("--principal", flags.principal_flags,
                 "TENANT_ID:CLIENT_ID:CLIENT_SECRET:OBJECT_ID (repeatable)");
  app.add_option("--lro-seconds", flags.lro_seconds, "How long provisioning and LROs take")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--token-lifetime-seconds", flags.token_lifetime, "Lifetime of issued tokens")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
}

void AddConnectionFlags(CLI::App& app, Flags& flags) {
  app.add_option("--max-connections", flags.max_connections,
                 "Connections served at once (each idle keep-alive client holds one)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--keep-alive-seconds", flags.keep_alive_seconds,
                 "Close a keep-alive connection idle for this long")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--request-log-size", flags.request_log_size,
                 "Requests kept for GET /_emulator/requests (0 = no request log)")
      ->capture_default_str();
}

void AddTestingFlags(CLI::App& app, Flags& flags) {
  app.add_option("--throttling", flags.throttling, "ARM token-bucket throttling: on|off")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--throttle-scale", flags.throttle_scale,
                 "Multiply throttling refill rates (e.g. 100 for fast tests)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--faults", flags.faults_flag,
                 "Fault injection spec: JSON or 'seed=42;503@0.2;reset@0.05;latency=200ms;"
                 "lro-fail@0.5' (see docs/emulator.md)");
  app.add_option("--managed-identity", flags.managed_identity,
                 "CLIENT_ID of the --principal that managed-identity tokens represent "
                 "(default: the first)");
  app.add_option("--identity-header", flags.identity_header,
                 "Secret the App Service MI endpoint (/msi/token) requires in X-IDENTITY-HEADER "
                 "(default: any non-empty value)");
}

// Checks the flags that CLI11 cannot; prints the problem and returns nullopt on the first one.
std::optional<Config> Validate(const Flags& flags) {
  Config config;
  for (const auto& flag : flags.principal_flags) {
    std::string error;
    auto principal = ParsePrincipalFlag(flag, &error);
    if (!principal) {
      std::cerr << error << "\n";
      return std::nullopt;
    }
    config.principals.push_back(*principal);
  }
  if (!flags.faults_flag.empty()) {
    std::string fault_error;
    auto parsed = ParseFaultSpecFlag(flags.faults_flag, &fault_error);
    if (!parsed) {
      std::cerr << "--faults: " << fault_error << "\n";
      return std::nullopt;
    }
    config.fault_spec = *parsed;
  }
  const auto& principals = config.principals;
  if (!flags.managed_identity.empty() &&
      std::none_of(principals.begin(), principals.end(), [&](const PrincipalCredential& p) {
        return p.client_id == flags.managed_identity;
      })) {
    std::cerr << "--managed-identity must be the CLIENT_ID of one of the --principal flags\n";
    return std::nullopt;
  }
  if (!SplitListen(flags.listen, &config.host, &config.port)) {
    std::cerr << "--listen must be HOST:PORT\n";
    return std::nullopt;
  }
  return config;
}

ServerOptions MakeServerOptions(const Flags& flags, const FaultSpec& fault_spec) {
  ServerOptions options;
  options.lro_seconds = flags.lro_seconds;
  options.throttling = flags.throttling == "on";
  options.throttle_scale = flags.throttle_scale;
  options.faults = fault_spec;
  options.max_connections = flags.max_connections;
  options.keep_alive_seconds = flags.keep_alive_seconds;
  options.request_log_size = flags.request_log_size;
  return options;
}

// Serves until SIGTERM or SIGINT; returns main's exit code.
int ServeUntilSignalled(Server& server, const Flags& flags, const Config& config) {
  // Block the stop signals in every thread and wait for them in one, so that stopping is an
  // ordinary call rather than work inside an async signal handler.
  // A dropped connection (fault injection, or a client that went away) must not kill the
  // process when OpenSSL writes to it.
  signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread waiter([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == 0) return;
    spdlog::info("signal {} received, stopping", signal_number);
    server.Stop();
  });

  std::string error;
  bool ok = server.Serve(
      config.host, config.port, flags.cert_file, flags.key_file,
      [&](int bound) {
        std::printf("listening on https://%s:%d\n", config.host.c_str(), bound);
        std::fflush(stdout);
      },
      &error);
  if (!ok) {
    std::cerr << error << "\n";
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    return 1;
  }
  // Serve returned because Stop() ran (the waiter consumed the signal).
  waiter.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace keyward::emulator

int main(int argc, char** argv) {
  using namespace keyward::emulator;
  CLI::App app{"keyward-arm-emulator: a local Azure Resource Manager for Microsoft.KeyVault"};
  Flags flags;
  AddServerFlags(app, flags);
  AddConnectionFlags(app, flags);
  AddTestingFlags(app, flags);
  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr; stdout carries only the "listening on" line that scripts parse.
  auto logger = spdlog::stderr_color_mt("emulator");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(flags.log_level));

  std::optional<Config> config = Validate(flags);
  if (!config) return 2;

  std::string error;
  auto store = Store::Open(flags.state_file, &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  Store& store_ref = *store;
  Server server(MakeServerOptions(flags, config->fault_spec), std::move(store));
  Identity identity(store_ref, config->principals, flags.token_lifetime);
  identity.SetManagedIdentity(flags.managed_identity);
  identity.SetIdentityHeader(flags.identity_header);
  server.RegisterAllRoutes(identity);
  return ServeUntilSignalled(server, flags, *config);
}
