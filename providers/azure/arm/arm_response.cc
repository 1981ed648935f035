// Strict reading of ARM answers. See arm_response.h.
#include "providers/azure/arm/arm_response.h"

#include <cctype>

#include "providers/azure/arm/arm_error.h"
#include "providers/azure/arm/bounded_json.h"
#include "providers/azure/arm/lro.h"

namespace keyward::azure {
namespace {

using Json = nlohmann::json;

// An ARM error message can be as long as the body; a terminal line is not the place for 32 MiB.
constexpr size_t kMaxMessageBytes = 2000;

std::string Truncated(std::string text) {
  if (text.size() <= kMaxMessageBytes) return text;
  text.resize(kMaxMessageBytes);
  return text + "…";
}

// "application/json; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  size_t start = 0;
  while (start < out.size() && std::isspace(static_cast<unsigned char>(out[start]))) ++start;
  out.erase(0, start);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsJsonMediaType(const std::string& media_type) {
  return media_type == "application/json" || media_type == "text/json" ||
         (media_type.size() > 5 && media_type.compare(media_type.size() - 5, 5, "+json") == 0);
}

// A printable rendering of text chosen by the server (a header value, a URL), for messages.
std::string Printable(std::string_view text, size_t max_bytes = 100) {
  std::string out;
  for (char c : text.substr(0, max_bytes)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace

std::string ArmResponse::provisioning_state() const { return ProvisioningStateOf(body); }

std::string ArmResponse::operation() const { return OperationName(method, url); }

std::string OperationName(HttpMethod method, std::string_view url) {
  std::string authority, path;
  std::string where = SplitUrl(url, &authority, &path) ? path : std::string(url);
  where = where.substr(0, where.find('?'));
  return std::string(HttpMethodName(method)) + " " + Printable(where, 400);
}

std::string ResponseDetail(int status, const HttpHeaders& headers,
                           std::string_view client_request_id) {
  ArmError arm;
  arm.status = status;
  arm.request_id = headers.GetOr("x-ms-request-id");
  arm.client_request_id = headers.GetOr("x-ms-client-request-id", std::string(client_request_id));
  return ToError(arm).detail;
}

Result<ArmResponse> ReadArmResponse(HttpMethod method, std::string_view url, HttpResponse response,
                                    std::string_view client_request_id, bool sensitive,
                                    bool body_optional, std::string_view sent_body) {
  const std::string operation = OperationName(method, url);
  if (response.status < 200 || response.status > 299) {
    ArmError arm =
        ParseArmError(response.status, response.headers, response.body, sensitive, sent_body);
    if (arm.client_request_id.empty()) arm.client_request_id = std::string(client_request_id);
    Error error = ToError(arm);
    error.message = Truncated(std::move(error.message)) + " (" + operation + ")";
    return tl::unexpected(std::move(error));
  }
  const std::string status = std::to_string(response.status);
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInternal, operation + ": " + why,
                     ResponseDetail(response.status, response.headers, client_request_id));
  };

  ArmResponse out;
  out.status = response.status;
  out.method = method;
  out.url = std::string(url);
  if (!response.body.empty()) {
    if (auto content_type = response.headers.Get("Content-Type")) {
      const std::string media_type = MediaType(*content_type);
      if (!IsJsonMediaType(media_type)) {
        return fail("ARM answered " + status + " with Content-Type '" + Printable(media_type) +
                    "', not JSON");
      }
    }
    auto parsed = ParseJsonBounded(response.body);
    if (!parsed) return fail("the " + status + " response body " + parsed.error().message);
    out.body = std::move(*parsed);
  }
  // GETs answer with the resource or page; PUT and PATCH answer 200/201 with the resource they
  // wrote (202 and 204 carry no body).
  const bool resource_expected = (method == HttpMethod::kGet && response.status != 202 &&
                                  response.status != 204 && response.status != 205) ||
                                 ((method == HttpMethod::kPut || method == HttpMethod::kPatch) &&
                                  (response.status == 200 || response.status == 201));
  if (resource_expected && !out.body.is_object() && !(body_optional && response.body.empty())) {
    if (response.body.empty())
      return fail("ARM answered " + status +
                  " with an empty body; a resource or list was expected");
    return fail("ARM answered " + status + " with " + JsonTypeName(out.body) +
                "; a JSON object was expected");
  }
  out.headers = std::move(response.headers);
  if (!out.headers.Contains("x-ms-client-request-id"))
    out.headers.Set("x-ms-client-request-id", std::string(client_request_id));
  return out;
}

std::string NameAvailability::Explain(const std::string& what) const {
  if (!message.empty()) return message;
  return "The " + what + " is not available (" + (reason.empty() ? "AlreadyExists" : reason) + ")";
}

Result<NameAvailability> ParseNameAvailability(const ArmResponse& response) {
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInternal, response.operation() + ": " + why,
                     ResponseDetail(response.status, response.headers, ""));
  };
  if (!response.body.is_object())
    return fail(std::string("the name check answered ") + JsonTypeName(response.body) +
                ", not an object");
  NameAvailability out;
  auto available = response.body.find("nameAvailable");
  if (available == response.body.end() || !available->is_boolean())
    return fail("the name check answer has no boolean `nameAvailable`");
  out.available = available->get<bool>();
  for (auto [key, field] : {std::pair{"reason", &out.reason}, std::pair{"message", &out.message}}) {
    auto it = response.body.find(key);
    if (it == response.body.end() || it->is_null()) continue;
    if (!it->is_string())
      return fail(std::string("the name check answer's `") + key + "` is not a string");
    *field = it->get<std::string>();
  }
  return out;
}

}  // namespace keyward::azure
