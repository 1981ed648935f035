#include "engine/secret_source.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace keyward::engine {
namespace {

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xf]);
  }
  return out;
}

std::string DirectoryOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : file.substr(0, slash);
}

std::string JoinRelative(const std::string& dir, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  if (dir.empty() || dir == ".") return path;
  return dir.back() == '/' ? dir + path : dir + "/" + path;
}

// The most precise location of the source in the manifest.
SourceLocation WhereIsValueFrom(const DesiredResource& r) {
  for (const char* field : {"spec.valueFrom.env", "spec.valueFrom.file", "spec.valueFrom"}) {
    auto it = r.field_locations.find(field);
    if (it != r.field_locations.end()) return it->second;
  }
  return r.location;
}

// An exported secret whose placeholder variable is still unset: the handler plans it `blocked`
// (secret_source_placeholder) instead of the whole plan failing on one unreadable source.
bool IsUnsetPlaceholder(const DesiredResource& r, const Environment& env) {
  const Json* value_from =
      r.spec.is_object() && r.spec.contains("valueFrom") ? &r.spec["valueFrom"] : nullptr;
  if (!value_from || !value_from->is_object() || value_from->value("placeholder", false) != true)
    return false;
  const Json* name = value_from->contains("env") ? &(*value_from)["env"] : nullptr;
  return name && name->is_string() && !env.Get(name->get<std::string>());
}

bool NeedsValue(const DesiredResource& r, const Environment& env) {
  return r.kind == kSecretKind && r.policy != ReconcilePolicy::kSkip && !IsUnsetPlaceholder(r, env);
}

// The size only: the value itself never appears in a message.
tl::unexpected<Error> TooLong(const std::string& source, const SecretValue& secret) {
  return MakeError(ErrorCode::kInvalidArgument,
                   source + " holds " + std::to_string(secret.reveal().size()) +
                       " bytes, more than Key Vault's limit of " +
                       std::to_string(kMaxSecretValueBytes) + " bytes for a secret value");
}

}  // namespace

std::optional<std::string> RealEnvironment::Get(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> FakeEnvironment::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

SecretValue::SecretValue(SecretValue&& other) noexcept : value_(std::move(other.value_)) {
  other.Wipe();
}

SecretValue& SecretValue::operator=(SecretValue&& other) noexcept {
  if (this != &other) {
    Wipe();
    value_ = std::move(other.value_);
    other.Wipe();
  }
  return *this;
}

SecretValue::~SecretValue() { Wipe(); }

void SecretValue::Wipe() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

std::string ValueFromProblem(const Json* value_from) {
  if (!value_from || value_from->is_null()) {
    return "spec.valueFrom is required ({env: NAME} or {file: path}); a value is never written "
           "in a manifest";
  }
  if (!value_from->is_object()) return "spec.valueFrom must be {env: NAME} or {file: path}";
  const bool env = value_from->contains("env"), file = value_from->contains("file");
  if (env && file) return "spec.valueFrom must have exactly one of env and file, not both";
  if (!env && !file) return "spec.valueFrom must have exactly one of env and file";
  if (file && value_from->contains("placeholder"))
    return "spec.valueFrom.placeholder goes with env only";
  const Json& source = (*value_from)[env ? "env" : "file"];
  if (!source.is_string() || source.get<std::string>().empty())
    return env ? "spec.valueFrom.env must be a variable name"
               : "spec.valueFrom.file must be a path";
  return "";
}

Result<SecretValue> ReadSecretValue(const Json& value_from, const std::string& manifest_dir,
                                    FileReader& files, const Environment& env) {
  if (std::string problem = ValueFromProblem(&value_from); !problem.empty())
    return MakeError(ErrorCode::kInvalidArgument, problem);
  const Json* env_name = value_from.contains("env") ? &value_from["env"] : nullptr;
  const Json* file = value_from.contains("file") ? &value_from["file"] : nullptr;
  if (env_name) {
    const std::string name = env_name->get<std::string>();
    std::optional<std::string> value = env.Get(name);
    if (!value) {
      return MakeError(ErrorCode::kNotFound, "environment variable " + name + " is not set");
    }
    SecretValue secret(std::move(*value));
    if (secret.reveal().empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "environment variable " + name + " is empty");
    }
    if (secret.reveal().size() > kMaxSecretValueBytes)
      return TooLong("environment variable " + name, secret);
    return secret;
  }
  const std::string path = JoinRelative(manifest_dir, file->get<std::string>());
  Result<std::string> contents = files.Read(path);
  if (!contents) {
    // FileReader messages name the path only, never contents.
    return MakeError(contents.error().code, "file " + path + " cannot be read (" +
                                                ErrorCodeName(contents.error().code) + ")");
  }
  SecretValue secret(std::move(*contents));
  if (secret.reveal().empty())
    return MakeError(ErrorCode::kInvalidArgument, "file " + path + " is empty");
  if (secret.reveal().size() > kMaxSecretValueBytes) return TooLong("file " + path, secret);
  return secret;
}

