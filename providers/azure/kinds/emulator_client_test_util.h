// The ArmClient every *_handler_emulator_test.cc drives the real emulator with: signed in as the
// emulator fixture's default principal over its self-signed TLS, polling fast because the test
// emulators run long-running operations in a fraction of a second. Header-only and named
// *_test_util.h so the library glob never picks it up.
#pragma once

#include <chrono>
#include <memory>

#include "providers/azure/arm/arm_client.h"
#include "providers/azure/arm/credential.h"
#include "tests/support/emulator_process.h"

namespace keyward::azure {

inline std::shared_ptr<ArmClient> EmulatorArmClient(const testing::EmulatorProcess& emulator) {
  ClientSecretCredentialOptions credential_options;
  credential_options.authority_host = emulator.endpoint();
  credential_options.ca_file = emulator.ca_file();
  ArmClientOptions options;
  options.endpoint = emulator.endpoint();
  options.ca_file = emulator.ca_file();
  options.credential = std::make_shared<ClientSecretCredential>(
      testing::kTenantId, testing::kClientId, testing::kClientSecret, credential_options);
  // The emulator's Retry-After is at least 1 s while its LROs finish in 0.2 s: poll sooner.
  options.poll.default_interval = std::chrono::milliseconds(100);
  options.poll.max_interval = std::chrono::milliseconds(200);
  return std::make_shared<ArmClient>(std::move(options));
}

}  // namespace keyward::azure
