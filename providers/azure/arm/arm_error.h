// ARM error bodies and the one table that maps (HTTP status, ARM error.code) to what the engine
// does next (STYLE.md): retry inside the pipeline (408/429/5xx/transport ⇒ kUnavailable once
// retries are exhausted), re-plan (412 and conflicting-operation codes ⇒ kAborted), or stop with
// a message (400/401/403/404/409).
//
// The engine's Error has only code/message/detail, so the ARM specifics travel in Error::detail
// in a fixed, parseable form:
//   "status=409 arm-code=ConflictError request-id=<x-ms-request-id> client-request-id=<uuid>"
// ArmErrorOf(error) recovers them, so handlers can branch on ARM codes (e.g. ConflictError)
// without string-matching messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

struct ArmError {
  int status = 0;                 // HTTP status; 0 for transport / client-side errors
  std::string code;               // ARM error.code, e.g. "ConflictError"; may be empty
  std::string message;            // ARM error.message (or a summary of a non-JSON body)
  std::string target;             // error.target, optional
  std::string request_id;         // x-ms-request-id
  std::string client_request_id;  // x-ms-client-request-id we sent
  std::string inner_code;         // first details[].code or innererror.code, if any
};

// Parses an ARM error body. Tolerates `innererror`, `details`, `additionalInfo`, a top-level
// {"code","message"} (some RPs), OAuth {"error":"x","error_description":"y"}, and non-JSON
// bodies (the message is then a short, truncated excerpt, unless `sensitive`).
// For a `sensitive` request, every string value in `request_body` (JSON) long enough for
// engine::Scrubber is replaced in the message and target: a resource provider may quote the value
// it rejects.
ArmError ParseArmError(int status, const HttpHeaders& headers, std::string_view body,
                       bool sensitive = false, std::string_view request_body = {});

// The mapping table. `arm_code` refines the status (e.g. 409 + "OperationNotAllowed"...).
ErrorCode MapArmError(int status, std::string_view arm_code);

// Builds the engine Error: code from MapArmError, message "ARM <status> <code>: <message>",
// detail in the format above.
Error ToError(const ArmError& arm);

// Recovers the ARM fields from an Error built by ToError (or by ArmClient for transport failures,
// which carry status=0 and only the client request id). nullopt for other errors.
std::optional<ArmError> ArmErrorOf(const Error& error);

// Shorthand: the ARM error.code of `error`, or "" if none.
std::string ArmCodeOf(const Error& error);

// True when `error` carries ARM code `code` (case-insensitive).
bool HasArmCode(const Error& error, std::string_view code);

}  // namespace keyward::azure
