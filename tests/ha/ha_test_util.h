// Shared pieces of the HA tests (docs/ha.md): the real services (keyward-arm-emulator, a
// 3-member etcd cluster, Azurite), manifest sets, and the emulator's request log read as "who
// wrote what, when" — every keyward process names its replica in the User-Agent
// ("keyward/0.1.0 replica/<id>"), so write windows can be computed per stack and checked for
// overlap.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e/daemon_test_util.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"
#include "tests/support/service_process.h"

namespace keyward::testing {

inline double UnixNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() /
         1e6;
}

inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

inline std::string StackKeywardYaml(const std::string& stack, int parallelism = 8) {
  return "stack: " + stack + "\ndefaults:\n  subscription: " + std::string(kSubscriptionId) +
         "\n  resourceGroup: rg-" + stack + "\n  location: westeurope\n  tenantId: " + kTenantId +
         "\npolicies:\n  parallelism: " + std::to_string(parallelism) + "\n";
}

// A stack with a resource group rg-STACK and a vault kv-STACK (publicNetworkAccess Disabled).
inline void WriteVaultStack(const std::filesystem::path& dir, const std::string& stack) {
  WriteFile(dir / "keyward.yaml", StackKeywardYaml(stack));
  WriteFile(dir / "rg.yaml",
            "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: rg-" +
                stack + "\nspec:\n  location: westeurope\n");
  WriteFile(dir / "vault.yaml",
            "apiVersion: keyward.dev/v1alpha1\nkind: Vault\nmetadata:\n  name: kv-" + stack +
                "\nspec:\n  location: westeurope\n  sku: { family: A, name: standard }\n"
                "  publicNetworkAccess: Disabled\n  softDeleteRetentionInDays: 30\n");
}

// A stack of `count` resource groups rg-STACK-01.. applied one at a time (parallelism 1), so an
// apply takes count x (the emulator's PUT latency).
inline void WriteResourceGroupStack(const std::filesystem::path& dir, const std::string& stack,
                                    int count, const std::string& owner = "keyward") {
  WriteFile(dir / "keyward.yaml", StackKeywardYaml(stack, /*parallelism=*/1));
  std::string docs;
  for (int i = 1; i <= count; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "rg-%s-%02d", stack.c_str(), i);
    docs += std::string(i > 1 ? "---\n" : "") +
            "apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: " + name +
            "\nspec:\n  location: westeurope\n  tags: { owner: " + owner + " }\n";
  }
  WriteFile(dir / "groups.yaml", docs);
}

inline std::string VaultArmPath(const std::string& stack) {
  return "/subscriptions/" + std::string(kSubscriptionId) + "/resourceGroups/rg-" + stack +
         "/providers/Microsoft.KeyVault/vaults/kv-" + stack + "?api-version=2024-11-01";
}

struct Write {
  double start = 0, end = 0;
  std::string method, path, replica, stack;
};

// Reads the emulator's request log incrementally and keeps the writes (anything but GET / HEAD)
// made by keyward processes, tagged with their replica and the stack their path belongs to.
class WriteLog {
 public:
  explicit WriteLog(const EmulatorProcess* emulator,
                    std::function<std::string(const std::string& path)> stack_of)
      : emulator_(emulator), stack_of_(std::move(stack_of)) {}

  void Poll() {
    for (;;) {
      auto page = HttpsRequest(
          "GET", emulator_->endpoint() + "/_emulator/requests?since=" + std::to_string(next_), {},
          "", emulator_->ca_file());
      ASSERT_EQ(page.status, 200) << page.body;
      const auto json = page.Json();
      dropped_ += json.value("dropped", 0L);
      const auto& requests = json["requests"];
      for (const auto& r : requests) {
        const std::string method = r["method"];
        if (method == "GET" || method == "HEAD") continue;
        // A read that ARM spells as a POST (vault name availability): not a write.
        if (r.value("operation", "").find("CheckNameAvailability") != std::string::npos) continue;
        static const std::regex kReplica("replica/([^ ]+)");
        std::smatch m;
        const std::string agent = r["userAgent"];
        if (!std::regex_search(agent, m, kReplica)) continue;  // the test's own writes
        writes_.push_back({r["start"], r["end"], method, r["path"], m[1], stack_of_(r["path"])});
      }
      next_ = json["next"];
      if (requests.empty()) return;
    }
  }
  const std::vector<Write>& writes() {
    Poll();
    return writes_;
  }
  long dropped() const { return dropped_; }

