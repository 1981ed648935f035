#include "engine/resource_handler.h"

#include <utility>

namespace keyward::engine {

void HandlerRegistry::Register(std::unique_ptr<ResourceHandler> handler) {
  if (handler) handlers_.push_back(std::move(handler));
}

ResourceHandler* HandlerRegistry::Find(std::string_view kind) const {
  // Few kinds (< 10): a linear scan keeps registration order, which is also refresh order.
  for (const auto& h : handlers_)
    if (h->Kind() == kind) return h.get();
  return nullptr;
}

}  // namespace keyward::engine
