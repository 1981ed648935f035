// Where Secret values come from (DESIGN.md §6): `valueFrom: {env: NAME}` or `{file: path}`, read
// only when a value is needed (plan, apply), never by `keyward validate`.
//
// keyward never stores a value. Before planning, ResolveSecretFingerprints replaces each value by
// its fingerprint "<key-id>:<hex>" = HMAC-SHA256(key, value) in DesiredResource::value_fingerprint;
// the key is the user's (an environment variable named in keyward.yaml, default
// KEYWARD_FINGERPRINT_KEY) and key-id = first 8 hex digits of sha256("keyward-fingerprint-key-id:"
// + key), so a plan can tell "the key was rotated" from "the value changed" without revealing
// either. No unkeyed hash of a value is ever computed.
//
// Invariants: no message produced here contains a value or the key (they name the source: the
// environment variable or the file); buffers that held a value are zeroed (OPENSSL_cleanse) when
// the SecretValue holding them is destroyed; every value and key read here is registered with the
// process scrubber (engine/scrubber.h) before it is returned. Where a value may come from is
// confined (SecretSourceScope below): a manifest author cannot make keyward read host files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/diagnostic.h"
#include "engine/file_reader.h"
#include "engine/hmac.h"
#include "engine/resource.h"
#include "engine/result.h"

namespace keyward::engine {

inline constexpr char kSecretKind[] = "Secret";
inline constexpr char kDefaultFingerprintKeyEnv[] = "KEYWARD_FINGERPRINT_KEY";

// The process environment, behind a seam so that tests do not depend on (or change) their own.
class Environment {
 public:
  virtual ~Environment() = default;
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
};

class RealEnvironment : public Environment {
 public:
  std::optional<std::string> Get(const std::string& name) const override;
};

class FakeEnvironment : public Environment {
 public:
  void Set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  void Unset(const std::string& name) { values_.erase(name); }
  std::optional<std::string> Get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> values_;
};

// A secret value or key: move-only, zeroed on destruction. Deliberately not printable.
class SecretValue {
 public:
  SecretValue() = default;
  explicit SecretValue(std::string value) : value_(std::move(value)) {}
  SecretValue(SecretValue&& other) noexcept;
  SecretValue& operator=(SecretValue&& other) noexcept;
  SecretValue(const SecretValue&) = delete;
  SecretValue& operator=(const SecretValue&) = delete;
  ~SecretValue();

  const std::string& reveal() const { return value_; }

 private:
  void Wipe();
  std::string value_;
};

// Why `spec.valueFrom` (null when the manifest has none) names no source; empty when it names
// one: exactly one of env and file, placeholder only with env. The one home of this rule:
// `keyward validate` (the Secret handler's Resolve) and every check and read below ask it.
std::string ValueFromProblem(const Json* value_from);

// Key Vault's own limit on a secret value; keyward refuses larger sources before reading them.
inline constexpr size_t kMaxSecretValueBytes = 25 * 1024;
// The operator's ceiling on keyward.yaml secrets.sources.allowedDirectories (colon-separated
// directories): keyward.yaml travels with the manifests, this variable with the deployment.
inline constexpr char kSecretDirsEnv[] = "KEYWARD_SECRET_DIRS";

// Where one Secret may read its value (docs/security.md, "Secret sources"):
//  - valueFrom.file: relative to the manifest's directory; after resolving symlinks it must lie
//    inside the manifest set's root, or inside a directory of keyward.yaml
//    secrets.sources.allowedDirectories (within KEYWARD_SECRET_DIRS when that is set); never
//    under /proc, /sys or /dev; a regular file of at most kMaxSecretValueBytes.
//  - valueFrom.env: never a variable holding keyward's own credentials or keys (the fingerprint
//    and plan-signing keys, the webhook secret, DefaultAzureCredential's secrets); when
//    secrets.sources.env lists prefixes or names, one of those.
struct SecretSourceScope {
  std::string manifest_dir = ".";  // relative files start here
  std::string root = ".";          // the manifest set's root
  SecretSourcePolicy policy;
  std::vector<std::string> key_envs;  // the stack's fingerprint and plan-signing key variables
};
SecretSourceScope ScopeOf(const DesiredResource& secret, const StackConfig& config);

// Checks `spec.valueFrom` ({env: NAME} or {file: path}) against `scope` without reading a value:
// `keyward validate` reports violations with no value and no key at hand. A file that does not
// exist yet passes (sources are often mounted only where apply runs); one that exists must be a
// regular file within the size limit.
Status CheckSecretSource(const Json& value_from, const SecretSourceScope& scope, FileReader& files,
                         const Environment& env);

// Checks, then reads. Errors name the source, never the value; an unset variable, a missing,
// unreadable or empty file and an empty variable are errors (an empty secret is almost always a
// mistake in CI wiring). The value is registered with Scrubber::Process() as it is read.
Result<SecretValue> ReadSecretValue(const Json& value_from, const SecretSourceScope& scope,
                                    FileReader& files, const Environment& env);

// The same for a desired Secret: its spec.valueFrom, in ScopeOf(secret, config).
Result<SecretValue> ReadSecretValueOf(const DesiredResource& secret, const StackConfig& config,
                                      FileReader& files, const Environment& env);

// Every Secret of `set` (policy skip aside) checked with CheckSecretSource; each violation is
// an error at its spec.valueFrom (file:line:column). Part of ValidateManifests.
Diagnostics CheckSecretSources(const DesiredSet& set, FileReader& files, const Environment& env);

// The fingerprint key named by keyward.yaml (secrets.fingerprintKeyEnv). Unset or empty: error.
// Registered with Scrubber::Process().
Result<SecretValue> ReadFingerprintKey(const StackConfig& config, const Environment& env);

// Short, non-secret identifier of a fingerprint key (8 hex digits).
std::string FingerprintKeyId(const std::string& key);
// "<key-id>:<hmac hex>".
std::string ValueFingerprint(const std::string& key, const std::string& value);
// The key-id part of a fingerprint ("" when malformed).
std::string KeyIdOf(const std::string& fingerprint);

// Fills value_fingerprint of every Secret in `set` (policy skip aside: it is never planned) from
// its source, keyed by `key`. Every unreadable source is reported at spec.valueFrom's location,
// except `valueFrom: {env: NAME, placeholder: true}` (written by keyward export) with NAME unset:
// its fingerprint stays empty and the Secret handler plans it `blocked`.
Diagnostics ResolveSecretFingerprints(DesiredSet& set, const std::string& key, FileReader& files,
                                      const Environment& env);

// The CLI's entry point: reads the key named in keyward.yaml from `env`, then resolves. Nothing
// is read (and no key is needed) when the set has no Secret to plan.
Diagnostics ResolveSecretFingerprints(DesiredSet& set, FileReader& files, const Environment& env);

}  // namespace keyward::engine
