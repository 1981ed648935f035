// The Secret handler against the real keyward-arm-emulator over HTTPS: list-only refresh, create,
// no-op re-plan, source change, out-of-band writes reported as drift, PATCH for attribute-only
// changes, and apply refusing a value that changed after the plan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/secret_source.h"
#include "providers/azure/kinds/emulator_client_test_util.h"
#include "providers/azure/kinds/resource_group_handler.h"
#include "providers/azure/kinds/secret_handler.h"
#include "providers/azure/kinds/secret_model.h"
#include "providers/azure/kinds/vault_handler.h"
#include "providers/azure/kinds/vault_model.h"
#include "tests/support/canary_secrets.h"
#include "tests/support/emulator_process.h"
#include "tests/support/https.h"

namespace keyward::azure {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kStack[] = "secret-test";
constexpr char kEnvName[] = "DB_PASSWORD";

class SecretHandlerEmulatorTest : public EmulatorHandlerTest {
 protected:
  SecretHandlerEmulatorTest() : EmulatorHandlerTest(kStack) {}
  void SetUpTest() override {
    set_.config.fingerprint_key_env = "TEST_FINGERPRINT_KEY";
    env_->Set("TEST_FINGERPRINT_KEY", canary::kFingerprintKey);
    env_->Set(kEnvName, canary::kSecretValue);
    handler_ = std::make_unique<SecretHandler>(client_, files_, env_);
    CreateVault();
  }

  void CreateVault() {
    const engine::DesiredResource group = DesiredGroup("rg-sec-" + suffix_);
    ApplyFresh(groups_, group);

    vault_ = Resolved(vaults_, {.kind = "Vault",
                                .name = "kv-sec-" + suffix_,
                                .subscription = kt::kSubscriptionId,
                                .resource_group = group.name,
                                .spec = {{"location", "westeurope"}, {"tenantId", kt::kTenantId}}});
    ApplyFresh(vaults_, vault_);
    // Refresh the vault like the engine does, as the secret refresh's parent.
    engine::RefreshRequest request;
    request.desired = {&vault_};
    auto observed = vaults_.Refresh(request, ctx_);
    ASSERT_TRUE(observed) << observed.error().ToString();
    parents_.resources = observed->resources;
  }

  void ApplyFresh(engine::ResourceHandler& handler, const engine::DesiredResource& d) {
    engine::PlanChangeRequest request;
    request.desired = &d;
    request.options = &options_;
    Change c = handler.PlanChange(request);
    ASSERT_EQ(c.action, Action::kCreate) << c.reason;
    auto applied = handler.Apply({&c, &d}, ctx_);
    ASSERT_TRUE(applied) << applied.error().ToString();
  }

  // The desired secret with its fingerprint resolved from the fake environment, as the CLI does.
  engine::DesiredResource& Secret(const std::string& name, Json extra = Json::object()) {
    set_.resources.clear();
    engine::DesiredResource d;
    d.kind = kSecretKind;
    d.name = name;
    d.subscription = kt::kSubscriptionId;
    d.resource_group = vault_.resource_group;
    d.spec = {{"vault", vault_.name}, {"valueFrom", {{"env", kEnvName}}}};
    d.spec.update(extra);
    auto resolved = handler_->Resolve({&d, &set_.config});
    EXPECT_TRUE(resolved.diagnostics.empty());
    d.address = resolved.address;
    d.arm_id = resolved.arm_id;
    set_.resources.push_back(d);
    Reresolve();
    return set_.resources.back();
  }

  void Reresolve() {
    engine::Diagnostics d = engine::ResolveSecretFingerprints(set_, *files_, *env_);
    ASSERT_FALSE(d.HasErrors());
  }

  engine::RefreshResponse Refresh(std::vector<std::string> scopes = {}) {
    engine::RefreshRequest request;
    for (const auto& d : set_.resources) request.desired.push_back(&d);
    request.scopes = std::move(scopes);
    request.parents = &parents_;
    request.desired_set = &set_;
    auto out = handler_->Refresh(request, ctx_);
    EXPECT_TRUE(out) << (out ? "" : out.error().ToString());
    return out ? *out : engine::RefreshResponse{};
  }

