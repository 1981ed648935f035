// Test support for the plan renderers and the saved plan: golden-file comparison and hand-built
// plans covering every Action. Header-only; the engine library glob never picks it up.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/plan.h"

namespace keyward::engine::plan_testing {

inline std::filesystem::path SourceDir() {
  if (const char* root = std::getenv("KEYWARD_SOURCE_DIR"); root && *root) return root;
  return std::filesystem::path(__FILE__).parent_path().parent_path();
}

// Golden files live in engine/testdata. KEYWARD_UPDATE_GOLDEN=1 rewrites them instead of
// comparing (review the diff before committing). The directory comes from KEYWARD_SOURCE_DIR
// (set by ctest) or, when the binary is run by hand, from this file's own path.
inline std::filesystem::path TestdataDir() { return SourceDir() / "engine" / "testdata"; }

inline void ExpectGolden(const std::string& name, const std::string& actual) {
  const auto path = TestdataDir() / name;
  if (const char* update = std::getenv("KEYWARD_UPDATE_GOLDEN");
      update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with KEYWARD_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << path << " differs";
}

inline Change MakeChange(Action action, std::string address, std::string reason = {}) {
  Change c;
  c.action = action;
  c.address = std::move(address);
  c.kind = c.address.substr(0, c.address.find('/'));
  c.reason = std::move(reason);
  return c;
}

// One change per action, in an order that puts destructive ones in the middle, so the test
// shows that the renderer lifts them to the top.
inline Plan EveryActionPlan() {
  Plan plan;
  Change create = MakeChange(Action::kCreate, "Vault/payments-kv");
  create.field_changes = {{"location", nullptr, "westeurope"},
                          {"properties.sku.name", nullptr, "premium"}};
  plan.changes.push_back(create);

  Change update = MakeChange(Action::kUpdate, "Vault/orders-kv");
  update.field_changes = {
      {"properties.sku.name", "standard", "premium"},
      {"properties.networkAcls.ipRules", Json::array({{{"value", "203.0.113.0/24"}}}),
       Json::array({{{"value", "203.0.113.0/24"}}, {{"value", "198.51.100.7/32"}}})},
      {"tags.owner", "alice", nullptr}};
  plan.changes.push_back(update);

  plan.changes.push_back(MakeChange(Action::kNoOp, "Vault/steady-kv"));

  plan.changes.push_back(
      MakeChange(Action::kDelete, "Vault/old-kv", "not in the manifests and owned by this stack"));

  Change replace = MakeChange(Action::kReplace, "ManagedHsm/hsm1",
                              "properties.tenantId cannot change after creation");
  replace.field_changes = {{"properties.tenantId", "00000000-0000-0000-0000-000000000001",
                            "00000000-0000-0000-0000-000000000002"}};
  plan.changes.push_back(replace);

  plan.changes.push_back(MakeChange(Action::kPurgeThenCreate, "Vault/reborn-kv",
                                    "soft-deleted vault holds the name; policy asks to purge it"));

  Change recover = MakeChange(
      Action::kRecover, "Vault/lost-kv",
      "a soft-deleted vault holds the name; recover it, then apply the desired properties");
  recover.field_changes = {{"properties.enableRbacAuthorization", false, true}};
  plan.changes.push_back(recover);

  plan.changes.push_back(
      MakeChange(Action::kBlocked, "Vault/held-kv",
                 "name held by a purge-protected deleted vault until 2027-01-30T00:00:00Z"));

  Change unsupported = MakeChange(Action::kUnsupported, "Key/payments-kv/signing",
                                  "key properties cannot change after creation through ARM");
  unsupported.field_changes = {{"properties.kty", "RSA", "EC"}};
  plan.changes.push_back(unsupported);

  Change secret = MakeChange(Action::kUpdate, "Secret/payments-kv/db-password");
  secret.sensitive_paths = {"properties.value"};
  secret.field_changes = {{"properties.value", "old-canary-value", "new-canary-value"},
                          {"properties.contentType", nullptr, "text/plain"}};
  plan.changes.push_back(secret);

  Change adopt =
      MakeChange(Action::kAdopt, "Vault/legacy-kv", "exists without the keyward-stack tag");
  adopt.field_changes = {{"tags.keyward-stack", nullptr, "payments"}};
  plan.changes.push_back(adopt);

  Change drift = MakeChange(Action::kUpdate, "Vault/audited-kv");
  drift.report_only = true;
  drift.policy = ReconcilePolicy::kObserve;
  drift.field_changes = {{"properties.publicNetworkAccess", "Enabled", "Disabled"}};
  plan.changes.push_back(drift);
  return plan;
}

// EveryActionPlan plus what real handlers fill in: ARM ids, normalized before / after bodies
// (with a sensitive value in both), reason codes, warnings, fingerprints, dependencies and a
// diagnostic. Values containing "canary" are sensitive and must never be rendered.
// Guardrail findings as plans carry them, worst first: located, at a document, and waived.
inline std::vector<guardrails::Finding> EveryKindOfFinding() {
  auto finding = [](const char* rule, guardrails::Severity severity, const char* address,
                    const char* field, SourceLocation where) {
    guardrails::Finding f;
    f.rule_id = rule;
    f.rule_name = std::string("Rule") + rule;
    f.title = std::string("Title of ") + rule;
    f.severity = severity;
    f.address = address;
    f.kind = std::string(address).substr(0, std::string(address).find('/'));
    f.field = field;
    f.location = std::move(where);
    f.message = std::string(field) + " is wrong";
    f.remediation = std::string("Fix ") + field + ".";
    f.source = guardrails::FindingSource::kPlanned;
    return f;
  };
  std::vector<guardrails::Finding> findings = {
      finding("KW-KV-001", guardrails::Severity::kHigh, "Vault/payments-kv",
              "spec.enablePurgeProtection", {"manifests/vault.yaml", 9, 26}),
      finding("KW-KV-005", guardrails::Severity::kLow, "Vault/orders-kv",
              "spec.enableRbacAuthorization", {"manifests/vault.yaml", 20, 1}),
      finding("KW-KV-012", guardrails::Severity::kMedium, "Secret/payments-kv/db-password",
              "spec.attributes.exp", {"manifests/secrets.yaml", 4, 1})};
  findings[2].waiver = guardrails::AppliedWaiver{"rotated by the app", "2027-03-31"};
  return findings;
}

inline Plan DetailedEveryActionPlan() {
  Plan plan = EveryActionPlan();
  const std::string rg =
      "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-payments";
  for (Change& c : plan.changes) {
    const std::string name = c.address.substr(c.address.rfind('/') + 1);
    if (c.kind == "Vault") {
      c.arm_id = rg + "/providers/Microsoft.KeyVault/vaults/" + name;
      if (c.action != Action::kCreate && c.action != Action::kRecover &&
          c.action != Action::kBlocked && c.action != Action::kPurgeThenCreate) {
        c.before = {{"location", "westeurope"},
                    {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}}},
                    {"tags", {{"keyward-stack", "payments"}}}};
        c.fingerprint = "fp-" + name;
      }
      if (c.action != Action::kDelete)
        c.after = {{"location", "westeurope"},
                   {"properties", {{"sku", {{"family", "A"}, {"name", "premium"}}}}},
                   {"tags", {{"keyward-stack", "payments"}}}};
    }
  }
  auto find = [&](const std::string& address) -> Change& {
    for (Change& c : plan.changes)
      if (c.address == address) return c;
    throw std::logic_error("no change " + address);
  };
  find("Vault/old-kv").reason_code = "prune";
  Change& replace = find("ManagedHsm/hsm1");
  replace.reason_code = "immutable_after_create";
  replace.arm_id = rg + "/providers/Microsoft.KeyVault/managedHSMs/hsm1";
  replace.fingerprint = "fp-hsm1";
  replace.before = {{"properties", {{"tenantId", "00000000-0000-0000-0000-000000000001"}}}};
  replace.after = {{"properties", {{"tenantId", "00000000-0000-0000-0000-000000000002"}}}};
  find("Vault/reborn-kv").reason_code = "purge_then_create";
  find("Vault/lost-kv").reason_code = "recover_soft_deleted";
  find("Vault/held-kv").reason_code = "blocked_by_purge_protection";
  find("Key/payments-kv/signing").reason_code = "immutable_after_create";
  find("Vault/legacy-kv").reason_code = "adopt";
  Change& secret = find("Secret/payments-kv/db-password");
  secret.arm_id = rg + "/providers/Microsoft.KeyVault/vaults/payments-kv/secrets/db-password";
  secret.fingerprint = "fp-db-password";
  secret.depends_on = {"Vault/payments-kv"};
  secret.before = {{"properties", {{"value", "old-canary-value"}, {"contentType", nullptr}}}};
  secret.after = {{"properties", {{"value", "new-canary-value"}, {"contentType", "text/plain"}}}};
  find("Vault/orders-kv").warnings = {"vault uses RBAC; access policies have no effect"};
  plan.diagnostics.Warning({"manifests/vault.yaml", 3, 5}, "stack defaults leave tenantId unset");
  plan.findings = EveryKindOfFinding();
  return plan;
}

// Validates JSON text against schemas/plan.schema.json with Python's jsonschema (a real,
// independent draft-07 validator) through scripts/validate-plan-json.py. "" when valid, else
// the validator's report.
inline std::string ValidatePlanJson(const std::string& json_text) {
  const auto file =
      std::filesystem::temp_directory_path() /
      ("keyward-plan-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  std::ofstream(file, std::ios::binary) << json_text;
  const std::string command = "python3 '" +
                              (SourceDir() / "scripts" / "validate-plan-json.py").string() + "' '" +
                              file.string() + "' 2>&1";
  std::string report;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) report.append(buffer, n);
    const int status = ::pclose(pipe);
    if (status == 0)
      report.clear();
    else if (report.empty())
      report = "validator exited with status " + std::to_string(status);
  } else {
    report = "cannot run " + command;
  }
  std::filesystem::remove(file);
  return report;
}

}  // namespace keyward::engine::plan_testing
