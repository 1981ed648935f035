// Test fixture: runs the real keyward-arm-emulator binary as a child process over HTTPS.
//
// Tests everywhere in keyward (ARM client, engine, e2e, conformance) stand on this fixture instead
// of hand-rolled HTTP fakes. It deliberately does not link the emulator library: it spawns the
// binary that users run, so what is tested is what ships.
//
// Invariants:
//   * One self-signed certificate (CN=localhost, SAN localhost + 127.0.0.1, CA:TRUE) is generated
//   per
//     test process and reused by every emulator it starts; ca_file() is that certificate, usable as
//     the trust anchor.
//   * The emulator always listens on 127.0.0.1 with an OS-picked port; endpoint() is only valid
//   after
//     Start()/Restart() returned.
//   * The default principal below is always registered; extra_args may add more with --principal.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyward::testing {

struct EmulatorOptions {
  double lro_seconds = 0.2;
  std::vector<std::string> extra_args;
  std::string state_file;  // empty = a fresh temp file, removed with the process object
};

// Fixed identities so tests and recorded expectations are stable.
inline constexpr char kTenantId[] = "72f988bf-86f1-41af-91ab-2d7cd011db47";
inline constexpr char kClientId[] = "0c1d9a8e-4b6f-4d2a-9e3b-6a5f7c8d9e01";
inline constexpr char kClientSecret[] = "keyward-test-secret-Zq8~v1";
inline constexpr char kObjectId[] = "5b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
inline constexpr char kSubscriptionId[] = "11111111-2222-4333-8444-555555555555";
// A second subscription, for cross-subscription scenarios (any GUID is accepted by the emulator).
inline constexpr char kOtherSubscriptionId[] = "99999999-8888-4777-8666-555555555555";

class EmulatorProcess {
 public:
  // Starts the emulator and waits until GET /_emulator/health answers 200. Aborts the current test
  // with a fatal gtest failure (and returns nullptr) if it cannot.
  static std::unique_ptr<EmulatorProcess> Start(const EmulatorOptions& options = {});
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  const std::string& endpoint() const { return endpoint_; }  // "https://127.0.0.1:PORT"
  const std::string& ca_file() const { return ca_file_; }
  const std::string& state_file() const { return state_file_; }
  pid_t pid() const { return pid_; }

  // Stops (SIGTERM) and starts again on the same state file; the port may change.
  void Restart();
  // Everything the emulator wrote to stdout and stderr so far (for secret-leak checks).
  std::string Stdout() const;

 private:
  explicit EmulatorProcess(EmulatorOptions options);
  bool Launch(std::string* error);
  void Stop();

  EmulatorOptions options_;
  std::string endpoint_;
  std::string ca_file_;
  std::string state_file_;
  std::string owned_temp_dir_;  // removed in the destructor when non-empty
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::thread reader_;
  mutable std::mutex output_mutex_;
  std::string output_;
};

// Path of the emulator binary: $KEYWARD_BIN_DIR/keyward-arm-emulator, else ../bin next to the test.
std::string EmulatorBinaryPath();

// The process-wide self-signed certificate and key (generated on first call).
struct TestCertificate {
  std::string cert_file;
  std::string key_file;
};
const TestCertificate& SharedTestCertificate();

}  // namespace keyward::testing