Result<SecretValue> ReadSecretValueOf(const DesiredResource& secret, FileReader& files,
                                      const Environment& env) {
  static const Json kMissing;
  auto it = secret.spec.find("valueFrom");
  return ReadSecretValue(it != secret.spec.end() ? *it : kMissing,
                         DirectoryOf(secret.location.file), files, env);
}

Result<SecretValue> ReadFingerprintKey(const StackConfig& config, const Environment& env) {
  const std::string& name =
      config.fingerprint_key_env.empty() ? kDefaultFingerprintKeyEnv : config.fingerprint_key_env;
  std::optional<std::string> key = env.Get(name);
  if (!key) {
    return MakeError(ErrorCode::kNotFound,
                     "environment variable " + name +
                         " (the secret fingerprint key, keyward.yaml secrets.fingerprintKeyEnv) "
                         "is not set");
  }
  SecretValue secret(std::move(*key));
  if (secret.reveal().empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "environment variable " + name + " (the secret fingerprint key) is empty");
  }
  return secret;
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return Hex(digest, length);
}

std::string FingerprintKeyId(const std::string& key) {
  std::string input = "keyward-fingerprint-key-id:" + key;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  // `input` held the key.
  OPENSSL_cleanse(input.data(), input.size());
  return Hex(digest, 4);
}

std::string ValueFingerprint(const std::string& key, const std::string& value) {
  return FingerprintKeyId(key) + ":" + HmacSha256Hex(key, value);
}

std::string KeyIdOf(const std::string& fingerprint) {
  const size_t colon = fingerprint.find(':');
  return colon == std::string::npos ? std::string() : fingerprint.substr(0, colon);
}

Diagnostics ResolveSecretFingerprints(DesiredSet& set, const std::string& key, FileReader& files,
                                      const Environment& env) {
  Diagnostics out;
  for (DesiredResource& r : set.resources) {
    if (!NeedsValue(r, env)) continue;
    Result<SecretValue> value = ReadSecretValueOf(r, files, env);
    if (!value) {
      out.Error(WhereIsValueFrom(r),
                r.address + ": cannot read the secret value: " + value.error().message);
      continue;
    }
    r.value_fingerprint = ValueFingerprint(key, value->reveal());
  }
  return out;
}

Diagnostics ResolveSecretFingerprints(DesiredSet& set, FileReader& files, const Environment& env) {
  Diagnostics out;
  const DesiredResource* first = nullptr;
  for (const DesiredResource& r : set.resources) {
    if (NeedsValue(r, env)) {
      first = &r;
      break;
    }
  }
  if (!first) return out;
  Result<SecretValue> key = ReadFingerprintKey(set.config, env);
  if (!key) {
    out.Error(set.config.location.file.empty() ? first->location : set.config.location,
              first->address +
                  " (and every other Secret) needs a fingerprint key: " + key.error().message);
    return out;
  }
  return ResolveSecretFingerprints(set, key->reveal(), files, env);
}

}  // namespace keyward::engine
