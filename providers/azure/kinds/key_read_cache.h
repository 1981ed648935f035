// Refresh at the list-page lower bound for keys: the full GET of a key is skipped while its
// keys-list entry shows that nothing changed since the last GET.
//
// A keys-list entry carries the key's tags, keyUri and attributes (enabled, dates and `updated`,
// which moves with every new version and every update); the GET adds what the list leaves out
// (kty, keyOps, keySize, curveName, rotation and release policies). While the entry is exactly the
// one seen at the last GET, and that GET is younger than kMaxAge, the remembered answer stands in
// for a new one. The one change the list cannot show is a rotation policy edited in the data plane
// (its own endpoint; it does not touch `updated`). A caller that compares the rotation policy (a
// manifest that declares one, or an export) asks for AgeBound::kMaxAge, which bounds how long such
// an edit can stay unseen; a caller that does not can trust the list entry alone (kNone), so an
// unchanged key costs no GET however old its entry.
//
// It holds only what ARM's management plane returns for a key — no key material, no secret — so
// its file (the CLI keeps one per stack, kind and ARM endpoint under the state directory; the
// daemon keeps it in memory) is safe to keep and to delete: a missing, corrupt or foreign file is a
// cold cache, which only costs reads. Entries are keyed by the key's lowercase ARM id, which names
// the subscription, so two subscriptions never share an entry; one file per stack keeps two stacks
// apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "engine/result.h"

namespace keyward::azure {

using Json = nlohmann::json;

class KeyReadCache {
 public:
  static constexpr std::chrono::seconds kMaxAge{3600};
  static constexpr size_t kMaxFileBytes = size_t{256} << 20;

  // `now`: Unix seconds (tests pass a fake clock).
  explicit KeyReadCache(std::function<int64_t()> now = nullptr);

  // Keeps the cache in `path` from now on: loads it unless it is already the file in use (a new
  // file starts from what it holds, not from another stack's entries). "" = memory only.
  void UseFile(const std::string& path);

  // Whether an entry must also be younger than kMaxAge to be trusted.
  enum class AgeBound { kMaxAge, kNone };

  // The full key remembered for this keys-list entry, if the entry is unchanged (and, with
  // kMaxAge, young enough).
  std::optional<Json> Find(const Json& list_item, AgeBound bound = AgeBound::kMaxAge) const;
  void Remember(const Json& list_item, const Json& full_key);

  // After listing the keys of `listed_parents` (lowercase ids): forgets their keys that the lists
  // no longer show (deleted keys do not linger in the file).
  void ForgetUnlisted(const std::set<std::string>& listed_parents,
                      const std::set<std::string>& listed_keys);

  // Writes the file in use (0600, atomically); nothing when memory only, or when there is nothing
  // to keep and no file yet. An error is for a log
  // line: the cache is an optimisation, never a reason to fail a plan.
  Status Save() const;

  size_t size() const;

 private:
  struct Entry {
    std::string listed;  // fingerprint of the keys-list entry the GET was made for
    int64_t read_at = 0;
    Json key;
  };
  void Load();  // mutex held

  std::function<int64_t()> now_;
  mutable std::mutex mu_;
  std::string file_;
  std::map<std::string, Entry> entries_;  // lowercase key id -> entry
};

}  // namespace keyward::azure
