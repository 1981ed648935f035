// Command-line options shared by the keyward subcommands, and the wiring that turns them into a
// handler registry backed by a real ARM client. This is the only place engine and providers meet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/resource_handler.h"

namespace keyward::cli {

struct GlobalOptions {
  std::string arm_endpoint;  // --arm-endpoint, else KEYWARD_ARM_ENDPOINT, else Azure public cloud
  std::string ca_file;       // --ca-file, else KEYWARD_CA_FILE
  bool verbose = false;
  bool color = false;
};

struct PlanFlags {
  std::vector<std::string> paths;
  bool detailed_exitcode = false;
  bool prune = false;
  bool show_no_ops = false;
  int parallelism = 0;  // 0 = keyward.yaml's policies.parallelism
  bool auto_approve = false;
  bool allow_destroy = false;
  bool allow_replace = false;
};

struct ExportFlags {
  std::string subscription;
  std::string resource_group;  // empty: the whole subscription
  std::string stack;           // empty: keyward.yaml takes no ownership
  std::string out;
  bool force = false;  // write into a non-empty --out directory
};

// Registers every Azure kind handler, sharing one ARM client. Credentials are read lazily (on the
// first ARM call), so `validate` works without any.
std::unique_ptr<engine::HandlerRegistry> MakeAzureRegistry(const GlobalOptions& options);

}  // namespace keyward::cli
