// What a Microsoft.Resources/resourceGroups resource means to keyward, as pure functions (the
// ResourceGroup kind). resource_group_handler.cc only adds the ARM calls.
//
// A resource group carries only a location and tags for keyward. It cannot move (its location
// is immutable), and a replace would delete everything inside it, so a location change is
// `blocked`, never `replace`. Delete is planned only for prune of an owned group; the engine's
// apply guard (allow-destroy) decides whether it runs.
#pragma once

#include <string>

#include "engine/resource_handler.h"
#include "providers/azure/kinds/single_kind.h"

namespace keyward::azure {

// The kind's descriptor: its name, Resolve, PlanChange, export and traits.
const SingleKind& ResourceGroupDescriptor();

// "/subscriptions/{s}/resourceGroups/{name}"
std::string ResourceGroupArmId(const std::string& subscription, const std::string& name);

// {location (canonical), tags}; id, name, type, managedBy and properties are server-owned.
Json NormalizeResourceGroup(const Json& live);

// The address and ARM id of a declared group; its fields are the schema's and the loader's.
engine::ResolveResponse ResolveResourceGroup(const SingleKind& kind,
                                             const engine::ResolveRequest& request);

engine::Change PlanResourceGroupChange(const SingleKind& kind,
                                       const engine::PlanChangeRequest& request);

}  // namespace keyward::azure
