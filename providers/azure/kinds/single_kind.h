// The descriptor of a kind no other kind shares a model with (ResourceGroup, AccessPolicy,
// Secret): a constant in the kind's model that names the kind and its pure functions, which take
// the descriptor like those of a family (KeyKind, PecKind, SoftDeletableKind) do.
#pragma once

#include "engine/resource_handler.h"
#include "providers/azure/kinds/export_model.h"

namespace keyward::azure {

struct SingleKind {
  const char* kind;
  engine::ResolveResponse (*resolve)(const SingleKind& kind, const engine::ResolveRequest& request);
  engine::Change (*plan_change)(const SingleKind& kind, const engine::PlanChangeRequest& request);
  ExportManifestFunction export_manifest;
  engine::KindTraits (*traits)();
};

}  // namespace keyward::azure
