// Where the CLI keeps per-machine state: the local stack locks (coordination/local_lock.h), the
// daemon's status files and in-flight journals, and its git cache. The lock itself — local, etcd
// or azureblob — is chosen and taken through cli/lock.h.
#pragma once

#include <string>

#include "coordination/local_lock.h"

namespace keyward::cli {

// --state-dir, else $KEYWARD_STATE_DIR, else $XDG_STATE_HOME/keyward, else
// $HOME/.local/state/keyward, else ./.keyward.
std::string StateDir(const std::string& flag);

using coordination::StackFileStem;

}  // namespace keyward::cli
