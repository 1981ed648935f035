// LRO decisions. See lro.h.
#include "providers/azure/arm/lro.h"

#include "providers/azure/arm/arm_error.h"

namespace keyward::azure {

const char* LroStrategyName(LroStrategy strategy) {
  switch (strategy) {
    case LroStrategy::kNone:
      return "none";
    case LroStrategy::kAzureAsyncOperation:
      return "azure-async-operation";
    case LroStrategy::kOperationLocation:
      return "operation-location";
    case LroStrategy::kLocation:
      return "location";
    case LroStrategy::kBody:
      return "body";
    case LroStrategy::kMissingPollingUrl:
      return "missing-polling-url";
  }
  return "none";
}

bool IsSucceededState(std::string_view state) { return EqualsIgnoreCase(state, "Succeeded"); }

bool IsFailedState(std::string_view state) {
  return EqualsIgnoreCase(state, "Failed") || EqualsIgnoreCase(state, "Canceled");
}

bool IsTerminalState(std::string_view state) {
  return IsSucceededState(state) || IsFailedState(state);
}

std::string ProvisioningStateOf(const nlohmann::json& body) {
  if (!body.is_object()) return {};
  auto properties = body.find("properties");
  if (properties == body.end() || !properties->is_object()) return {};
  auto state = properties->find("provisioningState");
  if (state == properties->end() || !state->is_string()) return {};
  return state->get<std::string>();
}

LroStrategy ChooseLroStrategy(HttpMethod method, int status, const HttpHeaders& headers) {
  if (status != 200 && status != 201 && status != 202 && status != 204) return LroStrategy::kNone;
  if (!headers.GetOr("Azure-AsyncOperation").empty()) return LroStrategy::kAzureAsyncOperation;
  if (!headers.GetOr("Operation-Location").empty()) return LroStrategy::kOperationLocation;
  if (!headers.GetOr("Location").empty()) return LroStrategy::kLocation;
  if (method == HttpMethod::kPut || method == HttpMethod::kPatch) return LroStrategy::kBody;
  if (status == 202 && (method == HttpMethod::kDelete || method == HttpMethod::kPost)) {
    return LroStrategy::kMissingPollingUrl;
  }
  return LroStrategy::kNone;
}

std::string InitialBodyState(int status, const nlohmann::json& body) {
  std::string state = ProvisioningStateOf(body);
  if (!state.empty()) return state;
  if (status == 201 || status == 202) return "InProgress";
  return "Succeeded";
}

Error OperationError(std::string_view state, const nlohmann::json& body, const HttpHeaders& headers,
                     std::string_view client_request_id) {
  ArmError arm;
  arm.status = 200;  // the poll itself succeeded; the operation did not
  arm.request_id = headers.GetOr("x-ms-request-id");
  arm.client_request_id = std::string(client_request_id);
  const nlohmann::json* error = nullptr;
  if (body.is_object()) {
    if (auto it = body.find("error"); it != body.end() && it->is_object()) {
      error = &*it;
    } else if (auto props = body.find("properties"); props != body.end() && props->is_object()) {
      if (auto inner = props->find("error"); inner != props->end() && inner->is_object())
        error = &*inner;
    }
  }
  if (error) {
    if (auto it = error->find("code"); it != error->end() && it->is_string())
      arm.code = it->get<std::string>();
    if (auto it = error->find("message"); it != error->end() && it->is_string()) {
      arm.message = it->get<std::string>();
    }
  }
  if (arm.message.empty())
    arm.message = "long-running operation ended in state " + std::string(state);
  Error out = ToError(arm);
  out.message = "operation " + std::string(state) +
                (arm.code.empty() ? "" : " (" + arm.code + ")") + ": " + arm.message;
  if (EqualsIgnoreCase(state, "Canceled")) {
    out.code = ErrorCode::kAborted;
  } else {
    // Code-only rows of the mapping table apply (status 200 matches no status row).
    ErrorCode mapped = MapArmError(200, arm.code);
    out.code = mapped == ErrorCode::kInternal ? ErrorCode::kFailedPrecondition : mapped;
  }
  return out;
}

bool IsTransientOperationFailure(const Error& error) {
  // OperationError's shape: a Failed (not Canceled) operation whose code the mapping table does
  // not know, read from a status answer that itself succeeded (status 200).
  if (error.code != ErrorCode::kFailedPrecondition) return false;
  std::optional<ArmError> arm = ArmErrorOf(error);
  if (!arm || arm->status != 200) return false;
  for (const char* code :
       {"", "InternalServerError", "InternalError", "ServiceUnavailable", "GatewayTimeout"}) {
    if (EqualsIgnoreCase(arm->code, code)) return true;
  }
  return false;
}

}  // namespace keyward::azure
