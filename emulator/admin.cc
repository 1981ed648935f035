#include "emulator/admin.h"

namespace keyward::emulator {

void RegisterAdminRoutes(Router& router, const ServiceContext& context,
                         std::function<void()> reset) {
  // operation_id "_emulator" keeps admin calls out of the stats they report.
  router.Add(
      {"POST", "/_emulator/reset", "_emulator", ApiFamily::kNone, false, [reset](RequestContext&) {
         reset();
         return Reply::Json(200, {{"status", "reset"}});
       }});
  Stats* stats = context.stats;
  router.Add({"GET", "/_emulator/stats", "_emulator", ApiFamily::kNone, false,
              [stats](RequestContext&) { return Reply::Json(200, stats->ToJson()); }});
  RequestLog* requests = context.requests;
  router.Add({"GET", "/_emulator/requests", "_emulator", ApiFamily::kNone, false,
              [requests](RequestContext& request) {
                long since = 1;
                try {
                  if (request.HasQuery("since")) since = std::stol(request.Query("since"));
                } catch (...) {
                  return Reply::Error({400, "InvalidParameter", "since must be an integer"});
                }
                return Reply::Json(200, requests->Since(since));
              }});
  router.Add(
      {"GET", "/_emulator/health", "_emulator", ApiFamily::kNone, false, [](RequestContext&) {
         return Reply::Json(200, {{"status", "ok"}});
       }});
}

}  // namespace keyward::emulator
