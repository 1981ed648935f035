// The ARM error mapping table and the Error::detail encoding. See arm_error.h.
#include "providers/azure/arm/arm_error.h"

#include <array>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/scrubber.h"
#include "providers/azure/arm/bounded_json.h"

namespace keyward::azure {
namespace {

using Json = nlohmann::json;

// One row per decision; the first matching row wins, so code-specific rows come first.
// status 0 = any status, code "" = any code.
struct MappingRow {
  int status;
  const char* arm_code;
  ErrorCode code;
  const char* why;  // documentation for readers of the table
};

constexpr std::array kMappingTable = {
    // Re-plan: someone else changed or is changing the resource.
    MappingRow{0, "AnotherOperationInProgress", ErrorCode::kAborted, "conflicting operation"},
    MappingRow{0, "RetryableErrorDueToAnotherOperation", ErrorCode::kAborted,
               "conflicting operation"},
    MappingRow{0, "OperationPreempted", ErrorCode::kAborted, "conflicting operation"},
    MappingRow{0, "ConcurrentOperationInProgress", ErrorCode::kAborted, "conflicting operation"},
    MappingRow{0, "PreconditionFailed", ErrorCode::kAborted, "etag moved"},
    MappingRow{412, "", ErrorCode::kAborted, "If-Match failed: re-read and re-plan"},
    // Names.
    MappingRow{0, "VaultAlreadyExists", ErrorCode::kAlreadyExists, "global name taken"},
    MappingRow{0, "ConflictError", ErrorCode::kAlreadyExists, "soft-deleted name / item conflict"},
    // Auth, whatever status the gateway chose.
    MappingRow{0, "InvalidAuthenticationToken", ErrorCode::kUnauthenticated, "token rejected"},
    MappingRow{0, "ExpiredAuthenticationToken", ErrorCode::kUnauthenticated, "token expired"},
    MappingRow{0, "AuthenticationFailed", ErrorCode::kUnauthenticated, "token rejected"},
    MappingRow{0, "AuthorizationFailed", ErrorCode::kPermissionDenied, "RBAC"},
    MappingRow{0, "LinkedAuthorizationFailed", ErrorCode::kPermissionDenied, "RBAC"},
    // State that will not change by retrying.
    MappingRow{0, "ResourceGroupBeingDeleted", ErrorCode::kFailedPrecondition, "wait for delete"},
    MappingRow{0, "ScopeLocked", ErrorCode::kFailedPrecondition, "resource lock"},
    MappingRow{0, "MissingSubscriptionRegistration", ErrorCode::kFailedPrecondition,
               "RP not registered"},
    MappingRow{0, "SubscriptionNotFound", ErrorCode::kNotFound, "subscription"},
    // Throttling that outlived the retries.
    MappingRow{0, "SubscriptionRequestsThrottled", ErrorCode::kUnavailable, "429 after retries"},
    // By status.
    MappingRow{400, "", ErrorCode::kInvalidArgument, "bad request"},
    MappingRow{401, "", ErrorCode::kUnauthenticated, "no/invalid token"},
    MappingRow{403, "", ErrorCode::kPermissionDenied, "forbidden"},
    MappingRow{404, "", ErrorCode::kNotFound, "absent"},
    MappingRow{405, "", ErrorCode::kInvalidArgument, "operation not offered"},
    MappingRow{408, "", ErrorCode::kUnavailable, "timeout after retries"},
    MappingRow{409, "", ErrorCode::kAlreadyExists, "name conflict"},
    MappingRow{410, "", ErrorCode::kNotFound, "gone"},
    MappingRow{422, "", ErrorCode::kInvalidArgument, "unprocessable"},
    MappingRow{429, "", ErrorCode::kUnavailable, "throttled after retries"},
    MappingRow{501, "", ErrorCode::kInternal, "not implemented"},
};

std::string JsonString(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// ARM uses "code"/"message"; a few RPs capitalise them.
std::string Field(const Json& object, const char* lower, const char* upper) {
  std::string value = JsonString(object, lower);
  return value.empty() ? JsonString(object, upper) : value;
}

// A short, printable excerpt of a non-JSON body (e.g. an HTML gateway page).
std::string Excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  if (body.size() > 200) out += "…";
  return out;
}

// Detail fields are space-separated key=value pairs; a value with whitespace (a malformed
// code or request id) must not break ArmErrorOf.
std::string Token(std::string value) {
  for (char& c : value) {
    if (std::isspace(static_cast<unsigned char>(c))) c = '_';
  }
  return value;
}

// Every string value in `value`, at any depth.
void AddStrings(const Json& value, engine::Scrubber* scrubber) {
  if (value.is_string()) {
    scrubber->Add(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (const Json& child : value) AddStrings(child, scrubber);
  }
}

}  // namespace

ArmError ParseArmError(int status, const HttpHeaders& headers, std::string_view body,
                       bool sensitive, std::string_view request_body) {
  ArmError arm;
  arm.status = status;
  arm.request_id = headers.GetOr("x-ms-request-id");
  arm.client_request_id = headers.GetOr("x-ms-client-request-id");
  // Bounded: copying `error` below recurses per nesting level.
  Json parsed = ParseJsonBounded(body).value_or(Json());
  if (parsed.is_object()) {
    Json error = parsed.contains("error") ? parsed["error"] : parsed;
    if (error.is_string()) {
      // OAuth / STS shape: {"error":"invalid_client","error_description":"AADSTS…"}.
      arm.code = error.get<std::string>();
      arm.message = JsonString(parsed, "error_description");
    } else if (error.is_object()) {
      arm.code = Field(error, "code", "Code");
      arm.message = Field(error, "message", "Message");
      arm.target = JsonString(error, "target");
      if (auto it = error.find("details"); it != error.end() && it->is_array() && !it->empty()) {
        arm.inner_code = Field((*it)[0], "code", "Code");
      } else if (auto inner = error.find("innererror");
                 inner != error.end() && inner->is_object()) {
        arm.inner_code = Field(*inner, "code", "Code");
      }
    }
  } else if (!body.empty()) {
    arm.message = sensitive ? "(non-JSON response body withheld)" : Excerpt(body);
  }
  if (arm.message.empty() && arm.code.empty()) arm.message = "HTTP " + std::to_string(status);
  if (sensitive && !request_body.empty()) {
    // The process scrubber first: a registered key that contains a body value (a tag) must be
    // matched whole before the body's values are.
    engine::Scrubber sent;
    AddStrings(Json::parse(request_body.begin(), request_body.end(), nullptr,
                           /*allow_exceptions=*/false),
               &sent);
    arm.message = sent.Scrub(engine::Scrubber::Process().Scrub(arm.message));
    arm.target = sent.Scrub(engine::Scrubber::Process().Scrub(arm.target));
  }
  return arm;
}

ErrorCode MapArmError(int status, std::string_view arm_code) {
  for (const MappingRow& row : kMappingTable) {
    bool status_ok = row.status == 0 || row.status == status;
    bool code_ok = row.arm_code[0] == '\0' || EqualsIgnoreCase(row.arm_code, arm_code);
    if (status_ok && code_ok) return row.code;
  }
  if (status >= 500) return ErrorCode::kUnavailable;
  if (status >= 400) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;  // a non-error status reaching here is a bug or malformed reply
}

Error ToError(const ArmError& arm) {
  Error error;
  error.code = MapArmError(arm.status, arm.code);
  std::ostringstream message;
  message << "ARM " << arm.status;
  if (!arm.code.empty()) message << " " << arm.code;
  message << ": " << arm.message;
  error.message = message.str();
  std::ostringstream detail;
  detail << "status=" << arm.status << " arm-code=" << Token(arm.code)
         << " request-id=" << Token(arm.request_id)
         << " client-request-id=" << Token(arm.client_request_id);
  if (!arm.inner_code.empty()) detail << " inner-code=" << Token(arm.inner_code);
  error.detail = detail.str();
  return error;
}

std::optional<ArmError> ArmErrorOf(const Error& error) {
  if (error.detail.rfind("status=", 0) != 0) return std::nullopt;
  ArmError arm;
  std::istringstream in(error.detail);
  std::string token;
  while (in >> token) {
    size_t eq = token.find('=');
    if (eq == std::string::npos) continue;
    std::string key = token.substr(0, eq), value = token.substr(eq + 1);
    if (key == "status")
      arm.status = std::atoi(value.c_str());
    else if (key == "arm-code")
      arm.code = value;
    else if (key == "request-id")
      arm.request_id = value;
    else if (key == "client-request-id")
      arm.client_request_id = value;
    else if (key == "inner-code")
      arm.inner_code = value;
  }
  // The message after "ARM <status> <code>: ".
  size_t colon = error.message.find(": ");
  arm.message = colon == std::string::npos ? error.message : error.message.substr(colon + 2);
  return arm;
}

std::string ArmCodeOf(const Error& error) {
  auto arm = ArmErrorOf(error);
  return arm ? arm->code : std::string();
}

bool HasArmCode(const Error& error, std::string_view code) {
  return EqualsIgnoreCase(ArmCodeOf(error), code);
}

}  // namespace keyward::azure