  // Per stack, the writes in arrival order form windows of one replica; a window must end (its
  // last response) before the next replica's first write arrives. "" when they never overlap.
  std::string Overlaps() {
    std::map<std::string, std::vector<Write>> by_stack;
    std::string problems;
    for (const Write& w : writes()) {
      if (w.stack == "?")
        problems += "a write outside every stack: " + w.method + " " + w.path + "\n";
      by_stack[w.stack].push_back(w);
    }
    for (auto& [stack, list] : by_stack) {
      std::sort(list.begin(), list.end(),
                [](const Write& a, const Write& b) { return a.start < b.start; });
      std::string replica;
      double window_end = 0;
      for (const Write& w : list) {
        if (!replica.empty() && w.replica != replica && w.start < window_end) {
          char line[512];
          std::snprintf(line, sizeof line,
                        "stack %s: %s wrote %s %s at %.6f while %s's window ran until %.6f\n",
                        stack.c_str(), w.replica.c_str(), w.method.c_str(), w.path.c_str(), w.start,
                        replica.c_str(), window_end);
          problems += line;
        }
        if (w.replica != replica) {
          replica = w.replica;
          window_end = w.end;
        } else {
          window_end = std::max(window_end, w.end);
        }
      }
    }
    return problems;
  }
  // Writes by `replica` that arrived at or after `since` (unix seconds).
  std::vector<Write> WritesBy(const std::string& replica, double since) {
    std::vector<Write> out;
    for (const Write& w : writes())
      if (w.replica == replica && w.start >= since) out.push_back(w);
    return out;
  }
  std::vector<Write> WritesSince(double since) {
    std::vector<Write> out;
    for (const Write& w : writes())
      if (w.start >= since) out.push_back(w);
    return out;
  }

 private:
  const EmulatorProcess* emulator_;
  std::function<std::string(const std::string&)> stack_of_;
  long next_ = 1;
  long dropped_ = 0;
  std::vector<Write> writes_;
};

// "…/resourceGroups/rg-s1…" -> "s1"; "rg-slow-03" -> "slow".
inline std::string StackOfPath(const std::string& path) {
  static const std::regex kGroup("/resource[gG]roups/rg-([a-z0-9]+)");
  std::smatch m;
  return std::regex_search(path, m, kGroup) ? m[1].str() : "?";
}

// The emulator, with its request log large enough for a whole test and no throttling (three
// replicas refreshing six stacks every few seconds is more than ARM's per-subscription read
// budget, and throttling is not what these tests are about).
inline std::unique_ptr<EmulatorProcess> StartHaEmulator() {
  EmulatorOptions options;
  options.lro_seconds = 0.1;
  options.extra_args = {"--throttling", "off", "--request-log-size", "2000000"};
  return EmulatorProcess::Start(options);
}

// Adds latency to the emulator's PUTs whose path matches `path_regex` (faults API).
inline void SlowPuts(const EmulatorProcess& emulator, const std::string& path_regex, int millis) {
  const nlohmann::json spec = {
      {"rules", {{{"match", {{"method", "PUT"}, {"path", path_regex}}}, {"latencyMs", millis}}}}};
  auto r = HttpsRequest("PUT", emulator.endpoint() + "/_emulator/faults",
                        {{"Content-Type", "application/json"}}, spec.dump(), emulator.ca_file());
  ASSERT_EQ(r.status, 200) << r.body;
}

inline std::filesystem::path TestRoot(const std::string& prefix) {
  auto root = std::filesystem::temp_directory_path() /
              (prefix + "-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  return root;
}

}  // namespace keyward::testing