  Change Plan(const engine::DesiredResource& d) {
    refreshed_ = Refresh();
    engine::PlanChangeRequest request;
    request.desired = &d;
    request.options = &options_;
    request.desired_set = &set_;
    for (const auto& o : refreshed_.resources)
      if (IEquals(o.arm_id, d.arm_id)) request.observed = &o;
    return handler_->PlanChange(request);
  }

  Result<engine::ApplyResponse> Apply(const Change& c, const engine::DesiredResource& d) {
    return handler_->Apply({&c, &d, &set_.config}, ctx_);
  }

  void ApplyOk(const Change& c, const engine::DesiredResource& d) {
    auto out = Apply(c, d);
    ASSERT_TRUE(out) << out.error().ToString();
    // What the engine's verification does: re-plan against the re-read live resource.
    engine::ObservedResource live{kSecretKind, d.address, d.arm_id, out->live, out->fingerprint};
    engine::PlanChangeRequest request;
    request.desired = &d;
    request.observed = &live;
    request.options = &options_;
    EXPECT_EQ(handler_->PlanChange(request).action, Action::kNoOp);
  }

  static std::string Path(const std::string& arm_id) { return arm_id + "?api-version=2024-11-01"; }

  engine::ObservedSet parents_;
  engine::RefreshResponse refreshed_;
  engine::DesiredResource vault_;
  std::shared_ptr<engine::FakeFileReader> files_ = std::make_shared<engine::FakeFileReader>();
  std::shared_ptr<engine::FakeEnvironment> env_ = std::make_shared<engine::FakeEnvironment>();
  std::unique_ptr<SecretHandler> handler_;
  VaultHandler vaults_{client_};
};

TEST_F(SecretHandlerEmulatorTest, CreateThenReplanIsNoOpWithOneListCallAndNoValueAnywhere) {
  auto& d = Secret("db-password", {{"contentType", "text/plain"}});
  const int lists = Count("Secrets_List");
  Change create = Plan(d);
  EXPECT_EQ(Count("Secrets_List") - lists, 1);
  ASSERT_EQ(create.action, Action::kCreate) << create.reason;
  ApplyOk(create, d);

  auto live = Arm("GET", Path(d.arm_id));
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(live.Json()["tags"]["keyward-value-hmac"], d.value_fingerprint);
  EXPECT_EQ(live.Json()["tags"]["keyward-stack"], kStack);
  EXPECT_EQ(live.Json()["properties"]["contentType"], "text/plain");
  EXPECT_THAT(live.body, Not(HasSubstr(canary::kSecretValue)));

  const int gets = Count("Secrets_Get");
  Change again = Plan(d);
  EXPECT_EQ(again.action, Action::kNoOp) << again.reason;
  EXPECT_EQ(Count("Secrets_Get"), gets) << "refresh lists, never GETs one secret";
  EXPECT_THAT(emulator_->Stdout(), Not(HasSubstr(canary::kSecretValue)));
}

TEST_F(SecretHandlerEmulatorTest, ChangedSourceValueIsPlannedAndWrittenAsUpdate) {
  auto& d = Secret("rotating");
  ApplyOk(Plan(d), d);
  env_->Set(kEnvName, "second-value");
  Reresolve();
  auto& updated = set_.resources.back();
  Change c = Plan(updated);
  ASSERT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "source_value_changed");
  const int puts = Count("Secrets_CreateOrUpdate");
  ApplyOk(c, updated);
  EXPECT_EQ(Count("Secrets_CreateOrUpdate") - puts, 1);
  EXPECT_EQ(Plan(updated).action, Action::kNoOp);
}

