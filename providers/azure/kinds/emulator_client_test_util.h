// What every *_handler_emulator_test.cc drives the real emulator with: the ArmClient (signed in
// as the emulator fixture's default principal over its self-signed TLS, polling fast because the
// test emulators run long-running operations in a fraction of a second) and the base fixture that
// starts one emulator per suite. Header-only and named *_test_util.h so the library glob never
// picks it up.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/apply.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/arm/credential.h"
#include "providers/azure/handlers.h"
#include "providers/azure/kinds/resource_group_handler.h"
#include "providers/azure/kinds/vault_model.h"  // IEquals
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {

// The emulator fixture's constants (kt::kTenantId, kt::kSubscriptionId, ...), as every suite
// spells them.
namespace kt = keyward::testing;

// Where RegisterAzureHandlers puts `kind` in the engine's refresh order (the registration
// order), -1 where it registers no such kind.
inline int AzureRefreshPosition(std::string_view kind) {
  engine::HandlerRegistry registry;
  RegisterAzureHandlers(registry, nullptr);
  for (size_t i = 0; i < registry.all().size(); ++i) {
    if (registry.all()[i]->Kind() == kind) return static_cast<int>(i);
  }
  return -1;
}

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

// The base of every emulator-backed handler suite: one emulator (0.2 s LROs) and one client per
// suite, so a suite pays the emulator's start once; a fresh name suffix per test, because the
// tests of a suite share the emulator's state. Suites override SetUpTest, not SetUp, so that no
// test runs without an emulator.
class EmulatorHandlerTest : public ::testing::Test {
 protected:
  using Action = engine::Action;
  using Change = engine::Change;

  // `stack` is the suite's keyward stack: the one its plans and its desired set are for.
  explicit EmulatorHandlerTest(const std::string& stack) {
    options_.stack = stack;
    set_.config.stack = stack;
  }

  static void SetUpTestSuite() {
    emulator_ = testing::EmulatorProcess::Start({.lro_seconds = 0.2}).release();
    ASSERT_NE(emulator_, nullptr);
    client_ = EmulatorArmClient(*emulator_);
  }
  static void TearDownTestSuite() {
    client_.reset();
    delete emulator_;
    emulator_ = nullptr;
  }

  void SetUp() final {
    ASSERT_NE(emulator_, nullptr);
    static std::atomic<int> counter{0};
    suffix_ = std::to_string(::getpid() % 10000) + "x" + std::to_string(counter++);
    SetUpTest();
  }
  virtual void SetUpTest() {}

  static std::shared_ptr<ArmClient> client() { return client_; }

  // A raw ARM call to the emulator, for what keyward's client must not be trusted to check.
  testing::HttpsResult Arm(const std::string& method, const std::string& path,
                           const Json& body = nullptr) {
    if (token_.empty()) token_ = testing::GetToken(*emulator_);
    return testing::ArmRequest(*emulator_, token_, method, path, body);
  }
  // The emulator's count of each ARM operation it served (GET /_emulator/stats).
  Json Stats() { return Arm("GET", "/_emulator/stats").Json(); }
  static int Count(const Json& stats, const std::string& operation) {
    return stats["operations"].value(operation, 0);
  }
  int Count(const std::string& operation) { return Count(Stats(), operation); }
  // How many more times the emulator served `operation` by `after` than by `before`.
  static int Served(const Json& before, const Json& after, const std::string& operation) {
    return Count(after, operation) - Count(before, operation);
  }

  // Every executed change of an engine::Apply succeeded and was verified by the engine's re-plan.
  static void ExpectApplied(const engine::ApplyReport& report) {
    for (const auto& r : report.results) {
      EXPECT_NE(r.outcome.status, engine::ChangeStatus::kFailed)
          << r.address << ": " << r.outcome.error.ToString();
      if (r.outcome.status == engine::ChangeStatus::kSucceeded) {
        EXPECT_TRUE(r.outcome.verified) << r.address;
      }
    }
  }

  // One handler driven by hand, the way the engine drives it.
  engine::RefreshResponse Refresh(engine::ResourceHandler& handler,
                                  std::vector<const engine::DesiredResource*> desired,
                                  std::vector<std::string> scopes = {}) {
    engine::RefreshRequest request;
    request.desired = std::move(desired);
    request.scopes = std::move(scopes);
    auto out = handler.Refresh(request, ctx_);
    EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().ToString());
    return out ? *out : engine::RefreshResponse{};
  }
  // What MakePlan does for one address, from a refresh response: the live resource by ARM id
  // (`arm_id` for a prune candidate), else a soft-deleted one by name, and ARM's answer on the
  // name under `name_key` (the kind's unavailable-name key).
  engine::Change PlanFrom(engine::ResourceHandler& handler, const engine::DesiredResource* desired,
                          const engine::RefreshResponse& refreshed,
                          const std::string& name_key = "", const std::string& arm_id = "") {
    const std::string id = desired ? desired->arm_id : arm_id;
    engine::PlanChangeRequest request;
    request.desired = desired;
    request.options = &options_;
    for (const auto& o : refreshed.resources) {
      if (IEquals(o.arm_id, id)) request.observed = &o;
    }
    if (desired && !request.observed) {
      for (const auto& sd : refreshed.soft_deleted) {
        if (IEquals(sd.name, desired->name) && IEquals(sd.subscription, desired->subscription)) {
          request.soft_deleted = &sd;
        }
      }
    }
    auto it = refreshed.unavailable_names.find(name_key);
    if (desired && it != refreshed.unavailable_names.end()) request.name_unavailable = &it->second;
    return handler.PlanChange(request);
  }
  Json Apply(engine::ResourceHandler& handler, const engine::Change& change,
             const engine::DesiredResource* desired) {
    engine::ApplyRequest request{&change, desired};
    auto out = handler.Apply(request, ctx_);
    EXPECT_TRUE(out.has_value()) << engine::ActionName(change.action) << ": "
                                 << (out ? "" : out.error().ToString());
    return out ? out->live : Json();
  }

  // A desired resource of `handler`'s kind, with the address and ARM id its Resolve gives it.
  static engine::DesiredResource Resolved(engine::ResourceHandler& handler,
                                          engine::DesiredResource d) {
    engine::ResolveRequest request{&d, nullptr};
    auto resolved = handler.Resolve(request);
    EXPECT_FALSE(resolved.diagnostics.HasErrors()) << d.kind << "/" << d.name;
    d.address = resolved.address;
    d.arm_id = resolved.arm_id;
    return d;
  }

  // A resolved ResourceGroup of spec group_spec_, and making it exist.
  engine::DesiredResource DesiredGroup(const std::string& name,
                                       const std::string& subscription = testing::kSubscriptionId) {
    return Resolved(
        groups_,
        {.kind = "ResourceGroup", .name = name, .subscription = subscription, .spec = group_spec_});
  }
  void EnsureGroup(const engine::DesiredResource& group) {
    engine::Change c = PlanFrom(groups_, &group, Refresh(groups_, {&group}));
    if (c.action != engine::Action::kNoOp) Apply(groups_, c, &group);
  }

  // The desired set driven through the engine: resolved as the loader would, refreshed, planned
  // and applied by engine::Refresh / MakePlan / Apply over registry_.
  engine::DesiredResource& Add(engine::DesiredResource d) {
    engine::ResolveRequest request{&d, &set_.config};
    const engine::ResolveResponse resolved = registry_.Find(d.kind)->Resolve(request);
    EXPECT_FALSE(resolved.diagnostics.HasErrors()) << d.kind << "/" << d.name;
    d.address = resolved.address;
    d.arm_id = resolved.arm_id;
    for (const auto& ref : resolved.references) {
      if (set_.Find(ref.address)) d.depends_on.push_back(ref.address);
    }
    set_.resources.push_back(std::move(d));
    return set_.resources.back();
  }
  engine::DesiredResource& Add(const std::string& kind, const std::string& name, Json spec,
                               const std::string& group = "") {
    engine::DesiredResource d;
    d.kind = kind;
    d.name = name;
    d.subscription = testing::kSubscriptionId;
    if (kind != "ResourceGroup") d.resource_group = group;
    d.spec = std::move(spec);
    return Add(std::move(d));
  }
  // A resource group and a vault of that sku in it.
  void AddGroupAndVault(const std::string& group, const std::string& vault,
                        const std::string& sku = "standard") {
    Add("ResourceGroup", group, {{"location", "westeurope"}});
    Add("Vault", vault,
        {{"location", "westeurope"},
         {"tenantId", testing::kTenantId},
         {"sku", {{"family", "A"}, {"name", sku}}}},
        group);
  }
  engine::Plan PlanAll(const engine::RefreshOptions& refresh_options = {}) {
    auto observed = engine::Refresh(set_, registry_, refresh_options, ctx_);
    EXPECT_TRUE(observed.has_value()) << (observed ? "" : observed.error().ToString());
    if (!observed) return {};
    observed_ = *observed;
    return engine::MakePlan(set_, observed_, registry_, options_);
  }
  engine::ApplyReport ApplyAll(const engine::Plan& plan) {
    engine::ApplyObserver observer;
    return engine::Apply(plan, &set_, registry_, {}, observer, ctx_);
  }

  static inline testing::EmulatorProcess* emulator_ = nullptr;
  static inline std::shared_ptr<ArmClient> client_;
  Context ctx_;
  std::string suffix_;
  engine::PlanOptions options_;  // suites set the stack in SetUpTest
  Json group_spec_ = {{"location", "westeurope"}};
  ResourceGroupHandler groups_{client_};
  engine::HandlerRegistry registry_;
  engine::DesiredSet set_;
  engine::ObservedSet observed_;

 private:
  std::string token_;
};

}  // namespace keyward::azure
