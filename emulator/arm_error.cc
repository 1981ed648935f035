#include "emulator/arm_error.h"

namespace keyward::emulator {

nlohmann::json ArmError::Body() const {
  return {{"error", {{"code", code}, {"message", message}}}};
}

Reply Reply::Json(int status, const nlohmann::json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump();
  return reply;
}

Reply Reply::Empty(int status) {
  Reply reply;
  reply.status = status;
  return reply;
}

Reply Reply::Error(const ArmError& error) {
  Reply reply = Json(error.status, error.Body());
  reply.headers = error.headers;
  reply.error_code = error.code;
  return reply;
}

Reply& Reply::WithHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

ArmError ResourceGroupNotFound(const std::string& resource_group) {
  return {404, "ResourceGroupNotFound",
          "Resource group '" + resource_group + "' could not be found."};
}

ArmError ResourceNotFound(const std::string& type, const std::string& name,
                          const std::string& resource_group) {
  return {404, "ResourceNotFound",
          "The Resource '" + type + "/" + name + "' under resource group '" + resource_group +
              "' was not found. For more details please go to "
              "https://aka.ms/ARMResourceNotFoundFix"};
}

ArmError BadRequest(const std::string& message, const std::string& code) {
  return {400, code, message};
}

ArmError InvalidRequestContent(const std::string& detail) {
  return {400, "InvalidRequestContent",
          "The request content was invalid and could not be deserialized: '" + detail + "'."};
}

}  // namespace keyward::emulator
