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
// the SecretValue holding them is destroyed.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/diagnostic.h"
#include "engine/file_reader.h"
#include "engine/resource.h"
#include "engine/result.h"

namespace keyward::engine {

inline constexpr char kSecretKind[] = "Secret";
inline constexpr char kDefaultFingerprintKeyEnv[] = "KEYWARD_FINGERPRINT_KEY";
// Key Vault's limit for a secret value (25 KB); a longer value is refused where it is read.
inline constexpr size_t kMaxSecretValueBytes = 25 * 1024;

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
// `keyward validate` (the Secret handler's Resolve) and every read (ReadSecretValue) ask it.
std::string ValueFromProblem(const Json* value_from);

// Reads `spec.valueFrom` ({env: NAME} or {file: path}; a relative path is relative to
// `manifest_dir`). Errors name the source, never the value; an unset variable, a missing,
// unreadable or empty file and an empty variable are errors (an empty secret is almost always a
// mistake in CI wiring), and so is a value longer than kMaxSecretValueBytes.
Result<SecretValue> ReadSecretValue(const Json& value_from, const std::string& manifest_dir,
                                    FileReader& files, const Environment& env);

// The same for a desired Secret: its spec.valueFrom, relative to the directory of its manifest.
Result<SecretValue> ReadSecretValueOf(const DesiredResource& secret, FileReader& files,
                                      const Environment& env);

// The fingerprint key named by keyward.yaml (secrets.fingerprintKeyEnv). Unset or empty: error.
Result<SecretValue> ReadFingerprintKey(const StackConfig& config, const Environment& env);

// Lowercase hex of HMAC-SHA256(key, data) (RFC 2104 / RFC 4231).
std::string HmacSha256Hex(const std::string& key, const std::string& data);
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
