#include "engine/secret_source.h"

#include <openssl/crypto.h>

#include <cstdlib>

#include "engine/scrubber.h"
#include "engine/split.h"

namespace keyward::engine {
namespace {

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

// Variables that hold keyward's own credentials and keys: no manifest may copy them into a vault.
// (The stack's configured key variables are added per scope.)
constexpr const char* kCredentialEnvs[] = {"AZURE_CLIENT_SECRET",
                                           "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                           "AZURE_PASSWORD",
                                           "IDENTITY_HEADER",
                                           "MSI_SECRET",
                                           "KEYWARD_WEBHOOK_SECRET",
                                           kDefaultFingerprintKeyEnv,
                                           "KEYWARD_PLAN_KEY"};

// Their "files" are the process's memory and environment, the kernel's state and devices.
constexpr const char* kNeverRead[] = {"/proc", "/sys", "/dev"};

bool IsUnder(const std::string& path, std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir == "/") return !path.empty() && path[0] == '/';
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::string JoinNames(const std::vector<std::string>& names, const char* suffix = "") {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name + suffix;
  return out;
}

struct Source {
  std::string env;   // set for {env: NAME}
  std::string file;  // set for {file: path}
};

Result<Source> ParseSource(const Json& value_from) {
  if (std::string problem = ValueFromProblem(&value_from); !problem.empty())
    return MakeError(ErrorCode::kInvalidArgument, problem);
  if (value_from.contains("env")) return Source{value_from["env"].get<std::string>(), ""};
  return Source{"", value_from["file"].get<std::string>()};
}

Status CheckEnvName(const std::string& name, const SecretSourceScope& scope) {
  bool credential = false;
  for (const char* denied : kCredentialEnvs) credential = credential || name == denied;
  for (const std::string& denied : scope.key_envs) credential = credential || name == denied;
  if (credential)
    return MakeError(ErrorCode::kPermissionDenied,
                     "environment variable " + name +
                         " holds keyward's own credentials or keys and is never a secret source");
  const SecretSourcePolicy& policy = scope.policy;
  if (policy.env_prefixes.empty() && policy.env_names.empty()) return {};
  for (const std::string& prefix : policy.env_prefixes)
    if (name.compare(0, prefix.size(), prefix) == 0) return {};
  for (const std::string& allowed : policy.env_names)
    if (name == allowed) return {};
  std::string allowed = JoinNames(policy.env_prefixes, "*");
  if (!policy.env_names.empty())
    allowed += (allowed.empty() ? "" : ", ") + JoinNames(policy.env_names);
  return MakeError(ErrorCode::kPermissionDenied,
                   "environment variable " + name +
                       " is not allowed by keyward.yaml secrets.sources.env (" + allowed + ")");
}

// The absolute path, symlinks resolved, that `file` names in `scope`, when it may be read.
// `path` receives the path as joined from the manifest's directory, for messages.
Result<std::string> ConfinedFile(const std::string& file, const SecretSourceScope& scope,
                                 FileReader& files, const Environment& env, std::string* path) {
  *path = JoinRelative(scope.manifest_dir, file);
  const std::string resolved = files.AbsolutePath(*path);
  for (const char* special : kNeverRead) {
    if (IsUnder(resolved, special))
      return MakeError(ErrorCode::kPermissionDenied,
                       "file " + *path + " resolves to " + resolved +
                           ": keyward never reads secret values from /proc, /sys or /dev");
  }
  const std::string root = files.AbsolutePath(scope.root);
  if (IsUnder(resolved, root)) return resolved;
  const std::optional<std::string> ceiling = env.Get(kSecretDirsEnv);
  for (const std::string& dir : scope.policy.allowed_directories) {
    const std::string allowed = files.AbsolutePath(dir);
    if (!IsUnder(resolved, allowed)) continue;
    if (!ceiling) return resolved;
    for (const std::string& outer : SplitNonEmpty(*ceiling, ':'))
      if (IsUnder(allowed, files.AbsolutePath(outer))) return resolved;
    return MakeError(ErrorCode::kPermissionDenied,
                     "file " + *path + " resolves to " + resolved + " in " + allowed +
                         ", which keyward.yaml secrets.sources.allowedDirectories lists but " +
                         kSecretDirsEnv + " (" + *ceiling + ") does not allow");
  }
  return MakeError(ErrorCode::kPermissionDenied,
                   "file " + *path + " resolves to " + resolved +
                       ", outside the manifest set's root " + root +
                       "; list directories outside the root that may be read in keyward.yaml "
                       "secrets.sources.allowedDirectories");
}

// ConfinedFile, then the type and size of what is there. A missing file passes unless
// `must_exist`.
Result<std::string> CheckFile(const std::string& file, const SecretSourceScope& scope,
                              FileReader& files, const Environment& env, bool must_exist,
                              std::string* path) {
  auto resolved = ConfinedFile(file, scope, files, env, path);
  if (!resolved) return resolved;
  auto status = files.Stat(*resolved);
  if (!status) {
    if (status.error().code == ErrorCode::kNotFound && !must_exist) return resolved;
    return MakeError(status.error().code, "file " + *path + " cannot be read (" +
                                              ErrorCodeName(status.error().code) + ")");
  }
  if (!status->regular)
    return MakeError(ErrorCode::kInvalidArgument,
                     "file " + *path + " is not a regular file (a directory, FIFO or device)");
  if (status->size > kMaxSecretValueBytes)
    return MakeError(ErrorCode::kInvalidArgument,
                     "file " + *path + " is larger than " + std::to_string(kMaxSecretValueBytes) +
                         " bytes, Key Vault's limit for a secret value");
  return resolved;
}

SecretValue Registered(std::string value) {
  Scrubber::Process().Add(value);
  SecretValue secret(std::move(value));
  return secret;
}

// The most precise location of the source in the manifest.
SourceLocation WhereIsValueFrom(const DesiredResource& r) {
  for (const char* field : {"spec.valueFrom.env", "spec.valueFrom.file"})
    if (auto where = r.field_locations.Find(field)) return *where;
  return r.LocationOf("spec.valueFrom");
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

SecretSourceScope ScopeOf(const DesiredResource& secret, const StackConfig& config) {
  SecretSourceScope scope;
  scope.manifest_dir = DirectoryOf(secret.location.file);
  scope.root = secret.manifest_root.empty() ? scope.manifest_dir : secret.manifest_root;
  scope.policy = config.secret_sources;
  scope.key_envs = {config.fingerprint_key_env, config.plan_signing_key_env};
  return scope;
}

Status CheckSecretSource(const Json& value_from, const SecretSourceScope& scope, FileReader& files,
                         const Environment& env) {
  KEYWARD_ASSIGN_OR_RETURN(auto source, ParseSource(value_from));
  if (!source.env.empty()) return CheckEnvName(source.env, scope);
  std::string path;
  KEYWARD_RETURN_IF_ERROR(CheckFile(source.file, scope, files, env, /*must_exist=*/false, &path));
  return {};
}

Result<SecretValue> ReadSecretValue(const Json& value_from, const SecretSourceScope& scope,
                                    FileReader& files, const Environment& env) {
  KEYWARD_ASSIGN_OR_RETURN(auto source, ParseSource(value_from));
  if (!source.env.empty()) {
    const std::string& name = source.env;
    KEYWARD_RETURN_IF_ERROR(CheckEnvName(name, scope));
    std::optional<std::string> value = env.Get(name);
    if (!value) {
      return MakeError(ErrorCode::kNotFound, "environment variable " + name + " is not set");
    }
    SecretValue secret = Registered(std::move(*value));
    if (secret.reveal().empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "environment variable " + name + " is empty");
    }
    if (secret.reveal().size() > kMaxSecretValueBytes) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "environment variable " + name + " holds more than " +
                           std::to_string(kMaxSecretValueBytes) +
                           " bytes, Key Vault's limit for a secret value");
    }
    return secret;
  }
  std::string path;
  KEYWARD_ASSIGN_OR_RETURN(auto resolved,
                           CheckFile(source.file, scope, files, env, /*must_exist=*/true, &path));
  Result<std::string> contents = files.ReadRegularFile(resolved, kMaxSecretValueBytes);
  if (!contents) {
    // FileReader messages name the path only, never contents.
    return MakeError(contents.error().code,
                     "file " + path + " cannot be read (" + contents.error().message + ")");
  }
  SecretValue secret = Registered(std::move(*contents));
  if (secret.reveal().empty())
    return MakeError(ErrorCode::kInvalidArgument, "file " + path + " is empty");
  return secret;
}

