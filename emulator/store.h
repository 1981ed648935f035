// SQLite-backed state of the emulator. One generic table holds every ARM resource as JSON, keyed by
// its lowercased ARM id (ARM ids compare case-insensitively; the body keeps the caller's casing).
// Deleted (soft-deleted) resources are ordinary rows of their own proxy type, e.g.
// Microsoft.KeyVault/deletedVaults. Long-running operations and a small key/value table (the token
// signing key, schema version) live beside it.
//
// Concurrency: one connection, one mutex. Every read and write goes through Transact(), which holds
// the mutex for the whole read-modify-write and wraps it in BEGIN IMMEDIATE/COMMIT, so concurrent
// PUTs serialise and never lose updates. The emulator's throughput needs are tiny; simplicity wins.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace keyward::emulator {

struct StoredResource {
  std::string key;           // lowercased ARM id
  std::string type;          // e.g. "Microsoft.KeyVault/vaults"
  std::string parent;        // lowercased id of the containing scope (RG for vaults)
  std::string subscription;  // lowercased subscription id
  std::string name;          // lowercased resource name (global-uniqueness lookups)
  nlohmann::json body;       // stored representation, caller's casing
};

struct ListQuery {
  std::string type;
  std::string parent;        // empty = any
  std::string subscription;  // empty = any
  std::string after_key;     // exclusive lower bound (paging continuation)
  int limit = -1;            // -1 = no limit
};

struct Operation {
  std::string id;
  std::string kind;  // e.g. "VaultPurge", "ResourceGroupDelete"
  std::string subscription;
  std::string target;   // lowercased key of the resource the operation acts on
  nlohmann::json data;  // kind-specific
  double created = 0;
  double due = 0;      // when the operation completes
  std::string status;  // "InProgress" | "Succeeded" | "Failed"
  double completed = 0;
};

class Store {
 public:
  class Tx;
  // Opens (creating if needed) the database file. Returns nullptr and sets *error on failure.
  static std::unique_ptr<Store> Open(const std::string& path, std::string* error);
  ~Store();

  // Runs fn(Tx&) under the store mutex inside one SQLite transaction; commits when fn returns,
  // rolls back if it throws.
  template <typename F>
  auto Transact(F&& fn) -> decltype(fn(std::declval<Tx&>()));

  // Deletes every resource and operation (the signing key survives so issued tokens stay valid).
  void Reset();

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  bool Exec(const char* sql, std::string* error = nullptr);

  sqlite3* db_;
  std::recursive_mutex mutex_;
};

class Store::Tx {
 public:
  explicit Tx(sqlite3* db) : db_(db) {}
  std::optional<StoredResource> Get(const std::string& key);
  void Put(const StoredResource& resource);
  bool Delete(const std::string& key);
  std::vector<StoredResource> List(const ListQuery& query);
  // All resources of any of `types` with this lowercased name (global name uniqueness).
  std::vector<StoredResource> FindByName(const std::vector<std::string>& types,
                                         const std::string& name);
  // Resources whose key starts with prefix (children of a scope, e.g. everything in an RG).
  std::vector<StoredResource> ListByKeyPrefix(const std::string& prefix);

  std::optional<std::string> GetMeta(const std::string& key);
  void SetMeta(const std::string& key, const std::string& value);

  void PutOperation(const Operation& op);
  std::optional<Operation> GetOperation(const std::string& id);
  std::vector<Operation> DueOperations(double now);

 private:
  sqlite3* db_;
};

template <typename F>
auto Store::Transact(F&& fn) -> decltype(fn(std::declval<Tx&>())) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Exec("BEGIN IMMEDIATE");
  Tx tx(db_);
  try {
    if constexpr (std::is_void_v<decltype(fn(tx))>) {
      fn(tx);
      Exec("COMMIT");
    } else {
      auto result = fn(tx);
      Exec("COMMIT");
      return result;
    }
  } catch (...) {
    Exec("ROLLBACK");
    throw;
  }
}

}  // namespace keyward::emulator
