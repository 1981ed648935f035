// The strict reading of ARM answers. ArmClient::Send hands every final HTTP response to
// ReadArmResponse, a pure function of (request method and URL, status, headers, body bytes), so
// what keyward believes about Azure never depends on a lenient parse and can be fuzzed.
//
// Rules (docs/reliability.md):
//  - Not 2xx: the ARM error (arm_error.h), its message followed by the operation.
//  - 2xx: a non-empty body must be JSON: Content-Type, when sent, is a JSON media type, and the
//    body parses within the limits of bounded_json.h. A GET answered with anything but
//    202/204/205, and a PUT or PATCH answered 200/201, must return a JSON object (the resource
//    or page). An HTML page, truncated JSON, `[]` or nothing is never "no resources": keyward
//    would otherwise plan creates (and unconditional PUTs) over resources that exist.
//  - Every error names the operation ("GET /subscriptions/…/vaults") and carries
//    "status=… arm-code=… request-id=… client-request-id=…" in Error::detail (ArmErrorOf reads it).
//    Bodies are never quoted except through ParseArmError's non-JSON excerpt of error answers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "providers/azure/arm/transport.h"

namespace keyward::azure {

struct ArmResponse {
  int status = 0;
  HttpHeaders headers;  // case-insensitive lookup: headers.Get("Location")
  nlohmann::json body;  // parsed JSON body; null only when the body was empty
  std::string url;      // the URL that produced this response (after following pollers)
  HttpMethod method = HttpMethod::kGet;

  std::string request_id() const { return headers.GetOr("x-ms-request-id"); }
  std::string client_request_id() const { return headers.GetOr("x-ms-client-request-id"); }
  // properties.provisioningState, or "" when absent.
  std::string provisioning_state() const;
  // "GET /subscriptions/…" for this response (see OperationName).
  std::string operation() const;
};

// "GET /subscriptions/…/vaults": the method and the URL's path, without scheme, host or query
// (queries may hold tokens; hosts are the endpoint's). Used to name the operation in errors.
std::string OperationName(HttpMethod method, std::string_view url);

// "status=<status> arm-code= request-id=<x-ms-request-id> client-request-id=<id>": the detail of
// errors about an answer that is not an ARM error body.
std::string ResponseDetail(int status, const HttpHeaders& headers,
                           std::string_view client_request_id);

// See the rules above. `client_request_id` is the id keyward sent (for the error detail when the
// server did not echo it); `sensitive` withholds any excerpt of a non-JSON error body;
// `body_optional` accepts a 2xx without a body where the operation may answer nothing (the
// Location URL of a DELETE or POST operation). A body that is there must still be JSON.
// `sent_body` is the request body of a sensitive request, whose values an error message must
// not repeat (ParseArmError scrubs them).
Result<ArmResponse> ReadArmResponse(HttpMethod method, std::string_view url, HttpResponse response,
                                    std::string_view client_request_id, bool sensitive = false,
                                    bool body_optional = false, std::string_view sent_body = {});

// The answer of checkNameAvailability / checkMhsmNameAvailability: {"nameAvailable": bool,
// "reason"?: string, "message"?: string}. Anything else is an error naming the operation:
// guessing "available" would plan a create that fails, guessing "taken" would hide the resource.
struct NameAvailability {
  bool available = true;
  std::string reason;
  std::string message;

  // ARM's message, else "The <what> is not available (<reason>)", e.g. what = "vault name 'x'".
  std::string Explain(const std::string& what) const;
};
Result<NameAvailability> ParseNameAvailability(const ArmResponse& response);

}  // namespace keyward::azure
