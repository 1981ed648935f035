#include "coordination/stack_lock.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include "engine/duration.h"

namespace keyward::coordination {

using Json = nlohmann::json;

std::string LockHolder::ToString() const {
  std::string out = "pid " + std::to_string(pid) + " (keyward " + command + ")";
  if (!host.empty()) out += " on host " + host;
  if (!since.empty()) out += " since " + since;
  if (!replica.empty()) out += ", replica " + replica;
  return out;
}

Json LockHolder::ToJson() const {
  return {
      {"host", host}, {"pid", pid}, {"command", command}, {"since", since}, {"replica", replica}};
}

LockHolder LockHolder::FromJson(const Json& json) {
  LockHolder holder;
  if (!json.is_object()) return holder;
  auto text = [&](const char* key) {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  holder.host = text("host");
  holder.command = text("command");
  holder.since = text("since");
  holder.replica = text("replica");
  if (auto it = json.find("pid"); it != json.end() && it->is_number_integer())
    holder.pid = it->get<long>();
  return holder;
}

std::string DefaultReplicaId() {
  if (const char* id = std::getenv("KEYWARD_REPLICA_ID"); id && *id) return id;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + "-" + std::to_string(::getpid());
}

LockHolder CurrentHolder(const std::string& command, const std::string& replica,
                         const Clock& clock) {
  LockHolder holder;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) holder.host = host;
  holder.pid = ::getpid();
  holder.command = command;
  holder.replica = replica;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(clock.Now());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  holder.since = buffer;
  return holder;
}

Json LockStatus::ToJson() const {
  Json out = {
      {"stack", stack}, {"backend", backend}, {"where", where}, {"held", holder.has_value()}};
  out["holder"] = holder ? holder->ToJson() : Json();
  if (ttl_left) out["ttl_left_ms"] = ttl_left->count();
  Json queue = Json::array();
  for (const LockHolder& w : waiting) queue.push_back(w.ToJson());
  out["waiting"] = queue;
  return out;
}

std::string LockStatus::ToText() const {
  std::string out = "stack '" + stack + "' (" + backend + " lock, " + where + "): ";
  if (!holder) return out + "free\n";
  out += "held by " + holder->ToString();
  if (ttl_left)
    out += "; lease expires in " + engine::FormatDuration(*ttl_left) + " unless renewed";
  out += "\n";
  for (const LockHolder& w : waiting) out += "  waiting: " + w.ToString() + "\n";
  return out;
}

Result<std::map<std::string, LockHolder>> LockBackend::Leaders(
    const std::vector<std::string>& stacks, const Context& ctx) {
  std::map<std::string, LockHolder> leaders;
  for (const std::string& stack : stacks) {
    KEYWARD_ASSIGN_OR_RETURN(auto status, Status(stack, ctx));
    if (status.holder) leaders[stack] = *status.holder;
  }
  return leaders;
}

Error LockedBy(const std::string& stack, const LockHolder& holder, const std::string& where) {
  return Error{ErrorCode::kFailedPrecondition,
               "stack '" + stack + "' is locked by " + holder.ToString() + " (" + where +
                   "); only one writer per stack may run",
               {}};
}

}  // namespace keyward::coordination
