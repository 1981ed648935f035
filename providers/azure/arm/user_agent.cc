#include "providers/azure/arm/user_agent.h"

// KEYWARD_VERSION is defined for this file only (providers/azure/CMakeLists.txt), so a version
// bump recompiles one file.
#ifndef KEYWARD_VERSION
#error "KEYWARD_VERSION must come from CMake's project(VERSION)"
#endif

namespace keyward::azure {

std::string KeywardUserAgent() { return std::string("keyward/") + KEYWARD_VERSION; }

}  // namespace keyward::azure
