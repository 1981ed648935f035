// The part every Azure kind handler shares (engine/resource_handler.h), so that a handler holds
// only its ARM calls: an ArmClient and the kind's descriptor, a constant of the kind's model that
// names the kind and its pure functions. Kind(), Traits(), Resolve, PlanChange and ExportManifest
// come from the descriptor; a handler derives from KindHandler<its descriptor> and implements
// Refresh and Apply (and whatever those need).
//
// A descriptor has these members (KeyKind, PecKind, SoftDeletableKind, SingleKind):
//   const char* kind;  // the manifest kind
//   resolve:     (const Descriptor&, const engine::ResolveRequest&) -> engine::ResolveResponse
//   plan_change: (const Descriptor&, const engine::PlanChangeRequest&) -> engine::Change
//   ExportManifestFunction export_manifest;
//   engine::KindTraits (*traits)();  // null: the defaults (a child kind)
// The kinds of a family (two key kinds, two connection kinds, two soft-deletable kinds) share
// their model functions; a kind of its own has a SingleKind (single_kind.h). Every model function
// takes the descriptor, so a handler calls them all one way.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "engine/resource_handler.h"
#include "providers/azure/arm/arm_client.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

template <typename Descriptor>
class KindHandler : public engine::ResourceHandler {
 public:
  KindHandler(std::shared_ptr<ArmClient> client, const Descriptor& kind)
      : client_(std::move(client)), kind_(kind) {}

  std::string_view Kind() const final { return kind_.kind; }
  engine::KindTraits Traits() const final {
    return kind_.traits ? kind_.traits() : engine::KindTraits{};
  }
  engine::ResolveResponse Resolve(const engine::ResolveRequest& request) const final {
    return kind_.resolve(kind_, request);
  }
  engine::Change PlanChange(const engine::PlanChangeRequest& request) const final {
    return kind_.plan_change(kind_, request);
  }
  std::optional<Json> ExportManifest(const engine::ObservedResource& observed,
                                     const engine::ExportContext& context) const final {
    return kind_.export_manifest(observed, context);
  }

 protected:
  std::shared_ptr<ArmClient> client_;
  const Descriptor& kind_;
};

}  // namespace keyward::azure