Result<SecretValue> ReadSecretValueOf(const DesiredResource& secret, const StackConfig& config,
                                      FileReader& files, const Environment& env) {
  static const Json kMissing;
  auto it = secret.spec.find("valueFrom");
  return ReadSecretValue(it != secret.spec.end() ? *it : kMissing, ScopeOf(secret, config), files,
                         env);
}

Diagnostics CheckSecretSources(const DesiredSet& set, FileReader& files, const Environment& env) {
  Diagnostics out;
  for (const DesiredResource& r : set.resources) {
    if (r.kind != kSecretKind || r.policy == ReconcilePolicy::kSkip || !r.spec.is_object() ||
        !r.spec.contains("valueFrom"))
      continue;
    auto checked = CheckSecretSource(r.spec["valueFrom"], ScopeOf(r, set.config), files, env);
    if (!checked) out.Error(WhereIsValueFrom(r), r.address + ": " + checked.error().message);
  }
  return out;
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
  SecretValue secret = Registered(std::move(*key));
  if (secret.reveal().empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "environment variable " + name + " (the secret fingerprint key) is empty");
  }
  return secret;
}

std::string FingerprintKeyId(const std::string& key) {
  return KeyId("keyward-fingerprint-key-id:", key);
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
    Result<SecretValue> value = ReadSecretValueOf(r, set.config, files, env);
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
