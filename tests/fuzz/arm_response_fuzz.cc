// libFuzzer target: what Azure Resource Manager answers -> keyward's ARM client and handlers.
// A scripted transport plays the fuzzer's responses (status, headers, body) to the real ArmClient
// (pipeline, retry with Retry-After, throttle, paging, LRO polling, error mapping), the real
// handlers' Refresh and the planner; token and error bodies go to their parsers directly.
//
// Input (text, so that seeds can be written from the API specification's examples; corpus/
// arm_response_fuzz/):
//   MODE\n                       refresh | list | put | patch | delete | post | get | token | error
//   RESPONSE (\n%%\nRESPONSE)*   each: "STATUS\n" then "Name: value\n" headers, "\n", body;
//                                a STATUS that is not a number is a transport failure (a reset)
// Requests are answered in order; when the script runs out, every request fails as a reset, so
// each input ends after at most a few requests per script entry (the clock is fake: no waiting).
// Any input must end in a value or an Error, never a crash, sanitizer report or escaped exception.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/context.h"
#include "engine/file_reader.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/validate.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/arm/arm_error.h"
#include "providers/azure/arm/credential.h"
#include "providers/azure/arm/transport.h"
#include "providers/azure/handlers.h"

namespace keyward::azure {
namespace {

constexpr std::string_view kSeparator = "\n%%\n";
constexpr char kEndpoint[] = "https://management.azure.com";
constexpr size_t kMaxResponses = 64;

// Time moves only when slept on; nothing really waits.
class FakeClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(now_ms_.load())); }
  bool SleepFor(std::chrono::milliseconds duration, const std::atomic<bool>* cancelled) override {
    now_ms_ += duration.count();
    return !(cancelled && cancelled->load());
  }

 private:
  std::atomic<long long> now_ms_{1'800'000'000'000LL};
};

class StaticCredential : public TokenCredential {
 public:
  Result<AccessToken> GetToken(const TokenRequest&, const Context& ctx) override {
    return AccessToken{"fuzz-token", ctx.clock->Now() + std::chrono::hours(1)};
  }
  std::string Name() const override { return "StaticCredential"; }
};

// Refresh runs handlers on several threads: the script is shared under a lock.
class ScriptTransport : public HttpTransport {
 public:
  explicit ScriptTransport(std::deque<Result<HttpResponse>> script) : script_(std::move(script)) {}
  Result<HttpResponse> Send(const HttpRequest&, const Context&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (script_.empty()) return MakeError(ErrorCode::kUnavailable, "connection reset (script end)");
    auto next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

 private:
  std::mutex mu_;
  std::deque<Result<HttpResponse>> script_;
};

Result<HttpResponse> ParseResponse(std::string_view text) {
  const size_t line_end = std::min(text.find('\n'), text.size());
  const std::string_view status = text.substr(0, line_end);
  if (status.empty() || status.size() > 3 ||
      status.find_first_not_of("0123456789") != std::string_view::npos)
    return MakeError(ErrorCode::kUnavailable, "connection reset (scripted)");
  HttpResponse response;
  response.status = std::stoi(std::string(status));
  text.remove_prefix(std::min(line_end + 1, text.size()));
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.Set(std::string(line.substr(0, colon)), std::string(value));
  }
  response.body = std::string(text);
  return response;
}

std::deque<Result<HttpResponse>> ParseScript(std::string_view text) {
  std::deque<Result<HttpResponse>> script;
  while (script.size() < kMaxResponses) {
    const size_t end = text.find(kSeparator);
    script.push_back(ParseResponse(text.substr(0, end)));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + kSeparator.size());
  }
  return script;
}

// One estate of every kind, so that Refresh asks each handler to read what ARM says.
constexpr char kManifests[] = R"(apiVersion: keyward.dev/v1alpha1
kind: ResourceGroup
metadata: { name: rg-fuzz }
spec: { location: westeurope }
---
apiVersion: keyward.dev/v1alpha1
kind: Vault
metadata: { name: kv-fuzz }
spec:
  sku: { family: A, name: premium }
  enableRbacAuthorization: false
  accessPolicies: exclusive
---
apiVersion: keyward.dev/v1alpha1
kind: AccessPolicy
metadata: { name: ops }
spec:
  vault: kv-fuzz
  objectId: 11111111-2222-3333-4444-555555555555
  permissions: { keys: [get, list], secrets: [get] }
---
apiVersion: keyward.dev/v1alpha1
kind: Key
metadata: { name: signing }
spec: { vault: kv-fuzz, kty: RSA, keySize: 2048 }
---
apiVersion: keyward.dev/v1alpha1
kind: Secret
metadata: { name: db-password }
spec:
  vault: kv-fuzz
  valueFrom: { env: DB_PASSWORD }
