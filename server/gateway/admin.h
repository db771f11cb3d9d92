// The admin API behind the admin page (web/admin/, docs/admin.md). The front
// door routes these; who is an admin is Admission::AdminIdentity's decision
// (the --admin-role in the JWT's roles, or ?role= with --dev-auth):
//
//   GET  /api/admin/overview        RenderAdminOverview: the live numbers
//   POST /api/admin/publish[?to=U]  an event exactly as POST /api/publish
//                                   takes it, authorized by the admin role
//                                   instead of the publisher key, counted
//                                   as source "admin"
//   ws://HOST/ws/...?tail=true      an admin's live tail (admission.h)
//
// The overview is one JSON object; the page polls it and computes rates:
//
//   {"uptime_seconds":12.5,
//    "replica":{"connections":3,"users":2,"topics":2,"connections_total":7,
//               "slow_consumer_closes":0,"overload_closes":0,
//               "forced_disconnects":0,"handshake_rejects":1,"deliveries":40,
//               "bus_messages_dropped":0,"render_queue_overflows":0,
//               "loop_queue_overflows":0},
//    "cluster":{"replicas":1,"connections":3,"users":2,"users_exact":true},
//    "bus":{"kind":"redis","description":"redis://127.0.0.1:6379/0",
//           "connected":true,"ready":true,"stats":{"reconnects":0,...}},
//    "events":[...EventMetrics::RenderJson...],
//    "refused":{...EventMetrics::RenderRefusalsJson...},
//    "admin_role":"admin"}
//
// "cluster" is null, and "cluster_error" says why, when the bus cannot
// answer (the page shows the replica's numbers alone then).
#ifndef PUBSUB_SERVER_GATEWAY_ADMIN_H_
#define PUBSUB_SERVER_GATEWAY_ADMIN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pubsub/presence.h"
#include "server/gateway/gateway_context.h"

namespace pubsub::gateway {

inline constexpr std::string_view kAdminOverviewPath = "/api/admin/overview";
inline constexpr std::string_view kAdminPublishPath = "/api/admin/publish";

// The overview's JSON, with `cluster` from Bus::QueryPresence. Thread-safe
// (reads counters and the presence table under its lock).
std::string RenderAdminOverview(const GatewayContext& context,
                                const absl::StatusOr<PresenceTotals>& cluster);

// The same in two steps, so that what the bus answers later needs nothing of
// the gateway: StartAdminOverview reads this replica's numbers now (an
// unfinished JSON object), FinishAdminOverview adds the cluster's.
std::string StartAdminOverview(const GatewayContext& context);
std::string FinishAdminOverview(std::string started, const absl::StatusOr<PresenceTotals>& cluster);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_ADMIN_H_
