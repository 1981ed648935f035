// The User-Agent keyward sends to ARM and to Entra ID: "keyward/<version>", the version being the
// one CMake's project() declares (the same as `keyward version` prints), never a copy in code.
#pragma once

#include <string>

namespace keyward::azure {

std::string KeywardUserAgent();

}  // namespace keyward::azure
