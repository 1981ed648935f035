// The emulator's own admin surface under /_emulator/ (not ARM; no auth, no api-version):
//   POST /_emulator/reset   wipe all resources, operations and counters (the signing key stays)
//   GET  /_emulator/stats   request counters per ARM operationId and per status code
//   GET  /_emulator/requests?since=SEQ   the request log (request_log.h)
//   GET  /_emulator/health  200 {"status":"ok"} once the server accepts requests
// Fault injection (/_emulator/faults) is a separate family: register it next to these from
// RegisterAllRoutes() with its own Interceptor.
#pragma once

#include <functional>

#include "emulator/router.h"
#include "emulator/server.h"

namespace keyward::emulator {

void RegisterAdminRoutes(Router& router, const ServiceContext& context,
                         std::function<void()> reset);

}  // namespace keyward::emulator
