// The Key and ManagedHsmKey kinds: one handler class, parameterised by the key kind (key_model.h),
// around the pure planning logic in key_model.h.
//
// Refresh: one keys list per parent (vault or managed HSM), only for parents that exist live
// (RefreshRequest::parents) and are named by a desired key — plus, when prune scopes are given,
// every live parent owned by the stack, and parents given by ARM id that keyward does not manage
// (not among the observed parents; a 404 there means "no keys"). A list item carries attributes,
// keyUri and tags only (listKeys.json; the data plane's KeyItem), not kty, keySize, curveName,
// keyOps or the policies, so each listed key that a manifest declares is then read with one GET:
// without it a changed key type could not be reported — unless the key read cache
// (key_read_cache.h) holds the GET's answer for exactly this list entry. Undeclared keys (prune
// candidates) need only the list. Parents are chosen by child_refresh.h; both phases run at most
// RefreshRequest::parallelism calls at a time (engine/parallel.h).
//
// Apply: create is the create-if-not-exist PUT with the desired body, then a GET; no-op re-reads.
// Every other action is refused: ARM has no update and no delete for keys.
#pragma once

#include <memory>

#include "providers/azure/kinds/key_model.h"
#include "providers/azure/kinds/key_read_cache.h"
#include "providers/azure/kinds/kind_handler.h"

namespace keyward::azure {

class KeyHandler : public KindHandler<KeyKind> {
 public:
  KeyHandler(std::shared_ptr<ArmClient> client, const KeyKind& kind,
             std::shared_ptr<KeyReadCache> cache = std::make_shared<KeyReadCache>())
      : KindHandler(std::move(client), kind), cache_(std::move(cache)) {}

  Result<engine::RefreshResponse> Refresh(const engine::RefreshRequest& request,
                                          const Context& ctx) override;
  Result<engine::ApplyResponse> Apply(const engine::ApplyRequest& request,
                                      const Context& ctx) override;

 private:
  struct KeyToRead {
    size_t item;  // index into the listed items
    KeyReadCache::AgeBound bound;
  };
  // Full keys for the declared list items: from the cache where the entry is unchanged, else GET.
  // A key deleted between the list and its GET is left out of `items`.
  Status ReadDeclared(std::vector<Json>& items, const std::vector<KeyToRead>& declared,
                      size_t parallelism, const Context& ctx);

  std::shared_ptr<KeyReadCache> cache_;
};

}  // namespace keyward::azure