TEST_F(SecretHandlerEmulatorTest, OutOfBandValueWriteIsDrift) {
  auto& d = Secret("tampered");
  ApplyOk(Plan(d), d);
  // Someone sets a new value through ARM and keeps only the ownership tag.
  auto put = Arm("PUT", Path(d.arm_id),
                 {{"tags", {{"keyward-stack", kStack}}}, {"properties", {{"value", "by-hand"}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  Change c = Plan(d);
  EXPECT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "value_changed_outside_keyward");
  ApplyOk(c, d);

  // A write that drops every tag (what `az keyvault secret set` does) leaves nothing to prove
  // keyward ever owned the secret: it is adopted, and the value written again.
  ASSERT_EQ(Arm("PUT", Path(d.arm_id), {{"properties", {{"value", "by-hand-2"}}}}).status, 200);
  Change adopt = Plan(d);
  EXPECT_EQ(adopt.action, Action::kAdopt);
  EXPECT_TRUE(WritesValue(adopt));
  ApplyOk(adopt, d);
}

TEST_F(SecretHandlerEmulatorTest, ApplyRefusesWhenTheSourceChangedAfterThePlan) {
  auto& d = Secret("moving");
  Change create = Plan(d);
  ASSERT_EQ(create.action, Action::kCreate);
  env_->Set(kEnvName, "changed-after-plan");
  const int puts = Count("Secrets_CreateOrUpdate");
  auto out = Apply(create, d);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kAborted);
  EXPECT_THAT(out.error().message, HasSubstr("source value changed since the plan was made"));
  EXPECT_THAT(out.error().message, Not(HasSubstr("changed-after-plan")));
  EXPECT_EQ(Count("Secrets_CreateOrUpdate"), puts) << "nothing written";
  EXPECT_EQ(Arm("GET", Path(d.arm_id)).status, 404);

  env_->Set(kEnvName, canary::kSecretValue);
  env_->Set("TEST_FINGERPRINT_KEY", "another-key");
  auto rotated = Apply(create, d);
  ASSERT_FALSE(rotated);
  EXPECT_THAT(rotated.error().message, HasSubstr("fingerprint key changed"));

  env_->Unset(kEnvName);
  auto missing = Apply(create, d);
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("DB_PASSWORD is not set"));
}

TEST_F(SecretHandlerEmulatorTest, AttributeOnlyChangeIsAPatchWithoutValue) {
  auto& d = Secret("attrs");
  ApplyOk(Plan(d), d);
  auto& changed = Secret("attrs", {{"attributes", {{"enabled", false}, {"exp", 2000000000}}}});
  Change c = Plan(changed);
  ASSERT_EQ(c.action, Action::kUpdate);
  EXPECT_EQ(c.reason_code, "drift");
  EXPECT_FALSE(WritesValue(c));
  const int puts = Count("Secrets_CreateOrUpdate");
  const int patches = Count("Secrets_Update");
  ApplyOk(c, changed);
  EXPECT_EQ(Count("Secrets_CreateOrUpdate"), puts);
  EXPECT_EQ(Count("Secrets_Update") - patches, 1);
  auto live = Arm("GET", Path(changed.arm_id)).Json();
  EXPECT_EQ(live["properties"]["attributes"]["enabled"], false);
  EXPECT_EQ(live["properties"]["attributes"]["exp"], 2000000000);
  // Out-of-band attribute change is drift on a managed field.
  ASSERT_EQ(
      Arm("PATCH", Path(changed.arm_id), {{"properties", {{"attributes", {{"enabled", true}}}}}})
          .status,
      200);
  Change drift = Plan(changed);
  EXPECT_EQ(drift.action, Action::kUpdate);
  ASSERT_EQ(drift.field_changes.size(), 1u);
  EXPECT_EQ(drift.field_changes[0].path, "properties.attributes.enabled");
}

TEST_F(SecretHandlerEmulatorTest, PruneScopeListsOwnedVaultsAndDisableIsApplied) {
  auto& d = Secret("orphan");
  ApplyOk(Plan(d), d);
  // The secret leaves the manifests; the vault (owned by the stack) is still live.
  set_.resources.clear();
  const std::string scope = "/subscriptions/" + std::string(kt::kSubscriptionId) +
                            "/resourceGroups/" + vault_.resource_group;
  auto refreshed = Refresh({scope});
  const engine::ObservedResource* orphan = nullptr;
  for (const auto& o : refreshed.resources)
    if (o.address == "Secret/" + vault_.name + "/orphan") orphan = &o;
  ASSERT_NE(orphan, nullptr);

  engine::PlanChangeRequest request;
  request.observed = orphan;
  request.options = &options_;
  request.desired_set = &set_;
  EXPECT_EQ(handler_->PlanChange(request).action, Action::kUnsupported);
  set_.config.disable_pruned_secrets = true;
  Change disable = handler_->PlanChange(request);
  ASSERT_EQ(disable.action, Action::kUpdate);
  auto out = handler_->Apply({&disable, nullptr, &set_.config}, ctx_);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(out->live["properties"]["attributes"]["enabled"], false);
}

}  // namespace
}  // namespace keyward::azure