---
apiVersion: keyward.dev/v1alpha1
kind: ManagedHsm
metadata: { name: hsm-fuzz }
spec:
  sku: { name: Standard_B1 }
  initialAdminObjectIds: [11111111-2222-3333-4444-555555555555]
)";
constexpr char kConfig[] = R"(stack: fuzz
defaults:
  subscription: 6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01
  resourceGroup: rg-fuzz
  location: westeurope
  tenantId: 3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10
)";

struct Estate {
  engine::HandlerRegistry offline;  // handlers without a client, only to validate the manifests
  engine::ValidationResult loaded;
};

const Estate& TheEstate() {
  static const Estate* estate = [] {
    auto* e = new Estate();
    RegisterAzureHandlers(e->offline, nullptr);
    engine::FakeFileReader files;
    files.AddFile("stack/keyward.yaml", kConfig);
    files.AddFile("stack/estate.yaml", kManifests);
    engine::FakeEnvironment env;
    env.Set("DB_PASSWORD", "s3cret");
    e->loaded = engine::ValidateManifests({"stack"}, files, e->offline, &env);
    if (!e->loaded.ok()) {
      for (const auto& d : e->loaded.diagnostics.items())
        std::fprintf(stderr, "%s\n", d.ToString().c_str());
      std::abort();  // the fixed estate must be valid, or the target fuzzes nothing
    }
    return e;
  }();
  return *estate;
}

std::shared_ptr<ArmClient> MakeClient(std::shared_ptr<HttpTransport> transport) {
  ArmClientOptions options;
  options.endpoint = kEndpoint;
  options.credential = std::make_shared<StaticCredential>();
  options.transport = std::move(transport);
  options.retry.max_retries = 2;
  options.throttle.enabled = false;
  options.poll.max_wait = std::chrono::minutes(5);
  options.log = [](LogLevel, const std::string&) {};
  options.random = [] { return 0.5; };
  return std::make_shared<ArmClient>(std::move(options));
}

void Exercise(std::string_view mode, std::string_view script_text) {
  FakeClock clock;
  Context ctx;
  ctx.clock = &clock;
  const std::string vault = VaultPath("6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01", "rg-fuzz", "kv-fuzz");
  const std::string put_path = WithApiVersion(vault, kKeyVaultApiVersion);
  const Json body = {{"location", "westeurope"}, {"properties", Json::object()}};

  if (mode == "token") {
    (void)ParseTokenResponse(script_text, clock.Now());
    (void)DescribeTokenError(400, script_text);
    return;
  }
  auto script = ParseScript(script_text);
  if (mode == "error") {
    if (script.front()) {
      const auto& response = *script.front();
      const ArmError parsed = ParseArmError(response.status, response.headers, response.body);
      const Error error = ToError(parsed);
      (void)ArmErrorOf(error);
      (void)ParseArmError(response.status, response.headers, response.body, /*sensitive=*/true,
                          R"({"value":"a-secret-value-of-some-length"})");
    }
    return;
  }
  auto client = MakeClient(std::make_shared<ScriptTransport>(std::move(script)));
  if (mode == "refresh") {
    const Estate& estate = TheEstate();
    engine::HandlerRegistry handlers;
    RegisterAzureHandlers(handlers, client);
    engine::RefreshOptions options;
    options.scopes = engine::PruneScopes(estate.loaded.set, /*prune=*/true);
    auto observed = engine::Refresh(estate.loaded.set, handlers, options, ctx);
    if (observed) {
      engine::PlanOptions plan_options;
      plan_options.prune = true;
      (void)engine::MakePlan(estate.loaded.set, *observed, handlers, plan_options);
    }
  } else if (mode == "list") {
    (void)client->ListAll(WithApiVersion(vault + "/keys", kKeyVaultApiVersion), ctx);
  } else if (mode == "get") {
    (void)client->Get(put_path, ctx);
  } else if (mode == "put") {
    (void)client->SendAndWait(HttpMethod::kPut, put_path, body, ctx);
  } else if (mode == "patch") {
    (void)client->SendAndWait(HttpMethod::kPatch, put_path, body, ctx);
  } else if (mode == "delete") {
    (void)client->SendAndWait(HttpMethod::kDelete, put_path, std::nullopt, ctx);
  } else if (mode == "post") {
    (void)client->SendAndWait(HttpMethod::kPost,
                              WithApiVersion(vault + "/purge", kKeyVaultApiVersion), std::nullopt,
                              ctx);
  }
}

}  // namespace
}  // namespace keyward::azure

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)keyward::azure::TheEstate();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t line_end = std::min(input.find('\n'), input.size());
  const std::string_view mode = input.substr(0, line_end);
  input.remove_prefix(std::min(line_end + 1, input.size()));
  keyward::azure::Exercise(mode, input);
  return 0;
}
