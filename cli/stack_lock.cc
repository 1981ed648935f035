#include "cli/stack_lock.h"

#include <cstdlib>

namespace keyward::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::string StateDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (auto dir = Env("KEYWARD_STATE_DIR"); !dir.empty()) return dir;
  if (auto dir = Env("XDG_STATE_HOME"); !dir.empty()) return dir + "/keyward";
  if (auto home = Env("HOME"); !home.empty()) return home + "/.local/state/keyward";
  return ".keyward";
}

}  // namespace keyward::cli
