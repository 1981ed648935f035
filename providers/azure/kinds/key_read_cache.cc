#include "providers/azure/kinds/key_read_cache.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/diff.h"
#include "engine/saved_plan.h"
#include "providers/azure/arm/bounded_json.h"
#include "providers/azure/kinds/arm_json.h"

namespace keyward::azure {
namespace {

constexpr int kFileVersion = 1;

int64_t SystemSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IdOf(const Json& item) {
  const Json* id = FindKey(item, "id");
  return id && id->is_string() ? Lower(id->get<std::string>()) : "";
}

// ".../vaults/v/keys/k" -> ".../vaults/v" (lowercase).
std::string ParentOf(const std::string& key_id) {
  const size_t at = key_id.rfind("/keys/");
  return at == std::string::npos ? "" : key_id.substr(0, at);
}

}  // namespace

KeyReadCache::KeyReadCache(std::function<int64_t()> now)
    : now_(now ? std::move(now) : SystemSeconds) {}

void KeyReadCache::UseFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (path == file_) return;
  file_ = path;
  entries_.clear();
  if (!file_.empty()) Load();
}

void KeyReadCache::Load() {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file_, ec);
  if (ec || size > kMaxFileBytes || !std::filesystem::is_regular_file(file_, ec)) return;
  std::ifstream in(file_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseJsonBounded(text.str());
  if (!parsed || !parsed->is_object() || parsed->value("version", 0) != kFileVersion) return;
  const Json* entries = FindKey(*parsed, "entries");
  if (!entries || !entries->is_object()) return;
  for (const auto& [id, e] : entries->items()) {
    if (!e.is_object() || !e.contains("listed") || !e["listed"].is_string() ||
        !e.contains("readAt") || !e["readAt"].is_number_integer() || !e.contains("key") ||
        !e["key"].is_object() || IdOf(e["key"]) != id)
      continue;  // a hand-edited or foreign entry: ignore it, GET the key again
    entries_[id] = Entry{e["listed"].get<std::string>(), e["readAt"].get<int64_t>(), e["key"]};
  }
}

std::optional<Json> KeyReadCache::Find(const Json& list_item, AgeBound bound) const {
  const std::string id = IdOf(list_item);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (id.empty() || it == entries_.end()) return std::nullopt;
  const int64_t age = now_() - it->second.read_at;
  if (bound == AgeBound::kMaxAge && (age < 0 || age >= kMaxAge.count())) return std::nullopt;
  if (it->second.listed != engine::FingerprintOf(list_item)) return std::nullopt;
  return it->second.key;
}

void KeyReadCache::Remember(const Json& list_item, const Json& full_key) {
  const std::string id = IdOf(list_item);
  if (id.empty() || IdOf(full_key) != id) return;
  Entry entry{engine::FingerprintOf(list_item), now_(), full_key};
  std::lock_guard<std::mutex> lock(mu_);
  entries_[id] = std::move(entry);
}

void KeyReadCache::ForgetUnlisted(const std::set<std::string>& listed_parents,
                                  const std::set<std::string>& listed_keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (listed_parents.count(ParentOf(it->first)) && !listed_keys.count(it->first))
      it = entries_.erase(it);
    else
      ++it;
  }
}

Status KeyReadCache::Save() const {
  Json file = {{"version", kFileVersion}, {"entries", Json::object()}};
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_.empty()) return {};
    path = file_;
    std::error_code ec;
    // A kind with no keys in this stack leaves no file behind (one to empty is rewritten).
    if (entries_.empty() && !std::filesystem::exists(path, ec)) return {};
    for (const auto& [id, e] : entries_)
      file["entries"][id] = {{"listed", e.listed}, {"readAt", e.read_at}, {"key", e.key}};
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec)
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create the directory of " + path + ": " + ec.message());
  return engine::WriteFilePrivateAtomically(path, file.dump());
}

size_t KeyReadCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace keyward::azure
