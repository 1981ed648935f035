#include "providers/azure/kinds/managed_hsm_handler.h"

#include "providers/azure/kinds/managed_hsm_model.h"

namespace keyward::azure {

ManagedHsmHandler::ManagedHsmHandler(std::shared_ptr<ArmClient> client)
    : SoftDeletableHandler(std::move(client), ManagedHsmSoftDeletableKind()) {}

Status ManagedHsmHandler::BeforeDelete(const Ref& ref, const Context& ctx) {
  auto live = Get(ref, ctx);
  if (!live) {
    if (live.error().code == ErrorCode::kNotFound) return {};  // the DELETE finds it gone too
    return tl::unexpected(live.error());
  }
  const Json normalized = NormalizeManagedHsm(*live);
  if (SecondaryRegions(normalized).empty()) return {};
  // ARM refuses to delete a primary that still has replicas: shrink to the primary first.
  const Json patch = {
      {"properties", {{"regions", Json::array({{{"name", normalized.value("location", "")}}})}}}};
  return Write(HttpMethod::kPatch, ref, patch, true, ctx);
}

}  // namespace keyward::azure
