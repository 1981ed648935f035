// The manifest directories the benchmarks load: written once per size under the temporary
// directory, removed when the process exits. One copy, so that load_bench and plan_bench measure
// the same estate.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace keyward::bench {

inline constexpr char kSubscription[] = "11111111-2222-4333-8444-555555555555";
// The mix (scripts/bench-estate.py): the vault, 4 access policies, 3 keys, 4 secrets.
inline constexpr int kResourcesPerVault = 12;

// A fresh directory named after `prefix`, this process and `n`, with its keyward.yaml; empty
// when it was already written by this process (then the caller has nothing to write).
inline std::filesystem::path NewStackDirectory(const std::string& prefix, int n, bool* fresh) {
  struct Written {
    std::vector<std::filesystem::path> dirs;
    ~Written() {
      std::error_code ec;
      for (const auto& dir : dirs) std::filesystem::remove_all(dir, ec);
    }
  };
  static Written written;
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + std::to_string(::getpid()) + "-" + std::to_string(n));
  *fresh = !std::filesystem::exists(dir);
  if (!*fresh) return dir;
  std::filesystem::create_directories(dir);
  written.dirs.push_back(dir);
  std::ofstream(dir / "keyward.yaml")
      << "stack: bench\ndefaults:\n  subscription: " << kSubscription
      << "\n  resourceGroup: rg-bench\n  location: westeurope\n"
         "  tenantId: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n";
  return dir;
}

inline std::string Guid(int a, int b) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-%04x-4000-8000-%012x", a, b & 0xffff, a * 16 + b);
  return text;
}

// A manifest directory of about n resources in the mix above, one file per vault.
inline std::filesystem::path EstateDirectory(const std::string& prefix, int n) {
  bool fresh = false;
  const auto dir = NewStackDirectory(prefix, n, &fresh);
  if (!fresh) return dir;
  for (int v = 0; v < n / kResourcesPerVault; ++v) {
    const std::string vault = "bench-kv-" + std::to_string(v);
    std::ofstream out(dir / (vault + ".yaml"));
    out << "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: " << vault
        << "\nspec:\n  sku: { family: A, name: standard }\n  publicNetworkAccess: Disabled\n"
           "  softDeleteRetentionInDays: 30\n  enableRbacAuthorization: false\n"
           "  networkAcls:\n    defaultAction: Deny\n    bypass: AzureServices\n"
           "    ipRules: [ { value: 203.0.113.0/24 }, { value: 198.51.100.7 } ]\n"
           "  tags: { team: bench, cost-center: \"42\" }\n";
    for (int i = 0; i < 4; ++i) {
      out << "---\napiVersion: keyward.dev/v1alpha1\nkind: AccessPolicy\nmetadata:\n  name: app-"
          << i << "\nspec:\n  vault: " << vault << "\n  objectId: " << Guid(v, i)
          << "\n  permissions:\n    secrets: [get, list]\n    keys: [get, wrapKey, unwrapKey]\n";
    }
    for (int i = 0; i < 3; ++i) {
      out << "---\napiVersion: keyward.dev/v1alpha1\nkind: Key\nmetadata:\n  name: cmk-" << i
          << "\nspec:\n  vault: " << vault
          << "\n  kty: RSA\n  keySize: 3072\n  keyOps: [wrapKey, unwrapKey]\n"
             "  tags: { purpose: cmk }\n";
    }
    for (int i = 0; i < 4; ++i) {
      out << "---\napiVersion: keyward.dev/v1alpha1\nkind: Secret\nmetadata:\n  name: secret-" << i
          << "\nspec:\n  vault: " << vault
          << "\n  valueFrom: { env: BENCH_SECRET }\n  contentType: text/plain\n"
             "  tags: { rotation: quarterly }\n";
    }
  }
  return dir;
}

}  // namespace keyward::bench
