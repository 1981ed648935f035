#include "emulator/store.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace keyward::emulator {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS resources (
  key TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  parent TEXT NOT NULL,
  subscription TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_name ON resources(name, type);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources(type, parent, key);
CREATE TABLE IF NOT EXISTS operations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subscription TEXT NOT NULL,
  target TEXT NOT NULL,
  data TEXT NOT NULL,
  created REAL NOT NULL,
  due REAL NOT NULL,
  status TEXT NOT NULL,
  completed REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

// RAII prepared statement; errors become exceptions so that Transact() rolls back. Inside the
// emulator a failed SQL statement is a bug or a broken disk, never a client error.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    }
  }
  Statement(sqlite3* db, const std::string& sql) : Statement(db, sql.c_str()) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& Bind(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.c_str(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, int value) {
    sqlite3_bind_int(stmt_, index, value);
    return *this;
  }
  bool Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  std::string Text(int column) {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? reinterpret_cast<const char*>(text) : "";
  }
  double Double(int column) { return sqlite3_column_double(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

StoredResource ReadResource(Statement& s) {
  StoredResource r;
  r.key = s.Text(0);
  r.type = s.Text(1);
  r.parent = s.Text(2);
  r.subscription = s.Text(3);
  r.name = s.Text(4);
  r.body = nlohmann::json::parse(s.Text(5));
  return r;
}

Operation ReadOperation(Statement& s) {
  Operation op;
  op.id = s.Text(0);
  op.kind = s.Text(1);
  op.subscription = s.Text(2);
  op.target = s.Text(3);
  op.data = nlohmann::json::parse(s.Text(4));
  op.created = s.Double(5);
  op.due = s.Double(6);
  op.status = s.Text(7);
  op.completed = s.Double(8);
  return op;
}

constexpr const char* kResourceColumns = "key, type, parent, subscription, name, body";
constexpr const char* kOperationColumns =
    "id, kind, subscription, target, data, created, due, status, completed";

// "SELECT <every column> FROM <table> <rest>": every read of whole rows (ReadResource and
// ReadOperation read the columns in this order).
std::string SelectResources(const char* rest) {
  return std::string("SELECT ") + kResourceColumns + " FROM resources " + rest;
}
std::string SelectOperations(const char* rest) {
  return std::string("SELECT ") + kOperationColumns + " FROM operations " + rest;
}

// Appends every row `s` still yields, read by `read`.
template <class Row>
void AppendRows(Statement& s, Row (*read)(Statement&), std::vector<Row>* out) {
  while (s.Step()) out->push_back(read(s));
}

}  // namespace

std::unique_ptr<Store> Store::Open(const std::string& path, std::string* error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    *error =
        "cannot open state file '" + path + "': " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Store> store(new Store(db));
  // WAL keeps readers of the file (e.g. a debugging sqlite3 shell) from blocking the emulator.
  if (!store->Exec("PRAGMA journal_mode=WAL", error) || !store->Exec(kSchema, error)) {
    return nullptr;
  }
  try {
    store->Transact([](Tx& tx) {
      auto version = tx.GetMeta("schema_version");
      if (!version) tx.SetMeta("schema_version", std::to_string(kSchemaVersion));
    });
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
  return store;
}

Store::~Store() { sqlite3_close(db_); }

bool Store::Exec(const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown";
    sqlite3_free(message);
    if (error) *error = text;
    spdlog::error("sqlite: {} ({})", text, sql);
    return false;
  }
  return true;
}

void Store::Reset() {
  Transact([this](Tx&) {
    Exec("DELETE FROM resources");
    Exec("DELETE FROM operations");
  });
}

std::optional<StoredResource> Store::Tx::Get(const std::string& key) {
  Statement s(db_, SelectResources("WHERE key = ?"));
  s.Bind(1, key);
  if (!s.Step()) return std::nullopt;
  return ReadResource(s);
}

void Store::Tx::Put(const StoredResource& r) {
  Statement s(db_,
              "INSERT INTO resources (key, type, parent, subscription, name, body) "
              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET type = excluded.type, "
              "parent = excluded.parent, subscription = excluded.subscription, "
              "name = excluded.name, body = excluded.body");
  s.Bind(1, r.key).Bind(2, r.type).Bind(3, r.parent).Bind(4, r.subscription).Bind(5, r.name);
  s.Bind(6, r.body.dump());
  s.Step();
}

bool Store::Tx::Delete(const std::string& key) {
  Statement s(db_, "DELETE FROM resources WHERE key = ?");
  s.Bind(1, key);
  s.Step();
  return sqlite3_changes(db_) > 0;
}

std::vector<StoredResource> Store::Tx::List(const ListQuery& q) {
  Statement s(db_,
              SelectResources("WHERE type = ?1 AND (?2 = '' OR parent = ?2) AND "
                              "(?3 = '' OR subscription = ?3) AND key > ?4 ORDER BY key LIMIT ?5"));
  s.Bind(1, q.type).Bind(2, q.parent).Bind(3, q.subscription).Bind(4, q.after_key).Bind(5, q.limit);
  std::vector<StoredResource> out;
  AppendRows(s, ReadResource, &out);
  return out;
}

std::vector<StoredResource> Store::Tx::FindByName(const std::vector<std::string>& types,
                                                  const std::string& name) {
  std::vector<StoredResource> out;
  for (const auto& type : types) {
    Statement s(db_, SelectResources("WHERE name = ? AND type = ? ORDER BY key"));
    s.Bind(1, name).Bind(2, type);
    AppendRows(s, ReadResource, &out);
  }
  return out;
}

std::vector<StoredResource> Store::Tx::ListByKeyPrefix(const std::string& prefix) {
  Statement s(db_, SelectResources("WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key"));
  s.Bind(1, prefix);
  std::vector<StoredResource> out;
  AppendRows(s, ReadResource, &out);
  return out;
}

std::optional<std::string> Store::Tx::GetMeta(const std::string& key) {
  Statement s(db_, "SELECT value FROM meta WHERE key = ?");
  s.Bind(1, key);
  if (!s.Step()) return std::nullopt;
  return s.Text(0);
}

void Store::Tx::SetMeta(const std::string& key, const std::string& value) {
  Statement s(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  s.Bind(1, key).Bind(2, value);
  s.Step();
}

void Store::Tx::PutOperation(const Operation& op) {
  Statement s(db_, (std::string("INSERT OR REPLACE INTO operations (") + kOperationColumns +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                       .c_str());
  s.Bind(1, op.id).Bind(2, op.kind).Bind(3, op.subscription).Bind(4, op.target);
  s.Bind(5, op.data.dump()).Bind(6, op.created).Bind(7, op.due).Bind(8, op.status);
  s.Bind(9, op.completed);
  s.Step();
}

std::optional<Operation> Store::Tx::GetOperation(const std::string& id) {
  Statement s(db_, SelectOperations("WHERE id = ?"));
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return ReadOperation(s);
}

std::vector<Operation> Store::Tx::DueOperations(double now) {
  Statement s(db_, SelectOperations("WHERE status = 'InProgress' AND due <= ? ORDER BY due"));
  s.Bind(1, now);
  std::vector<Operation> out;
  AppendRows(s, ReadOperation, &out);
  return out;
}

}  // namespace keyward::emulator
