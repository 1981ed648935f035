#include "engine/saved_plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/by_address.h"
#include "engine/hmac.h"
#include "engine/scrubber.h"
#include "engine/sensitive.h"

namespace keyward::engine {
namespace {

constexpr char kFormatMarker[] = "keyward-saved-plan";

Json LocationToJson(const SourceLocation& l) {
  return {{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

SourceLocation LocationFromJson(const Json& j) {
  SourceLocation l;
  if (!j.is_object()) return l;
  l.file = j.value("file", "");
  l.line = j.value("line", 0);
  l.column = j.value("column", 0);
  return l;
}

constexpr char kPlanKeyDomain[] = "keyward-plan-key-id:";

// A field change's value as the file holds it: sensitive values masked.
Json Kept(const Change& c, const FieldChange& f, const Json& value) {
  return IsSensitivePath(c.sensitive_paths, f.path) && !value.is_null() ? Json(kSensitiveValue)
                                                                        : value;
}

// Findings as the file holds them: their free text scrubbed like diagnostics' messages.
Json ScrubbedFindings(const std::vector<guardrails::Finding>& findings) {
  Json out = guardrails::FindingsToJson(findings);
  for (Json& f : out) {
    f["message"] = Scrubber::Process().Scrub(f.value("message", ""));
    if (f.contains("waiver"))
      f["waiver"]["reason"] = Scrubber::Process().Scrub(f["waiver"].value("reason", ""));
  }
  return out;
}

// The text a signature covers (see the header).
std::string CanonicalText(const Json& unsigned_plan) {
  return unsigned_plan.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json ChangeToJson(const Change& c) {
  Json fields = Json::array();
  for (const FieldChange& f : c.field_changes)
    fields.push_back(
        {{"path", f.path}, {"before", Kept(c, f, f.before)}, {"after", Kept(c, f, f.after)}});
  return {{"action", ActionName(c.action)},
          {"address", c.address},
          {"kind", c.kind},
          {"arm_id", c.arm_id},
          {"before", DropSensitive(c.before, c.sensitive_paths)},
          {"after", DropSensitive(c.after, c.sensitive_paths)},
          {"field_changes", std::move(fields)},
          {"sensitive_paths", c.sensitive_paths},
          {"warnings", c.warnings},
          {"reason", c.reason},
          {"reason_code", c.reason_code},
          {"fingerprint", c.fingerprint},
          {"depends_on", c.depends_on},
          {"policy", ReconcilePolicyName(c.policy)},
          {"report_only", c.report_only}};
}

Action ActionFromName(const std::string& name) {
  for (Action a : {Action::kNoOp, Action::kCreate, Action::kUpdate, Action::kReplace,
                   Action::kDelete, Action::kRecover, Action::kPurgeThenCreate, Action::kBlocked,
                   Action::kUnsupported, Action::kAdopt})
    if (name == ActionName(a)) return a;
  throw std::invalid_argument("unknown action '" + name + "'");
}

ReconcilePolicy PolicyFromName(const std::string& name) {
  if (auto p = ParseReconcilePolicy(name)) return *p;
  throw std::invalid_argument("unknown reconcile policy '" + name + "'");
}

Change ChangeFromJson(const Json& j) {
  Change c;
  c.action = ActionFromName(j.at("action").get<std::string>());
  c.address = j.at("address").get<std::string>();
  c.kind = j.at("kind").get<std::string>();
  c.arm_id = j.at("arm_id").get<std::string>();
  c.before = j.at("before");
  c.after = j.at("after");
  for (const Json& f : j.at("field_changes"))
    c.field_changes.push_back({f.at("path").get<std::string>(), f.at("before"), f.at("after")});
  c.sensitive_paths = j.at("sensitive_paths").get<std::vector<std::string>>();
  c.warnings = j.at("warnings").get<std::vector<std::string>>();
  c.reason = j.at("reason").get<std::string>();
  c.reason_code = j.at("reason_code").get<std::string>();
  c.fingerprint = j.at("fingerprint").get<std::string>();
  c.depends_on = j.at("depends_on").get<std::vector<std::string>>();
  c.policy = PolicyFromName(j.at("policy").get<std::string>());
  c.report_only = j.at("report_only").get<bool>();
  return c;
}

Json DesiredToJson(const DesiredResource& d) {
  return {{"kind", d.kind},
          {"name", d.name},
          {"subscription", d.subscription},
          {"resource_group", d.resource_group},
          {"address", d.address},
          {"arm_id", d.arm_id},
          {"spec", d.spec},
          {"annotations", d.annotations},
          {"policy", ReconcilePolicyName(d.policy)},
          {"depends_on", d.depends_on},
          {"location", LocationToJson(d.location)},
          {"manifest_root", d.manifest_root},
          {"value_fingerprint", d.value_fingerprint}};
}

DesiredResource DesiredFromJson(const Json& j) {
  DesiredResource d;
  d.kind = j.at("kind").get<std::string>();
  d.name = j.at("name").get<std::string>();
  d.subscription = j.at("subscription").get<std::string>();
  d.resource_group = j.at("resource_group").get<std::string>();
  d.address = j.at("address").get<std::string>();
  d.arm_id = j.at("arm_id").get<std::string>();
  d.spec = j.at("spec");
  d.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
  d.policy = PolicyFromName(j.at("policy").get<std::string>());
  d.depends_on = j.at("depends_on").get<std::vector<std::string>>();
  d.location = LocationFromJson(j.at("location"));
  d.manifest_root = j.at("manifest_root").get<std::string>();
  d.value_fingerprint = j.at("value_fingerprint").get<std::string>();
  return d;
}

Json ConfigToJson(const StackConfig& c) {
  Json out = {{"stack", c.stack},
              {"default_subscription", c.default_subscription},
              {"default_resource_group", c.default_resource_group},
              {"default_location", c.default_location},
              {"default_tenant_id", c.default_tenant_id},
              {"default_policy", ReconcilePolicyName(c.default_policy)},
              {"prune", c.prune},
              {"parallelism", c.parallelism},
              {"fingerprint_key_env", c.fingerprint_key_env},
              {"disable_pruned_secrets", c.disable_pruned_secrets},
              {"secret_sources",
               {{"allowed_directories", c.secret_sources.allowed_directories},
                {"env_prefixes", c.secret_sources.env_prefixes},
                {"env_names", c.secret_sources.env_names}}},
              {"plan_signing_key_env", c.plan_signing_key_env},
              {"lock", c.lock},
              {"location", LocationToJson(c.location)}};
  // Written only when set, so plans saved without them read the same.
  if (c.operation_timeout) out["operation_timeout_ms"] = c.operation_timeout->count();
  if (c.request_timeout) out["request_timeout_ms"] = c.request_timeout->count();
  return out;
}

StackConfig ConfigFromJson(const Json& j) {
  StackConfig c;
  c.stack = j.at("stack").get<std::string>();
  c.default_subscription = j.at("default_subscription").get<std::string>();
  c.default_resource_group = j.at("default_resource_group").get<std::string>();
  c.default_location = j.at("default_location").get<std::string>();
  c.default_tenant_id = j.at("default_tenant_id").get<std::string>();
  c.default_policy = PolicyFromName(j.at("default_policy").get<std::string>());
  c.prune = j.at("prune").get<bool>();
  c.parallelism = j.at("parallelism").get<int>();
  c.fingerprint_key_env = j.at("fingerprint_key_env").get<std::string>();
  c.disable_pruned_secrets = j.at("disable_pruned_secrets").get<bool>();
  const Json& sources = j.at("secret_sources");
  c.secret_sources.allowed_directories =
      sources.at("allowed_directories").get<std::vector<std::string>>();
  c.secret_sources.env_prefixes = sources.at("env_prefixes").get<std::vector<std::string>>();
  c.secret_sources.env_names = sources.at("env_names").get<std::vector<std::string>>();
  c.plan_signing_key_env = j.at("plan_signing_key_env").get<std::string>();
  c.lock = j.value("lock", Json());  // absent in plans saved before `lock:` existed
  c.location = LocationFromJson(j.at("location"));
  if (j.contains("operation_timeout_ms"))
    c.operation_timeout = std::chrono::milliseconds(j.at("operation_timeout_ms").get<long long>());
  if (j.contains("request_timeout_ms"))
    c.request_timeout = std::chrono::milliseconds(j.at("request_timeout_ms").get<long long>());
  return c;
}

std::string Short(const std::string& fingerprint) {
  return fingerprint.size() > 12 ? fingerprint.substr(0, 12) + "…" : fingerprint;
}

bool Executes(const Change* c) { return c && IsWrite(c->action) && !c->report_only; }

// Paths whose planned values differ between two changes of the same address, as the file would
// hold them (sensitive values masked); "the request body" when only the body differs.
std::vector<std::string> DifferingValues(const Change& saved, const Change& fresh) {
  std::map<std::string, std::pair<Json, Json>> was, is;
  for (const FieldChange& f : saved.field_changes)
    was[f.path] = {Kept(saved, f, f.before), Kept(saved, f, f.after)};
  for (const FieldChange& f : fresh.field_changes)
    is[f.path] = {Kept(fresh, f, f.before), Kept(fresh, f, f.after)};
  std::set<std::string> paths;
  for (const auto& [path, values] : was) {
    auto it = is.find(path);
    if (it == is.end() || it->second != values) paths.insert(path);
  }
  for (const auto& [path, values] : is)
    if (!was.count(path)) paths.insert(path);
  std::vector<std::string> out(paths.begin(), paths.end());
  if (out.empty() && DropSensitive(saved.after, saved.sensitive_paths) !=
                         DropSensitive(fresh.after, fresh.sensitive_paths))
    out.push_back("the request body");
  return out;
}

// keyward never writes two changes, or two resources, of one address; a file that has them was
// edited, and every lookup by address (apply, the stale check) would see only the first.
template <class T>
void RequireUniqueAddresses(const std::vector<T>& items, const char* what) {
  if (const T* twice = ByAddress<T>(items).Duplicate())
    throw std::invalid_argument(std::string(what) + " has the address '" + twice->address +
                                "' twice");
}

std::string WhyStale(const Change& c, const Change* now) {
  const std::string& was = c.fingerprint;
  const std::string is = now ? now->fingerprint : "";
  if (was != is) {
    if (was.empty()) return "appeared since the plan";
    if (is.empty()) return "disappeared since the plan";
    return "changed since the plan (live fingerprint " + Short(was) + " -> " + Short(is) + ")";
  }
  if (!now) return "is no longer planned";
  if (now->action != c.action)
    return std::string("would now be planned as ") + ActionName(now->action) + " instead of " +
           ActionName(c.action);
  if (now->report_only != c.report_only)
    return now->report_only ? "would now only be reported" : "would now be written";
  if (now->arm_id != c.arm_id) return "now targets " + now->arm_id + " instead of " + c.arm_id;
  const std::vector<std::string> values = DifferingValues(c, *now);
  if (values.empty()) return "";
  std::string paths;
  for (const std::string& path : values) paths += (paths.empty() ? "" : ", ") + path;
  return "would now be planned with other values (" + paths + ")";
}

}  // namespace

std::string PlanKeyId(const std::string& key) { return KeyId(kPlanKeyDomain, key); }

std::string SerializeSavedPlan(const SavedPlan& saved, const std::string& signing_key,
                               const std::string& key_env) {
  Json desired = Json::array();
  for (const DesiredResource& d : saved.desired.resources) desired.push_back(DesiredToJson(d));
  Json changes = Json::array();
  for (const Change& c : saved.plan.changes) changes.push_back(ChangeToJson(c));
  Json diagnostics = Json::array();
  for (const Diagnostic& d : saved.plan.diagnostics.items())
    diagnostics.push_back({{"severity", d.severity == Severity::kError ? "error" : "warning"},
                           {"location", LocationToJson(d.location)},
                           {"message", Scrubber::Process().Scrub(d.message)}});
  Json out = {
      {"format", kFormatMarker},
      {"format_version", kSavedPlanFormatVersion},
      {"keyward_version", saved.keyward_version},
      {"manifest_digest", saved.desired.digest},
      {"options",
       {{"prune", saved.options.prune},
        {"purge_then_create", saved.options.purge_then_create},
        {"stack", saved.options.stack}}},
      {"config", ConfigToJson(saved.desired.config)},
      {"desired", std::move(desired)},
      {"plan",
       {{"changes", std::move(changes)},
        {"diagnostics", std::move(diagnostics)},
        {"findings", ScrubbedFindings(saved.plan.findings)}}},
  };
  if (!signing_key.empty()) {
    out["signature"] = {{"algorithm", "hmac-sha256"},
                        {"key_id", PlanKeyId(signing_key)},
                        {"key_env", key_env},
                        {"hmac", HmacSha256Hex(signing_key, CanonicalText(out))}};
  }
  return out.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Status VerifySavedPlanSignature(const SavedPlan& saved, const std::string& key) {
  if (!saved.signature)
    return MakeError(ErrorCode::kFailedPrecondition, "the saved plan is not signed");
  const std::string expected = HmacSha256Hex(key, saved.signed_text);
  if (EqualsConstantTime(expected, saved.signature->hmac)) return {};
  const std::string id = PlanKeyId(key);
  if (saved.signature->key_id != id)
    return MakeError(ErrorCode::kPermissionDenied,
                     "the saved plan was signed with another key (key id " +
                         saved.signature->key_id + "; this key's id is " + id + ")");
  return MakeError(ErrorCode::kPermissionDenied,
                   "the saved plan's signature does not match its contents: it was changed after "
                   "keyward plan signed it");
}

Result<SavedPlan> ParseSavedPlan(const std::string& text, const std::string& source) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto member = [&](const char* key) {
    const auto it = j.is_object() ? j.find(key) : j.end();
    return it == j.end() ? Json() : *it;
  };
  if (member("format") != kFormatMarker)
    return MakeError(ErrorCode::kInvalidArgument,
                     source + ": not a keyward saved plan (write one with `keyward plan --out`)");
  const Json version = member("format_version");
  if (!version.is_number_integer() || version.get<int>() != kSavedPlanFormatVersion)
    return MakeError(ErrorCode::kInvalidArgument,
                     source + ": saved plan format version " + version.dump() +
                         " is not supported by this keyward (it reads version " +
                         std::to_string(kSavedPlanFormatVersion) + "); re-run keyward plan");
  try {
    SavedPlan saved;
    if (auto it = j.find("signature"); it != j.end()) {
      const Json& signature = *it;
      if (signature.at("algorithm").get<std::string>() != "hmac-sha256")
        throw std::invalid_argument("unknown signature algorithm " + signature["algorithm"].dump());
      saved.signature = PlanSignature{signature.at("key_id").get<std::string>(),
                                      signature.at("key_env").get<std::string>(),
                                      signature.at("hmac").get<std::string>()};
      j.erase(it);
    }
    saved.signed_text = CanonicalText(j);
    saved.keyward_version = j.at("keyward_version").get<std::string>();
    const Json& options = j.at("options");
    saved.options.prune = options.at("prune").get<bool>();
    saved.options.purge_then_create = options.at("purge_then_create").get<bool>();
    saved.options.stack = options.at("stack").get<std::string>();
    saved.desired.config = ConfigFromJson(j.at("config"));
    saved.desired.digest = j.at("manifest_digest").get<std::string>();
    for (const Json& d : j.at("desired")) saved.desired.resources.push_back(DesiredFromJson(d));
    const Json& plan = j.at("plan");
    for (const Json& c : plan.at("changes")) saved.plan.changes.push_back(ChangeFromJson(c));
    RequireUniqueAddresses(saved.desired.resources, "desired");
    RequireUniqueAddresses(saved.plan.changes, "plan.changes");
    for (const Json& d : plan.at("diagnostics")) {
      const std::string severity = d.at("severity").get<std::string>();
      const SourceLocation where = LocationFromJson(d.at("location"));
      std::string message = d.at("message").get<std::string>();
      if (severity == "error") {
        saved.plan.diagnostics.Error(where, std::move(message));
      } else {
        saved.plan.diagnostics.Warning(where, std::move(message));
      }
    }
    // Shown by `keyward show` as they were planned; absent in plans saved before guardrails.
    if (auto findings = plan.find("findings"); findings != plan.end())
      saved.plan.findings = guardrails::FindingsFromJson(*findings);
    return saved;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, source + ": corrupt keyward saved plan: " +
                                                      e.what() + "; re-run keyward plan");
  }
}

Status WriteFilePrivateAtomically(const std::string& path, const std::string& bytes) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string temp = dir + "/.keyward-XXXXXX";
  const int fd = ::mkstemp(temp.data());  // created 0600
  if (fd < 0)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create a file in " + dir + ": " + std::strerror(errno));
  auto fail = [&](const std::string& what) {
    const std::string message = what + " " + path + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    return MakeError(ErrorCode::kUnavailable, message);
  };
  if (::fchmod(fd, 0600) != 0) return fail("cannot set the mode of");
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot flush");
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return MakeError(ErrorCode::kUnavailable, "cannot write " + path + ": " + std::strerror(errno));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string message = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(temp.c_str());
    return MakeError(ErrorCode::kUnavailable, message);
  }
  return {};
}

std::vector<StaleChange> FindStaleChanges(const Plan& saved, const Plan& fresh) {
  std::vector<StaleChange> stale;
  std::set<std::string> seen;
  const ByAddress<Change> fresh_changes(fresh.changes);
  for (const Change& c : saved.changes) {
    seen.insert(c.address);
    const Change* now = fresh_changes.Find(c.address);
    if (!Executes(&c) && !Executes(now)) continue;
    std::string why = WhyStale(c, now);
    if (!why.empty()) stale.push_back({c.address, std::move(why)});
  }
  for (const Change& c : fresh.changes) {
    if (seen.count(c.address) || !Executes(&c)) continue;
    stale.push_back({c.address, std::string("would now be planned as ") + ActionName(c.action) +
                                    ", and the saved plan does not have it"});
  }
  return stale;
}

std::vector<StaleChange> FindChangedManifests(const DesiredSet& saved, const DesiredSet& now) {
  std::vector<StaleChange> changed;
  std::set<std::string> seen;
  const ByAddress<DesiredResource> now_resources(now.resources);
  for (const DesiredResource& d : saved.resources) {
    seen.insert(d.address);
    const DesiredResource* current = now_resources.Find(d.address);
    if (!current) {
      changed.push_back({d.address, "removed from the manifests"});
    } else {
      // Where a document sits is not content; a value fingerprint is compared only when both
      // sides resolved secret values (loading manifests for this check does not).
      Json a = DesiredToJson(*current), b = DesiredToJson(d);
      for (const char* where : {"location", "manifest_root"}) {
        a.erase(where);
        b.erase(where);
      }
      if (a["value_fingerprint"] == "" || b["value_fingerprint"] == "") {
        a.erase("value_fingerprint");
        b.erase("value_fingerprint");
      }
      if (a != b) changed.push_back({d.address, "changed in the manifests"});
    }
  }
  for (const DesiredResource& d : now.resources)
    if (!seen.count(d.address)) changed.push_back({d.address, "added to the manifests"});
  return changed;
}

}  // namespace keyward::engine
