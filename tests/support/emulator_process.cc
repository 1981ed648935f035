#include "tests/support/emulator_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "tests/support/https.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string MakeTempDir(const char* prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  char* made = mkdtemp(tmpl.data());
  return made ? std::string(made) : std::string();
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

// Self-signed P-256 certificate for localhost / 127.0.0.1 (CA:TRUE so it can be the trust anchor).
TestCertificate GenerateCertificate() {
  TestCertificate out;
  std::string dir = MakeTempDir("keyward-test-cert-");
  if (dir.empty()) return out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 60L * 60 * 24 * 30);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
  AddExtension(cert, NID_ext_key_usage, "serverAuth");
  AddExtension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  AddExtension(cert, NID_subject_key_identifier, "hash");
  X509_sign(cert, key, EVP_sha256());

  std::string cert_file = dir + "/emulator-cert.pem";
  std::string key_file = dir + "/emulator-key.pem";
  FILE* f = fopen(cert_file.c_str(), "w");
  if (f) {
    PEM_write_X509(f, cert);
    fclose(f);
  }
  f = fopen(key_file.c_str(), "w");
  if (f) {
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  out.cert_file = cert_file;
  out.key_file = key_file;
  return out;
}

}  // namespace

const TestCertificate& SharedTestCertificate() {
  static const TestCertificate cert = GenerateCertificate();
  return cert;
}

std::string EmulatorBinaryPath() {
  if (const char* dir = std::getenv("KEYWARD_BIN_DIR"); dir && *dir) {
    return (fs::path(dir) / "keyward-arm-emulator").string();
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / ".." / "bin" / "keyward-arm-emulator").string();
}

EmulatorProcess::EmulatorProcess(EmulatorOptions options) : options_(std::move(options)) {}

std::unique_ptr<EmulatorProcess> EmulatorProcess::Start(const EmulatorOptions& options) {
  std::unique_ptr<EmulatorProcess> process(new EmulatorProcess(options));
  process->ca_file_ = SharedTestCertificate().cert_file;
  if (process->ca_file_.empty()) {
    ADD_FAILURE() << "could not generate the test certificate";
    return nullptr;
  }
  if (options.state_file.empty()) {
    process->owned_temp_dir_ = MakeTempDir("keyward-emulator-state-");
    process->state_file_ = process->owned_temp_dir_ + "/state.db";
  } else {
    process->state_file_ = options.state_file;
  }
  std::string error;
  if (!process->Launch(&error)) {
    ADD_FAILURE() << "emulator did not start: " << error << "\noutput:\n" << process->Stdout();
    return nullptr;
  }
  return process;
}

bool EmulatorProcess::Launch(std::string* error) {
  std::string binary = EmulatorBinaryPath();
  if (access(binary.c_str(), X_OK) != 0) {
    *error = "binary not found: " + binary;
    return false;
  }
  const TestCertificate& cert = SharedTestCertificate();
  std::vector<std::string> args = {
      binary,
      "--listen",
      "127.0.0.1:0",
      "--tls-cert",
      cert.cert_file,
      "--tls-key",
      cert.key_file,
      "--state",
      state_file_,
      "--lro-seconds",
      std::to_string(options_.lro_seconds),
      "--principal",
      std::string(kTenantId) + ":" + kClientId + ":" + kClientSecret + ":" + kObjectId};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());

  // Output accumulates across restarts (Stdout() is for leak checks); only look at this run's.
  size_t output_start = Stdout().size();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  pid_ = pid;
  out_fd_ = fds[0];
  // Drain the pipe continuously so the child never blocks on a full pipe.
  reader_ = std::thread([this, fd = out_fd_] {
    char buffer[4096];
    for (;;) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(output_mutex_);
      output_.append(buffer, static_cast<size_t>(n));
    }
  });

  static const std::regex kListening(R"(listening on (https://[^\s]+))");
  endpoint_.clear();
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline && endpoint_.empty()) {
    std::smatch match;
    std::string out = Stdout().substr(output_start);
    if (std::regex_search(out, match, kListening)) {
      endpoint_ = match[1];
      break;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "emulator exited early";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (endpoint_.empty()) {
    *error = "no 'listening on' line within 20 s";
    return false;
  }
  while (Clock::now() < deadline) {
    HttpsResult r = HttpsRequest("GET", endpoint_ + "/_emulator/health", {}, "", ca_file_);
    if (r.status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "health check did not answer 200 at " + endpoint_;
  return false;
}

void EmulatorProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    int status = 0;
    bool reaped = false;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
}

void EmulatorProcess::Restart() {
  Stop();
  std::string error;
  if (!Launch(&error)) {
    ADD_FAILURE() << "emulator did not restart: " << error << "\noutput:\n" << Stdout();
  }
}

std::string EmulatorProcess::Stdout() const {
  std::lock_guard<std::mutex> lock(output_mutex_);
  return output_;
}

EmulatorProcess::~EmulatorProcess() {
  Stop();
  if (!owned_temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(owned_temp_dir_, ec);
  }
}

}  // namespace keyward::testing
