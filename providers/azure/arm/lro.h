// Long-running operation decisions (ARM-NOTES §1.2, §1.3), as pure functions; ArmClient::
// PollUntilDone drives the I/O. Terminal states are exactly Succeeded, Failed and Canceled,
// compared case-insensitively ("Cancelled" with two Ls is NOT terminal, as in the Go and Python
// SDKs). A missing provisioningState means Succeeded.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

enum class LroStrategy {
  kNone,                 // nothing to poll: the initial response is final
  kAzureAsyncOperation,  // poll the status resource's `status`
  kOperationLocation,    // same shape as Azure-AsyncOperation
  kLocation,             // 202 = running, 200/201/204 = done, 4xx/5xx = failed
  kBody,                 // PUT/PATCH: GET the resource until provisioningState is terminal
  kMissingPollingUrl,    // 202 on DELETE/POST without any polling header: an error
};
const char* LroStrategyName(LroStrategy strategy);

bool IsTerminalState(std::string_view state);
bool IsSucceededState(std::string_view state);
bool IsFailedState(std::string_view state);  // Failed or Canceled

// properties.provisioningState, or "" when absent / not a string.
std::string ProvisioningStateOf(const nlohmann::json& body);

// Picks the strategy from the initial response, in the Go azcore order.
LroStrategy ChooseLroStrategy(HttpMethod method, int status, const HttpHeaders& headers);

// The state the operation is in right after the initial response, for body polling: the
// provisioningState if present; else 201 ⇒ "InProgress", 200/204 ⇒ "Succeeded".
std::string InitialBodyState(int status, const nlohmann::json& body);

// The Error for a Failed/Canceled operation, from the status resource or resource body
// (`error` at top level or under `properties`). Canceled ⇒ kAborted (someone else intervened:
// re-plan); Failed ⇒ the ARM code's mapping when the code is known to the table, else
// kFailedPrecondition (retrying the same request will fail the same way).
Error OperationError(std::string_view state, const nlohmann::json& body, const HttpHeaders& headers,
                     std::string_view client_request_id);

// Whether `error` (from PollUntilDone) says the operation itself ended Failed for a reason on the
// service's side, which the same request may not meet again: no error code at all (a vault whose
// provisioning — its DNS registration — failed says nothing more), or InternalServerError,
// InternalError, ServiceUnavailable, GatewayTimeout (ARM's 5xx codes, ARM-NOTES §2). Not for a
// Canceled operation, a code the service gave for the request itself (BadRequest, Conflict...),
// a timeout (the operation may still finish), or an error reading the operation's status.
bool IsTransientOperationFailure(const Error& error);

}  // namespace keyward::azure
