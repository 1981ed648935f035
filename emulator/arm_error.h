// What a route handler hands back: a Reply (status, headers, body). ArmError is the value type for
// ARM's `{"error":{"code","message"}}` bodies so that handlers return errors instead of throwing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace keyward::emulator {

struct ArmError {
  ArmError() = default;
  ArmError(int status_in, std::string code_in, std::string message_in,
           std::vector<std::pair<std::string, std::string>> headers_in = {})
      : status(status_in),
        code(std::move(code_in)),
        message(std::move(message_in)),
        headers(std::move(headers_in)) {}

  int status = 400;
  std::string code;
  std::string message;
  // Extra response headers (e.g. WWW-Authenticate on 401, x-ms-failure-cause on gateway errors).
  std::vector<std::pair<std::string, std::string>> headers;

  nlohmann::json Body() const;
};

struct Reply {
  int status = 200;
  std::string body;  // empty => Content-Length: 0
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for error replies so middleware and stats can see the ARM code without parsing the body.
  std::string error_code;

  static Reply Json(int status, const nlohmann::json& body);
  static Reply Empty(int status);
  static Reply Error(const ArmError& error);
  Reply& WithHeader(std::string name, std::string value);
};

// Common constructors, with ARM's message texts (ARM-NOTES §2.2).
ArmError ResourceGroupNotFound(const std::string& resource_group);
ArmError ResourceNotFound(const std::string& type, const std::string& name,
                          const std::string& resource_group);
ArmError BadRequest(const std::string& message, const std::string& code = "BadRequest");
ArmError InvalidRequestContent(const std::string& detail);

}  // namespace keyward::emulator
