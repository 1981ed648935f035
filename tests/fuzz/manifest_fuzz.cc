// libFuzzer target: bytes -> `keyward validate` (engine::ValidateManifests with the Azure handlers
// and guardrail rules): strict YAML parsing, JSON Schema validation (RE2 patterns), keyward.yaml,
// reference resolution, the dependency graph and secret-source checks.
//
// Input: a manifest file, optionally followed by a line `#@@keyward.yaml@@` and the stack's
// keyward.yaml (so both files are mutated; seeds in corpus/manifest_fuzz/). Any input must give a
// result with diagnostics, never a crash, a sanitizer report or an escaped exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/file_reader.h"
#include "engine/resource_handler.h"
#include "engine/secret_source.h"
#include "engine/validate.h"
#include "providers/azure/guardrails/key_vault_rules.h"
#include "providers/azure/handlers.h"

namespace {

constexpr std::string_view kConfigMarker = "\n#@@keyward.yaml@@\n";

const keyward::engine::HandlerRegistry& Registry() {
  static const auto* registry = [] {
    auto* r = new keyward::engine::HandlerRegistry();
    keyward::azure::RegisterAzureHandlers(*r, nullptr);  // Resolve never calls ARM
    return r;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  keyward::engine::FakeFileReader files;
  const size_t marker = input.find(kConfigMarker);
  if (marker == std::string_view::npos) {
    files.AddFile("stack/v.yaml", std::string(input));
  } else {
    files.AddFile("stack/v.yaml", std::string(input.substr(0, marker)));
    files.AddFile("stack/keyward.yaml", std::string(input.substr(marker + kConfigMarker.size())));
  }
  // A secret file and variable that valueFrom can name, so secret sources are checked for real.
  files.AddFile("stack/secrets/db-password", "s3cret");
  keyward::engine::FakeEnvironment env;
  env.Set("DB_PASSWORD", "s3cret");
  env.Set("KEYWARD_FINGERPRINT_KEY", "fuzz-fingerprint-key");
  auto result = keyward::engine::ValidateManifests(
      {"stack"}, files, Registry(), &env, &keyward::azure::guardrails::KeyVaultGuardrails());
  for (const auto& d : result.diagnostics.items()) (void)d.ToString();
  return 0;
}
